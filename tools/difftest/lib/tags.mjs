// Derives feature tags from a finished case (policies + request), including the corpus's
// doubtful-semantics tags, so that a case is tagged for what it contains whatever family made it.
//
// typeOf(key) must return the iam-data type of a context key ('String', 'ArrayOfString', ...) or
// undefined; it is supplied by the caller (iam-simulate's typeForContextKey, cached).

export const DOUBTFUL_TAGS = [
  'wildcard-only-action-with-arn-pattern',
  'unresolved-policy-variable',
  'multivalued-key-without-set-operator',
  'set-operator-on-single-valued-key',
  'empty-multivalued-context-key',
  'null-on-empty-multivalued',
];

const asList = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function globToRegex(glob, flags) {
  let re = '^';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$', flags);
}

export function actionPatternMatches(pattern, action) {
  if (pattern === '*') return true;
  const i = pattern.indexOf(':');
  if (i < 0) return false;
  const [svc, name] = [pattern.slice(0, i), pattern.slice(i + 1)];
  const j = action.indexOf(':');
  if (svc.toLowerCase() !== action.slice(0, j).toLowerCase()) return false;
  return globToRegex(name, 'i').test(action.slice(j + 1));
}

/** does the statement's Action/NotAction cover the request action? */
export function statementCoversAction(st, action) {
  if (st.Action !== undefined) return asList(st.Action).some((p) => actionPatternMatches(p, action));
  if (st.NotAction !== undefined) return !asList(st.NotAction).some((p) => actionPatternMatches(p, action));
  return false;
}

// Policy variables inside a string: ${name} or ${name, 'default'}; escapes ${*} ${?} ${$}.
export function variablesIn(s) {
  const out = [];
  if (typeof s !== 'string') return out;
  for (const m of s.matchAll(/\$\{([^}]*)\}/g)) {
    const inner = m[1];
    if (inner === '*' || inner === '?' || inner === '$') { out.push({ escape: inner }); continue; }
    const parts = inner.split(', ');
    const hasDefault = parts.length === 2 && parts[1].startsWith("'") && parts[1].endsWith("'");
    out.push({ key: parts[0].trim(), hasDefault });
  }
  return out;
}

function ctxLookup(context, key) {
  const lk = key.toLowerCase();
  for (const k of Object.keys(context)) if (k.toLowerCase() === lk) return { present: true, value: context[k] };
  return { present: false };
}

function parseOperator(op) {
  let set;
  let rest = op;
  const c = op.indexOf(':');
  if (c >= 0) { set = op.slice(0, c); rest = op.slice(c + 1); }
  const ifExists = /IfExists$/.test(rest);
  const base = ifExists ? rest.slice(0, -'IfExists'.length) : rest;
  return { set, base, ifExists };
}

const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'NumericNotEquals',
  'DateNotEquals', 'NotIpAddress', 'ArnNotEquals', 'ArnNotLike']);

function isArnPattern(r) { return typeof r === 'string' && r !== '*' && r.startsWith('arn:'); }

/**
 * @returns {Promise<Set<string>>} tags
 */
export async function deriveTags(c, typeOf) {
  const tags = new Set();
  const req = c.request;
  const ctx = req.context || {};
  const action = req.action;
  const docs = [];
  for (const p of c.identityPolicies || []) docs.push(['identity', p]);
  for (const p of c.permissionsBoundaries || []) docs.push(['boundary', p]);
  for (const level of c.scps || []) for (const p of level) docs.push(['scp', p]);
  if (c.resourcePolicy) docs.push(['resource', c.resourcePolicy]);

  if (c.permissionsBoundaries) tags.add('boundary');
  if (c.scps) tags.add('scp');
  if (c.resourcePolicy) tags.add('resource-policy');
  if (req.resource === '*') tags.add('wildcard-only-action');
  const principalAccount = (req.principal.match(/^arn:aws:(?:iam|sts)::(\d{12}):/) || [])[1];
  if (principalAccount && principalAccount !== req.resourceAccount) tags.add('cross-account');

  for (const [k, v] of Object.entries(ctx)) {
    if (Array.isArray(v) && v.length === 0) tags.add('empty-multivalued-context-key');
    void k;
  }

  for (const [kind, doc] of docs) {
    for (const st of asList(doc.Statement)) {
      const covers = statementCoversAction(st, action);
      if (st.NotAction !== undefined) tags.add('NotAction');
      if (st.NotResource !== undefined) tags.add('NotResource');
      if (st.NotPrincipal !== undefined) tags.add('NotPrincipal');
      for (const a of [...asList(st.Action), ...asList(st.NotAction)]) {
        if (/[*?]/.test(a)) tags.add('action-wildcard');
      }
      const resources = [...asList(st.Resource), ...asList(st.NotResource)];
      for (const r of resources) {
        if (!isArnPattern(r)) continue;
        const parts = r.split(':');
        if (parts.slice(1, 5).some((p) => /[*?]/.test(p))) tags.add('arn-segment-wildcard');
        for (const v of variablesIn(r)) {
          if (v.escape) { tags.add('policy-variable-escape'); continue; }
          tags.add('policy-variable'); tags.add('policy-variable-in-resource');
          if (v.hasDefault) tags.add('policy-variable-default');
          const look = ctxLookup(ctx, v.key);
          if (covers && !v.hasDefault && (!look.present || Array.isArray(look.value))) tags.add('unresolved-policy-variable');
        }
      }
      if (covers && req.resource === '*') {
        const hasStar = asList(st.Resource).includes('*');
        if ((st.Resource !== undefined && !hasStar && asList(st.Resource).some(isArnPattern)) ||
            (st.NotResource !== undefined && asList(st.NotResource).some(isArnPattern))) {
          tags.add('wildcard-only-action-with-arn-pattern');
        }
      }
      const cond = st.Condition || {};
      for (const [op, block] of Object.entries(cond)) {
        const { set, base, ifExists } = parseOperator(op);
        tags.add(`op:${base}`);
        if (base === 'Null') tags.add('null');
        if (ifExists) tags.add('ifexists');
        if (set === 'ForAllValues') tags.add('ForAllValues');
        if (set === 'ForAnyValue') tags.add('ForAnyValue');
        for (const [key, val] of Object.entries(block)) {
          const look = ctxLookup(ctx, key);
          if (!look.present) {
            tags.add('missing-key');
            if (NEGATED.has(base) && !set) tags.add('negated-operator-missing-key');
          }
          const type = await typeOf(key);
          const isArrayType = typeof type === 'string' && type.startsWith('ArrayOf');
          if (covers && look.present && base !== 'Null') {
            if (!set && (isArrayType || Array.isArray(look.value))) tags.add('multivalued-key-without-set-operator');
            if (set && !isArrayType) tags.add('set-operator-on-single-valued-key');
          }
          if (covers && base === 'Null' && look.present && Array.isArray(look.value) && look.value.length === 0) {
            tags.add('null-on-empty-multivalued');
          }
          for (const s of asList(val)) {
            for (const v of variablesIn(s)) {
              if (v.escape) { tags.add('policy-variable-escape'); continue; }
              tags.add('policy-variable'); tags.add('policy-variable-in-condition');
              if (v.hasDefault) tags.add('policy-variable-default');
              const lv = ctxLookup(ctx, v.key);
              if (covers && !v.hasDefault && (!lv.present || Array.isArray(lv.value))) tags.add('unresolved-policy-variable');
            }
          }
        }
      }
      if (kind === 'resource') {
        const pr = st.Principal ?? st.NotPrincipal;
        if (pr === '*') tags.add('principal:*');
        else if (pr && typeof pr === 'object') {
          for (const [ptype, pv] of Object.entries(pr)) {
            for (const p of asList(pv)) {
              if (ptype === 'Service') tags.add('principal:service');
              else if (ptype !== 'AWS') tags.add(`principal:${ptype.toLowerCase()}`);
              else if (p === '*') tags.add('principal:*');
              else if (/^\d{12}$/.test(p)) tags.add('principal:account-id');
              else if (/:root$/.test(p)) tags.add('principal:root-arn');
              else if (/:role\//.test(p)) tags.add('principal:role-arn');
              else if (/:user\//.test(p)) tags.add('principal:user-arn');
              else if (/:assumed-role\//.test(p)) tags.add('principal:session-arn');
            }
          }
        }
      }
    }
  }
  return tags;
}
