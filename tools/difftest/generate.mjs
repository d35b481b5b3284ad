#!/usr/bin/env node
// Differential test-case generator for iamforge.
//
// Builds authorization scenarios aimed at IAM semantics that evaluators get wrong, runs each through
// the pinned @cloud-copilot/iam-simulate (a separate AGPL test tool, never linked into iamforge), and
// writes the cases, with iam-simulate's decision as `expected`, in the shared corpus format (see
// README.md here and /work/shared/corpus/README.md).
//
//   node generate.mjs [--seed N] [--count N] [--out FILE] [--families a,b]   (JSONL to stdout by default)
//
// Deterministic: the same seed, count and pinned packages give a byte-identical file. A summary
// (result distribution, per-family and per-tag counts) goes to stderr.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runSimulation, typeForContextKey, allowedContextKeysForRequest } from '@cloud-copilot/iam-simulate';
import { Rng } from './lib/rng.mjs';
import { caseToSimulation, summarize, SIMULATION_OPTIONS } from './lib/mapping.mjs';
import { deriveTags, DOUBTFUL_TAGS, actionPatternMatches, statementCoversAction } from './lib/tags.mjs';
import {
  HOME, PARTNER, THIRD, ORG, PARTNER_ORG, REGIONS, TEAMS, ROLES, USERS, SERVICES, ORG_PATHS,
  P, stmt, makePrincipal, envContext, pickIp, buildCatalog, fillArnPattern, resourceVariants, actionVariants, parseArn,
  flipCaseOne, mutateOne, isoSeconds,
} from './lib/world.mjs';
import {
  GENERATORS, addToCondition, genString, genSet, genBool, genArn, genNull, STRING_KEYS, SET_KEYS, STRING_OPS,
} from './lib/conditions.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const simDist = join(here, 'node_modules', '@cloud-copilot', 'iam-simulate', 'dist', 'esm');
const { normalizeSimulationParameters } = await import(pathToFileURL(join(simDist, 'simulation_engine', 'simulationEngine.js')).href);
const { getResourceTypesForAction } = await import(pathToFileURL(join(simDist, 'simulation_engine', 'resourceTypes.js')).href);

// ---------------------------------------------------------------- arguments

const DEFAULT_SEED = 20250701;
const DEFAULT_COUNT = 6600;
const args = process.argv.slice(2);
let seed = DEFAULT_SEED, count = DEFAULT_COUNT, outFile = null, onlyFamilies = null;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--seed') seed = Number(args[++i]);
  else if (a === '--count') count = Number(args[++i]);
  else if (a === '--out') outFile = args[++i];
  else if (a === '--families') onlyFamilies = args[++i].split(',');
  else if (a === '-h' || a === '--help') {
    console.error('usage: node generate.mjs [--seed N] [--count N] [--out FILE] [--families a,b]');
    process.exit(0);
  } else { console.error(`unknown argument ${a}`); process.exit(2); }
}
if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 1) { console.error('bad --seed/--count'); process.exit(2); }

const rng = new Rng(seed);
const catalog = await buildCatalog(new Rng(seed ^ 0x5eed), getResourceTypesForAction);

// ---------------------------------------------------------------- helpers

const OUTCOMES = ['Allowed', 'ExplicitlyDenied', 'ImplicitlyDenied'];
const MATCH_KINDS = new Set(['exact', 'star', 'id-tail-star', 'id-dir-star', 'id-mid-star', 'id-qmark', 's3-all', 's3-bucket-star',
  's3-bucket-slash-star', 'product-star', 'resource-star', 'region-star', 'region-prefix', 'region-qmark', 'account-star',
  'account-qmark', 'all-segments-star', 'truncated-service', 'truncated-region', 'truncated-account']);
const RP_SERVICES = ['s3', 'kms', 'lambda', 'ecr', 'dynamodb', 'sts'];

const allowedKeyCache = new Map();
async function allowedKeys(entry, arn) {
  const ck = `${entry.full}|${arn === '*' ? '*' : parseArn(arn).product}|${arn.startsWith('arn:aws:s3:::') ? (arn.includes('/') ? 'o' : 'b') : ''}`;
  if (!allowedKeyCache.has(ck)) {
    let keys = [];
    try { keys = await allowedContextKeysForRequest(entry.service, entry.name, arn, false, undefined); } catch { keys = []; }
    allowedKeyCache.set(ck, new Set(keys));
  }
  return allowedKeyCache.get(ck);
}
function applicableFn(set) {
  return (key) => {
    const lk = key.toLowerCase();
    if (set.has(lk)) return true;
    const slash = lk.indexOf('/');
    if (slash < 0) return false;
    const prefix = lk.slice(0, slash + 1);
    for (const k of set) if (k.startsWith(prefix)) return true;
    return false;
  };
}

function pickEntry(r, opts = {}) {
  const services = opts.services ?? SERVICES;
  for (let tries = 0; tries < 50; tries++) {
    const svc = r.pick(services);
    let list = catalog[svc].filter((e) => (opts.wildcardOnly === undefined ? true : e.wildcardOnly === opts.wildcardOnly));
    if (opts.filter) list = list.filter(opts.filter);
    if (!list.length) continue;
    const curated = list.filter((e) => e.curated);
    return curated.length && r.chance(0.85) ? r.pick(curated) : r.pick(list);
  }
  throw new Error(`no catalog entry for ${JSON.stringify(opts)}`);
}

async function scenario(r, opts = {}) {
  const W = { region: r.pick(REGIONS), names: {} };
  const principal = makePrincipal(r, { account: opts.principalAccount ?? HOME, kind: opts.kind });
  W.team = principal.tags.team;
  W.userName = principal.userName;
  const entry = opts.entry ?? pickEntry(r, opts);
  const resourceAccount = opts.resourceAccount ?? principal.account;
  let arn = '*';
  if (!entry.wildcardOnly) {
    // skip resource types whose ARN has a literal account (e.g. arn:aws:iam::aws:...)
    const rts = entry.rtypes.filter((t) => { const acct = t.arn.split(':')[4] ?? ''; return acct === '' || acct.includes('${'); });
    const pool = rts.length ? rts : entry.rtypes;
    // the catalog lists an action's resource types most-typical first (object before access point, ...)
    const rt = (opts.rtype && entry.rtypes.find((t) => t.key === opts.rtype)) || (r.chance(0.7) ? pool[0] : r.pick(pool));
    arn = fillArnPattern(r, rt.arn, W, resourceAccount, entry.service);
  }
  const ctx = { ...principal.ctx, ...envContext(r, W) };
  if (r.chance(0.35)) ctx['aws:ResourceAccount'] = resourceAccount;
  const set = await allowedKeys(entry, arn);
  const S = {
    r, W, principal, entry, action: entry.full, arn, resourceAccount, ctx, tags: new Set(),
    identity: [], boundary: undefined, scps: undefined, rp: undefined,
    applicable: applicableFn(set), randomIp: () => pickIp(r),
  };
  if (opts.service) S.tags.add(`service-specific:${entry.service}`);
  return S;
}

function finalize(S) {
  // A KMS key always has a key policy and a role always has a trust policy: when a family did not
  // write one, use AWS's default key policy / a trust policy naming the account (neither grants by
  // itself; both delegate to identity policies).
  if (!S.rp && S.arn !== '*' && S.entry.service === 'kms' && parseArn(S.arn).product === 'key/') {
    S.rp = P(stmt('Allow', 'kms:*', '*', undefined, { sid: 'EnableIAMUserPermissions', principal: { AWS: `arn:aws:iam::${S.resourceAccount}:root` } }));
    S.tags.add('kms-default-key-policy');
  }
  if (!S.rp && S.arn !== '*' && S.entry.service === 'sts' && /^arn:aws:iam::\d{12}:role\//.test(S.arn)) {
    S.rp = P(stmt('Allow', ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'], undefined, undefined, { principal: { AWS: `arn:aws:iam::${S.resourceAccount}:root` } }));
    S.tags.add('sts-default-trust-policy');
  }
  const c = { identityPolicies: S.identity };
  if (S.boundary) c.permissionsBoundaries = [S.boundary];
  if (S.scps) c.scps = S.scps;
  if (S.rp) c.resourcePolicy = S.rp;
  c.request = { principal: S.principal.arn, action: S.action, resource: S.arn, resourceAccount: S.resourceAccount, context: S.ctx };
  return c;
}

function otherActions(S, n = 3) {
  const same = catalog[S.entry.service].filter((e) => e.full !== S.action).map((e) => e.full);
  return S.r.sample(same, n);
}
/** an action pattern that covers the request action (checked locally) */
function matchingAction(S, allowWildcards = true) {
  const vs = actionVariants(S.r, S.action, otherActions(S)).filter((v) => v.matches && (allowWildcards || !/[*?]/.test(v.pattern)));
  const v = S.r.chance(0.5) ? vs[0] : S.r.pick(vs);
  for (const t of v.tags) S.tags.add(t);
  return v.pattern;
}
function nonMatchingAction(S) {
  const vs = actionVariants(S.r, S.action, otherActions(S)).filter((v) => !v.matches);
  return vs.length ? S.r.pick(vs).pattern : `${S.entry.service}:NoSuchAction`;
}
function matchingResource(S, { broad = true } = {}) {
  if (S.arn === '*') return '*';
  const vs = resourceVariants(S.r, S.arn).filter((v) => MATCH_KINDS.has(v.kind) && (broad || v.kind !== 'star'));
  const v = S.r.chance(0.4) ? vs[0] : S.r.pick(vs);
  for (const t of v.tags) S.tags.add(t);
  return v.pattern;
}
function anyResourceVariant(S, { preferMatch = 0.5, forNot = false } = {}) {
  if (S.arn === '*') return { pattern: '*', kind: 'star', tags: [] };
  const vs = resourceVariants(S.r, S.arn).filter((v) => !(forNot && v.kind.startsWith('truncated')));
  const m = vs.filter((v) => MATCH_KINDS.has(v.kind));
  const n = vs.filter((v) => !MATCH_KINDS.has(v.kind));
  return S.r.chance(preferMatch) || !n.length ? S.r.pick(m) : S.r.pick(n);
}
const one = (r, list) => (list.length === 1 && r.chance(0.6) ? list[0] : list);

/** unrelated statements: other actions / resources; they must not change the outcome much but add realism */
function noiseStatement(S) {
  const r = S.r;
  const svc = r.pick(SERVICES);
  const e = r.pick(catalog[svc]);
  if (e.full === S.action) return null;
  let res = '*';
  if (!e.wildcardOnly && r.chance(0.7)) {
    const W2 = { region: S.W.region, names: {}, team: S.W.team };
    const a = fillArnPattern(r, r.pick(e.rtypes).arn, W2, r.pick([HOME, S.resourceAccount]), svc);
    if (a) res = r.chance(0.5) ? a : resourceVariants(r, a).filter((v) => MATCH_KINDS.has(v.kind) && v.kind !== 'star').map((v) => v.pattern)[0] ?? a;
  }
  const effect = r.chance(0.8) ? 'Allow' : 'Deny';
  const act = r.chance(0.7) ? e.full : `${svc}:${e.name.slice(0, 3)}*`;
  if (actionPatternMatches(act, S.action)) return null;
  return stmt(effect, act, res);
}

function splitIntoPolicies(S, statements) {
  const r = S.r;
  const sts = r.shuffle(statements.filter(Boolean));
  if (!sts.length) return [];
  const k = Math.min(sts.length, r.weighted([[6, 1], [3, 2], [1, 3]]));
  const out = Array.from({ length: k }, () => []);
  sts.forEach((s, i) => out[i < k ? i : r.int(k)].push(s));
  return out.map((list) => P(...list));
}

/**
 * Identity policies around a probe statement. For an Allow probe the probe is the only grant; for a Deny
 * probe a broad grant is added so that the probe decides between Allowed and ExplicitlyDenied.
 */
function identityAround(S, want, probe, { noise = true } = {}) {
  const r = S.r;
  const statements = [];
  const denyProbe = want === 'ExplicitlyDenied' || (want === 'Allowed' && r.chance(0.45));
  const make = (effect) => {
    const extra = {};
    let action = probe.action ?? matchingAction(S);
    let resource = probe.resource ?? matchingResource(S);
    if (probe.notAction) extra.notAction = true;
    if (probe.notResource) extra.notResource = true;
    return stmt(effect, action, resource, probe.condition, extra);
  };
  if (denyProbe) {
    statements.push(stmt('Allow', matchingAction(S), matchingResource(S)));
    statements.push(make('Deny'));
    S.tags.add('explicit-deny-overrides-allow');
  } else {
    statements.push(make('Allow'));
    if (r.chance(0.15)) statements.push(stmt('Deny', nonMatchingAction(S), '*'));
  }
  if (noise) for (let i = r.weighted([[4, 0], [4, 1], [2, 2]]); i > 0; i--) statements.push(noiseStatement(S));
  return splitIntoPolicies(S, statements);
}

function conditionBlock(S, kinds, n = 1) {
  const cond = {};
  let added = 0;
  for (let tries = 0; added < n && tries < 8; tries++) {
    const kind = S.r.pick(kinds);
    const c = GENERATORS[kind](S.r, S, {});
    if (c && addToCondition(cond, c)) { added++; for (const t of c.tags) S.tags.add(t); }
  }
  return cond;
}

// ---------------------------------------------------------------- families

const FAMILIES = {};

FAMILIES.action = {
  weight: 8,
  async make(r, want) {
    const S = await scenario(r, { wildcardOnly: r.chance(0.1) ? undefined : false });
    const vs = actionVariants(r, S.action, otherActions(S));
    const n = r.weighted([[5, 1], [3, 2], [2, 3]]);
    const picked = r.sample(vs, n);
    for (const v of picked) for (const t of v.tags) S.tags.add(t);
    const probe = { action: one(r, picked.map((v) => v.pattern)), resource: matchingResource(S) };
    if (r.chance(0.25)) { probe.notAction = true; S.tags.add('NotAction'); }
    S.identity = identityAround(S, want, probe);
    return S;
  },
};

FAMILIES.resource = {
  weight: 9,
  async make(r, want) {
    const S = await scenario(r, { wildcardOnly: false });
    const n = r.weighted([[5, 1], [3, 2], [2, 3]]);
    const notResource = r.chance(0.25);
    const picked = Array.from({ length: n }, () => anyResourceVariant(S, { preferMatch: 0.45, forNot: notResource }));
    for (const v of picked) for (const t of v.tags) S.tags.add(t);
    const probe = { action: matchingAction(S), resource: one(r, [...new Set(picked.map((v) => v.pattern))]) };
    if (notResource) probe.notResource = true;
    S.identity = identityAround(S, want, probe);
    return S;
  },
};

function condFamily(kinds, weight, opts = {}) {
  return {
    weight,
    async make(r, want) {
      const S = await scenario(r, { wildcardOnly: r.chance(0.12) ? true : false, services: opts.services });
      const cond = conditionBlock(S, kinds, 1);
      if (!Object.keys(cond).length) return null;
      if (r.chance(0.25)) { // AND with a second condition of any type
        const c2 = GENERATORS[r.pick(['string', 'bool', 'ip', 'date', 'numeric', 'null'])](r, S, {});
        if (c2 && addToCondition(cond, c2)) for (const t of c2.tags) S.tags.add(t);
      }
      S.identity = identityAround(S, want, { condition: cond });
      if (r.chance(0.12)) { // same condition in a boundary instead / as well
        S.boundary = P(stmt('Allow', r.chance(0.5) ? '*' : `${S.entry.service}:*`, '*', r.chance(0.5) ? cond : undefined));
      }
      return S;
    },
  };
}
FAMILIES['cond-string'] = condFamily(['string'], 9);
FAMILIES['cond-numeric'] = condFamily(['numeric'], 5);
FAMILIES['cond-date'] = condFamily(['date'], 6);
FAMILIES['cond-bool'] = condFamily(['bool'], 3);
FAMILIES['cond-ip'] = condFamily(['ip'], 5);
FAMILIES['cond-arn'] = condFamily(['arn'], 5);
FAMILIES['cond-null'] = condFamily(['null'], 4);
FAMILIES['cond-binary'] = condFamily(['binary'], 1);

FAMILIES['set-operators'] = {
  weight: 9,
  async make(r, want) {
    const S = await scenario(r, { wildcardOnly: false, services: r.chance(0.5) ? ['sagemaker', 'dynamodb', 'lambda', 'kms', 's3'] : undefined });
    const cond = {};
    const c = genSet(r, S, { allowEmpty: r.chance(0.3) });
    if (!c || !addToCondition(cond, c)) return null;
    for (const t of c.tags) S.tags.add(t);
    if (r.chance(0.3)) { // classic pair: ForAllValues (subset) AND ForAnyValue (at least one) on the same key
      const other = c.op.startsWith('ForAllValues') ? 'ForAnyValue' : 'ForAllValues';
      const spec = SET_KEYS.find((s) => s.key === c.key);
      const vals = r.sample(spec.pool, r.range(1, 3));
      addToCondition(cond, { op: `${other}:${r.pick(['StringEquals', 'StringLike'])}`, key: c.key, value: vals });
      S.tags.add('set-operator-pair');
    } else if (r.chance(0.3)) {
      const c2 = genString(r, S, {});
      if (c2 && addToCondition(cond, c2)) for (const t of c2.tags) S.tags.add(t);
    }
    S.identity = identityAround(S, want, { condition: cond });
    return S;
  },
};

// policy variables in resources and condition values, defaults and escapes
const VAR_RESOURCE_SERVICES = ['s3', 's3', 'dynamodb', 'logs', 'iam', 'lambda', 'ecr'];
FAMILIES['policy-variables'] = {
  weight: 9,
  async make(r, want) {
    const kind = r.pick(['resource', 'resource', 'condition', 'condition', 'escape', 'default']);
    const services = kind === 'escape' ? ['s3'] : kind === 'condition' ? undefined : VAR_RESOURCE_SERVICES;
    const S = await scenario(r, { wildcardOnly: false, services, kind: r.chance(0.5) ? 'user' : 'role',
      rtype: kind === 'escape' ? 'object' : undefined });
    const p = S.principal;
    const vars = [];
    if (p.userName) vars.push({ v: '${aws:username}', value: p.userName, ctxKey: 'aws:username' });
    for (const [k, val] of Object.entries(p.tags)) vars.push({ v: `\${aws:PrincipalTag/${k}}`, value: val, ctxKey: `aws:PrincipalTag/${k}` });
    const probe = {};
    if (kind !== 'condition') {
      if (S.arn === '*') return null;
      const a = parseArn(S.arn);
      const prefix = joinPrefix(a);
      if (kind === 'escape') {
        // an object key containing a literal * ? or $, matched with ${*} ${?} ${$}
        if (!a.s3 || !a.id.includes('/')) return null;
        const ch = r.pick(['*', '?', '$']);
        const esc = { '*': '${*}', '?': '${?}', '$': '${$}' }[ch];
        const slash = a.id.indexOf('/');
        const pos = slash + 1 + r.int(a.id.length - slash - 1);
        const before = a.id.slice(0, pos), after = a.id.slice(pos);
        const actual = r.weighted([[6, ch], [2, r.pick(['x', 'X', '**', ''])], [1, ch + ch]]);
        S.arn = prefix + before + actual + after;
        const tail = r.weighted([[4, after], [2, '*'], [1, after.slice(0, 2) + '*'], [1, after.slice(1)]]);
        probe.resource = prefix + before + esc + tail;
        if (r.chance(0.2)) probe.resource = prefix + before + ch + tail; // the unescaped wildcard for contrast
      } else {
        if (!vars.length) return null;
        const chosen = r.pick(vars);
        // the resource name carries the variable's value (or a near miss) at one position
        const seg = r.weighted([[7, chosen.value], [1, mutateOne(r, chosen.value)], [1, flipCaseOne(r, chosen.value) ?? chosen.value + 'x'], [1, r.pick(TEAMS)]]);
        if (seg !== chosen.value && seg.toLowerCase() === chosen.value.toLowerCase()) S.tags.add('case-sensitivity');
        let varText = chosen.v;
        if (kind === 'default') {
          const dflt = r.pick(['shared', seg, 'default']);
          varText = chosen.v.replace('}', `, '${dflt}'}`);
          if (r.chance(0.6)) delete S.ctx[chosen.ctxKey];
        } else if (r.chance(0.08)) delete S.ctx[chosen.ctxKey];
        let actualId, templId;
        if (a.s3) {
          const [bucket, ...rest] = a.id.split('/');
          actualId = [bucket, seg, ...rest].join('/');
          templId = r.chance(0.5) ? [bucket, varText, ...rest].join('/') : `${bucket}/${varText}/*`;
        } else if (r.chance(0.5)) {
          actualId = seg; templId = varText;
        } else {
          actualId = `${seg}-${a.id}`; templId = r.chance(0.5) ? `${varText}-${a.id}` : `${varText}-*`;
        }
        S.arn = prefix + actualId;
        probe.resource = prefix + templId;
        if (r.chance(0.2)) probe.resource = [probe.resource, anyResourceVariant(S, { preferMatch: 0.2 }).pattern];
      }
      if (r.chance(0.15)) probe.notResource = true;
    } else {
      if (!vars.length) return null;
      const cond = {};
      const chosen = r.pick(vars);
      const opts = [
        () => ({ op: r.pick(['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'StringNotEquals']), key: 'aws:ResourceTag/team', ctx: r.pick([...TEAMS, chosen.value]), value: chosen.v }),
        () => ({ op: r.pick(['StringEquals', 'StringLike', 'StringNotEqualsIgnoreCase']), key: 'aws:RequestTag/owner', ctx: r.pick([chosen.value, chosen.value, 'someone-else', chosen.value.toUpperCase()]), value: chosen.v }),
        () => ({ op: 'StringLike', key: 's3:prefix', ctx: r.pick([`home/${chosen.value}/`, `home/${chosen.value}/docs/`, 'home/', `team/${chosen.value}`]), value: r.pick([`home/${chosen.v}/*`, `home/${chosen.v}/`, `*${chosen.v}*`]) }),
        () => ({ op: r.pick(['ArnLike', 'ArnEquals', 'ArnNotLike']), key: 'aws:SourceArn', ctx: `arn:aws:lambda:${S.W.region}:${HOME}:function:${r.pick([chosen.value, 'other'])}-handler`, value: `arn:aws:lambda:*:${HOME}:function:${chosen.v}-*` }),
        () => ({ op: r.pick(['StringEquals', 'StringLike', 'StringNotLike']), key: 'aws:RequestTag/project', ctx: r.pick([`${chosen.value}-prod`, `${chosen.value}-dev`, 'other-prod']), value: r.pick([`${chosen.v}-prod`, `${chosen.v}-*`]) }),
        () => ({ op: r.pick(['StringEquals', 'StringLike']), key: 'aws:userid', ctx: undefined, value: r.pick([`AROA*:${chosen.v}`, `*:${chosen.v}`, `${chosen.v}`]) }),
        () => { // escapes in condition values: ${*} ${?} ${$} stand for the literal characters
          const ch = r.pick(['*', '?', '$']);
          const esc = { '*': '${*}', '?': '${?}', '$': '${$}' }[ch];
          const base = r.pick(['release', 'price', 'build']);
          const val = r.pick([`${base}${esc}${chosen.v}`, `${base}${esc}*`, `${base}${esc}${chosen.v}*`, `${chosen.v}${esc}`]);
          const ctx = r.weighted([[5, `${base}${ch}${chosen.value}`], [2, `${base}x${chosen.value}`], [1, `${base}${ch}`], [1, `${chosen.value}${ch}`], [1, `${base}${ch}${ch}${chosen.value}`]]);
          return { op: r.pick(['StringEquals', 'StringLike', 'StringLike', 'StringNotLike']), key: 'aws:RequestTag/label', ctx, value: val };
        },
      ];
      const c = r.pick(opts)();
      if (!S.applicable(c.key)) return null;
      if (c.ctx !== undefined) S.ctx[c.key] = c.ctx;
      if (r.chance(0.25)) {
        c.value = c.value.replace(/\$\{([^}]*)\}/, (m, inner) => `\${${inner}, '${r.pick(['shared', chosen.value, 'none'])}'}`);
        if (r.chance(0.6)) delete S.ctx[chosen.ctxKey];
      } else if (!/Not/.test(c.op) && r.chance(0.08)) {
        delete S.ctx[chosen.ctxKey]; // unresolved variable with a positive operator
      }
      cond[c.op] = { [c.key]: c.value };
      probe.condition = cond;
    }
    S.identity = identityAround(S, want, probe);
    return S;
  },
};
function joinPrefix(a) { return `arn:${a.partition}:${a.service}:${a.region}:${a.account}:${a.product}`; }

// several identity policies with overlapping allows and denies
FAMILIES['multi-policy'] = {
  weight: 6,
  async make(r, want) {
    const S = await scenario(r, { wildcardOnly: r.chance(0.1) ? undefined : false });
    const statements = [];
    const nAllow = r.weighted([[2, 0], [5, 1], [3, 2]]);
    for (let i = 0; i < nAllow; i++) {
      statements.push(stmt('Allow', r.chance(0.8) ? matchingAction(S) : nonMatchingAction(S),
        r.chance(0.75) ? matchingResource(S) : anyResourceVariant(S).pattern, r.chance(0.3) ? conditionBlock(S, ['string', 'bool', 'ip', 'date', 'numeric'], 1) : undefined));
    }
    const nDeny = want === 'ExplicitlyDenied' ? r.range(1, 2) : r.weighted([[5, 0], [4, 1], [1, 2]]);
    for (let i = 0; i < nDeny; i++) {
      const style = r.pick(['plain', 'cond', 'notaction', 'notresource', 'mfa']);
      if (style === 'notaction') {
        statements.push(stmt('Deny', one(r, r.sample(['iam:*', 'sts:*', 'organizations:*', `${S.entry.service}:Get*`, `${S.entry.service}:List*`, 'kms:Decrypt'], r.range(1, 3))), '*',
          r.chance(0.5) ? conditionBlock(S, ['string', 'bool'], 1) : undefined, { notAction: true }));
      } else if (style === 'notresource') {
        statements.push(stmt('Deny', matchingAction(S), one(r, [anyResourceVariant(S, { preferMatch: 0.5, forNot: true }).pattern]), undefined, { notResource: true }));
      } else if (style === 'mfa') {
        statements.push(stmt('Deny', r.chance(0.5) ? '*' : ['iam:*', 'sts:*', `${S.entry.service}:*`], '*',
          { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } }, { notAction: r.chance(0.4) }));
        if (r.chance(0.5)) S.ctx['aws:MultiFactorAuthPresent'] = r.pick(['true', 'false']); else if (r.chance(0.5)) delete S.ctx['aws:MultiFactorAuthPresent'];
      } else {
        statements.push(stmt('Deny', r.chance(0.7) ? matchingAction(S) : nonMatchingAction(S), r.chance(0.7) ? matchingResource(S) : anyResourceVariant(S).pattern,
          style === 'cond' ? conditionBlock(S, ['string', 'bool', 'ip', 'date', 'numeric', 'null', 'arn'], 1) : undefined));
      }
    }
    for (let i = r.range(0, 2); i > 0; i--) statements.push(noiseStatement(S));
    const nonNull = statements.filter(Boolean);
    S.identity = splitIntoPolicies(S, nonNull);
    if (S.identity.length < 2 && nonNull.length > 1) S.identity = [P(...nonNull.slice(0, 1)), P(...nonNull.slice(1))];
    return S;
  },
};

// permissions boundaries, including the documented same-account resource-policy interplay
FAMILIES.boundary = {
  weight: 7,
  async make(r, want) {
    const withRp = r.chance(0.3);
    const S = await scenario(r, withRp ? { services: ['s3', 'lambda', 'dynamodb'], wildcardOnly: false } : { wildcardOnly: r.chance(0.1) ? undefined : false });
    const svc = S.entry.service;
    const identityAllows = r.chance(0.75);
    const id = [];
    if (identityAllows) id.push(stmt('Allow', matchingAction(S), matchingResource(S), r.chance(0.2) ? conditionBlock(S, ['string', 'bool'], 1) : undefined));
    else id.push(stmt('Allow', nonMatchingAction(S), '*'));
    if (r.chance(0.15)) id.push(stmt('Deny', r.chance(0.5) ? matchingAction(S) : nonMatchingAction(S), '*', conditionBlock(S, ['string', 'ip', 'bool'], 1)));
    for (let i = r.range(0, 1); i > 0; i--) id.push(noiseStatement(S));
    S.identity = splitIntoPolicies(S, id);
    const style = r.pick(['service-allow', 'action-allow', 'allow-all-minus', 'conditional', 'no-match', 'deny-in-boundary']);
    let b;
    if (style === 'service-allow') b = P(stmt('Allow', one(r, r.sample([`${svc}:*`, ...SERVICES.filter((s) => s !== svc).map((s) => `${s}:*`)], r.range(1, 3))), '*'));
    else if (style === 'action-allow') b = P(stmt('Allow', matchingAction(S), matchingResource(S)));
    else if (style === 'allow-all-minus') b = P(stmt('Allow', '*', '*'), stmt('Deny', one(r, r.sample(['iam:*', 'organizations:*', `${svc}:Delete*`, `${svc}:Put*`, 'kms:ScheduleKeyDeletion'], r.range(1, 3))), '*'));
    else if (style === 'conditional') b = P(stmt('Allow', r.chance(0.5) ? '*' : `${svc}:*`, '*', conditionBlock(S, ['string', 'bool', 'ip', 'date'], 1)));
    else if (style === 'no-match') b = P(stmt('Allow', nonMatchingAction(S), '*'));
    else b = P(stmt('Allow', '*', '*'), stmt('Deny', matchingAction(S), matchingResource(S), r.chance(0.5) ? conditionBlock(S, ['string', 'bool', 'numeric'], 1) : undefined));
    if (r.chance(0.2)) b.Statement.push(stmt('Allow', `${svc}:*`, [anyResourceVariant(S, { forNot: true }).pattern], undefined, { notResource: true }));
    S.boundary = b;
    S.tags.add(`boundary:${style}`);
    if (withRp && S.arn !== '*') {
      // same-account resource policy granting to the exact caller ARN bypasses an implicit boundary deny;
      // granting to the role ARN (for a role session) does not
      const p = S.principal;
      const who = r.pick(p.kind === 'user' ? ['user-arn', 'account', 'other'] : ['session-arn', 'role-arn', 'account', 'other']);
      const principalValue = { 'user-arn': p.arn, 'session-arn': p.arn, 'role-arn': p.roleArn, account: r.chance(0.5) ? p.account : `arn:aws:iam::${p.account}:root`,
        other: `arn:aws:iam::${p.account}:user/someone-else` }[who];
      S.rp = P(stmt('Allow', matchingAction(S), rpResource(S), undefined, { principal: { AWS: principalValue } }));
      S.tags.add(`boundary-rp-grant:${who}`);
    }
    return S;
  },
};

function rpResource(S) {
  const svc = S.entry.service;
  if (svc === 'kms') return '*';
  if (svc === 'ecr' || svc === 'sts') return undefined;
  if (svc === 's3' && parseArn(S.arn).s3) {
    const bucket = parseArn(S.arn).id.split('/')[0];
    return S.r.pick([S.arn.includes('/') ? `arn:aws:s3:::${bucket}/*` : `arn:aws:s3:::${bucket}`, [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`], matchingResource(S, { broad: false })]);
  }
  return S.r.chance(0.7) ? S.arn : matchingResource(S, { broad: false });
}

// service control policies over several OU levels (an Allow is needed at every level)
FAMILIES.scp = {
  weight: 7,
  async make(r, want) {
    const S = await scenario(r, { wildcardOnly: r.chance(0.12) ? undefined : false, principalAccount: r.chance(0.8) ? HOME : THIRD });
    const svc = S.entry.service;
    S.identity = splitIntoPolicies(S, [stmt('Allow', r.chance(0.85) ? matchingAction(S) : nonMatchingAction(S), matchingResource(S)), r.chance(0.4) ? noiseStatement(S) : null]);
    const levels = r.weighted([[2, 1], [4, 2], [3, 3], [1, 4]]);
    const full = () => P(stmt('Allow', '*', '*', undefined, { sid: 'FullAWSAccess' }));
    const templates = {
      full,
      allowServices: () => P(stmt('Allow', one(r, r.sample([`${svc}:*`, ...r.sample(SERVICES.filter((s) => s !== svc).map((s) => `${s}:*`), 4)], r.range(1, 4))), '*')),
      allowActions: () => P(stmt('Allow', one(r, [r.chance(0.6) ? matchingAction(S) : nonMatchingAction(S), ...otherActions(S, r.range(0, 2))]), '*')),
      denyRegions: () => P(stmt('Deny', ['iam:*', 'sts:*', 'organizations:*', 'support:*', 'cloudfront:*'], '*',
        { StringNotEquals: { 'aws:RequestedRegion': r.sample(REGIONS, r.range(1, 2)) } }, { notAction: true, sid: 'DenyOutsideApprovedRegions' })),
      denyUnlessAdmin: () => P(stmt('Deny', one(r, [r.chance(0.6) ? matchingAction(S) : nonMatchingAction(S), `${svc}:Delete*`]), '*',
        { [r.pick(['ArnNotLike', 'ArnNotEquals', 'StringNotLike'])]: { 'aws:PrincipalArn': r.pick([`arn:aws:iam::*:role/platform-admin`, `arn:aws:iam::${HOME}:role/*admin*`, `arn:aws:iam::*:role/ci-*`]) } })),
      denyResource: () => P(stmt('Deny', `${svc}:*`, one(r, [anyResourceVariant(S).pattern]))),
      conditionalAllow: () => P(stmt('Allow', '*', '*', conditionBlock(S, ['string', 'bool', 'ip'], 1))),
      denyNotResource: () => P(full().Statement[0], stmt('Deny', matchingAction(S), [anyResourceVariant(S, { forNot: true }).pattern], undefined, { notResource: true })),
      denyTagged: () => P(full().Statement[0], stmt('Deny', '*', '*', { StringEquals: { 'aws:PrincipalTag/team': r.pick(TEAMS) } })),
    };
    const names = Object.keys(templates);
    S.scps = [];
    for (let l = 0; l < levels; l++) {
      const level = [];
      const n = r.weighted([[7, 1], [3, 2]]);
      for (let i = 0; i < n; i++) {
        const t = l === 0 && i === 0 && r.chance(0.7) ? 'full' : r.pick(names);
        level.push(templates[t]());
        S.tags.add(`scp:${t}`);
      }
      S.scps.push(level);
    }
    S.tags.add(`scp-levels:${levels}`);
    return S;
  },
};

// resource-based policies: same account vs cross account, every principal form, KMS key policy trust
FAMILIES['resource-policy'] = {
  weight: 10,
  async make(r, want) {
    const cross = r.chance(0.5);
    const svc = r.pick(RP_SERVICES);
    const filter = svc === 'sts' ? (e) => ['AssumeRole', 'TagSession', 'SetSourceIdentity'].includes(e.name)
      : svc === 'kms' ? (e) => e.rtypes.some((t) => t.key === 'key') : undefined;
    const principalAccount = cross ? r.pick([HOME, PARTNER]) : HOME;
    const resourceAccount = cross ? (principalAccount === HOME ? PARTNER : HOME) : HOME;
    const S = await scenario(r, { services: [svc], wildcardOnly: false, filter, principalAccount, resourceAccount, rtype: svc === 'kms' ? 'key' : svc === 'sts' ? 'role' : undefined, service: true });
    if (S.arn === '*') return null;
    const p = S.principal;
    const forms = p.kind === 'user'
      ? ['user-arn', 'account-id', 'root-arn', 'star', 'aws-star', 'other-account', 'other-user', 'service', 'mixed']
      : ['session-arn', 'role-arn', 'account-id', 'root-arn', 'star', 'aws-star', 'other-account', 'other-role', 'service', 'mixed'];
    const form = r.pick(forms);
    const otherAcct = r.pick([THIRD, p.account === HOME ? PARTNER : HOME].filter((a) => a !== p.account));
    const pv = {
      'user-arn': () => ({ AWS: p.arn }), 'session-arn': () => ({ AWS: p.arn }), 'role-arn': () => ({ AWS: p.roleArn }),
      'account-id': () => ({ AWS: p.account }), 'root-arn': () => ({ AWS: `arn:aws:iam::${p.account}:root` }),
      star: () => '*', 'aws-star': () => ({ AWS: '*' }),
      'other-account': () => ({ AWS: r.chance(0.5) ? otherAcct : `arn:aws:iam::${otherAcct}:root` }),
      'other-user': () => ({ AWS: `arn:aws:iam::${p.account}:user/${r.pick(USERS.filter((u) => u.name !== p.userName)).name}` }),
      'other-role': () => ({ AWS: `arn:aws:iam::${p.account}:role/${r.pick(ROLES.filter((x) => x.toLowerCase() !== p.roleName.toLowerCase()))}` }),
      service: () => ({ Service: r.pick(['lambda.amazonaws.com', 'sagemaker.amazonaws.com', 'logs.amazonaws.com']) }),
      mixed: () => ({ AWS: r.shuffle([p.kind === 'user' ? p.arn : p.roleArn, `arn:aws:iam::${otherAcct}:root`, otherAcct]).slice(0, r.range(2, 3)),
        ...(r.chance(0.4) ? { Service: 'events.amazonaws.com' } : {}) }),
    }[form]();
    S.tags.add(`rp-principal:${form}`);
    const statements = [];
    let grantCond = r.chance(0.35) ? conditionBlock(S, ['string', 'bool', 'ip'], 1) : undefined;
    if (r.chance(0.3)) {
      grantCond = grantCond ?? {};
      if (addToCondition(grantCond, { op: 'StringEquals', key: 'aws:PrincipalOrgID', value: r.pick([ORG, PARTNER_ORG]) })) S.tags.add('rp-org-condition');
    }
    if (svc === 'sts' && r.chance(0.3)) {
      grantCond = grantCond ?? {};
      if (addToCondition(grantCond, { op: 'StringEquals', key: 'sts:ExternalId', value: 'acme-partner-7781' })) {
        S.ctx['sts:ExternalId'] = r.pick(['acme-partner-7781', 'acme-partner-7781', 'Acme-Partner-7781', 'wrong']);
        if (r.chance(0.2)) delete S.ctx['sts:ExternalId'];
        S.tags.add('sts-external-id');
      }
    }
    const rpAction = svc === 'sts' ? S.action : (r.chance(0.8) ? matchingAction(S) : nonMatchingAction(S));
    if (svc === 'kms') {
      // key policy: the "Enable IAM policies" root statement is what lets identity policies work
      if (r.chance(0.65)) { statements.push(stmt('Allow', 'kms:*', '*', undefined, { sid: 'EnableIAMUserPermissions', principal: { AWS: `arn:aws:iam::${S.resourceAccount}:root` } })); S.tags.add('kms-key-policy-trust'); }
      statements.push(stmt('Allow', rpAction, '*', grantCond, { principal: pv }));
    } else {
      statements.push(stmt('Allow', rpAction, rpResource(S), grantCond, { principal: pv }));
    }
    if (want === 'ExplicitlyDenied' || r.chance(0.3)) {
      const denyStyle = r.pick(['tls', 'org', 'vpce', 'action']);
      if (denyStyle === 'tls') statements.push(stmt('Deny', svc === 'sts' ? 'sts:*' : `${svc}:*`, rpResource(S), { Bool: { 'aws:SecureTransport': 'false' } }, { principal: '*', sid: 'DenyInsecureTransport' }));
      else if (denyStyle === 'org') statements.push(stmt('Deny', `${svc}:*`, rpResource(S), { StringNotEquals: { 'aws:PrincipalOrgID': ORG } }, { principal: { AWS: '*' } }));
      else if (denyStyle === 'vpce') statements.push(stmt('Deny', matchingAction(S), rpResource(S), { StringNotEqualsIfExists: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } }, { principal: '*' }));
      else statements.push(stmt('Deny', matchingAction(S), rpResource(S), undefined, { principal: { AWS: r.chance(0.5) ? p.identityArn : `arn:aws:iam::${otherAcct}:root` } }));
      S.tags.add(`rp-deny:${denyStyle}`);
    }
    S.rp = P(...statements);
    // identity side
    const idAllow = cross ? r.chance(0.7) : r.chance(0.5);
    const id = [];
    if (idAllow) id.push(stmt('Allow', matchingAction(S), r.chance(0.6) ? matchingResource(S) : '*'));
    if (r.chance(0.2)) id.push(stmt('Deny', matchingAction(S), matchingResource(S), conditionBlock(S, ['string', 'bool'], 1)));
    if (r.chance(0.4)) id.push(noiseStatement(S));
    S.identity = splitIntoPolicies(S, id);
    return S;
  },
};

// Deny with NotPrincipal in a resource policy: either the full caller chain is listed (account root +
// user, or account root + role + session) or none of it is; with a boundary it denies regardless.
FAMILIES['not-principal'] = {
  weight: 3,
  async make(r, want) {
    const cross = r.chance(0.3);
    const svc = r.pick(['s3', 's3', 'kms', 'lambda', 'dynamodb']);
    const principalAccount = cross ? PARTNER : HOME;
    const S = await scenario(r, { services: [svc], wildcardOnly: false, principalAccount, resourceAccount: HOME,
      filter: svc === 'kms' ? (e) => e.rtypes.some((t) => t.key === 'key') : undefined, rtype: svc === 'kms' ? 'key' : undefined });
    if (S.arn === '*') return null;
    const p = S.principal;
    const covered = r.chance(want === 'ExplicitlyDenied' ? 0.3 : 0.6);
    let list;
    if (covered) {
      list = p.kind === 'user' ? [`arn:aws:iam::${p.account}:root`, p.arn] : [`arn:aws:iam::${p.account}:root`, p.roleArn, p.arn];
      if (r.chance(0.4)) list.push(`arn:aws:iam::${THIRD}:root`);
      S.tags.add('not-principal-caller-listed');
    } else {
      list = r.sample([`arn:aws:iam::${THIRD}:root`, `arn:aws:iam::${THIRD}:role/auditor`, `arn:aws:iam::${cross ? HOME : PARTNER}:user/bob`,
        `arn:aws:iam::${cross ? HOME : PARTNER}:root`], r.range(1, 3));
      S.tags.add('not-principal-caller-not-listed');
    }
    const statements = [];
    const grantP = r.pick([{ AWS: p.account }, { AWS: `arn:aws:iam::${p.account}:root` }, { AWS: p.arn }, '*']);
    statements.push(stmt('Allow', matchingAction(S), rpResource(S), undefined, { principal: grantP }));
    if (svc === 'kms') statements.unshift(stmt('Allow', 'kms:*', '*', undefined, { principal: { AWS: `arn:aws:iam::${HOME}:root` } }));
    statements.push(stmt('Deny', r.chance(0.7) ? matchingAction(S) : `${svc}:*`, rpResource(S) ?? undefined,
      r.chance(0.25) ? conditionBlock(S, ['bool', 'string'], 1) : undefined, { notPrincipal: { AWS: r.shuffle(list) } }));
    S.rp = P(...statements);
    S.identity = splitIntoPolicies(S, [r.chance(0.8) ? stmt('Allow', matchingAction(S), '*') : null, r.chance(0.3) ? noiseStatement(S) : null]);
    if (r.chance(0.25)) { S.boundary = P(stmt('Allow', '*', '*')); S.tags.add('not-principal-with-boundary'); }
    return S;
  },
};

// actions without resource-level permissions (request resource "*")
FAMILIES['wildcard-only'] = {
  weight: 4,
  async make(r, want) {
    const S = await scenario(r, { wildcardOnly: true });
    if (S.action === 'sts:GetCallerIdentity') S.tags.add('sts-getcalleridentity-always-allowed');
    const cond = r.chance(0.5) ? conditionBlock(S, ['string', 'bool', 'ip', 'date', 'numeric'], 1) : undefined;
    const probe = { action: r.chance(0.3) ? one(r, r.sample(actionVariants(r, S.action, otherActions(S)).map((v) => v.pattern), r.range(1, 2))) : undefined,
      resource: '*', condition: cond };
    if (r.chance(0.2)) { probe.notAction = true; probe.action = one(r, [nonMatchingAction(S), ...(r.chance(0.3) ? [matchingAction(S)] : [])]); }
    S.identity = identityAround(S, want, probe);
    if (r.chance(0.2)) S.scps = [[P(stmt('Allow', '*', '*'))], [P(stmt('Allow', r.chance(0.6) ? `${S.entry.service}:*` : nonMatchingAction(S), '*'))]];
    return S;
  },
};

// requests made by an AWS service principal (not an IAM ARN): only a resource policy can grant them;
// no SCP or boundary is attached (SCPs do not apply to service principals).
FAMILIES['service-principal'] = {
  weight: 1.5,
  async make(r, want) {
    const svc = r.pick(['s3', 'kms', 'lambda']);
    const actions = { s3: ['PutObject', 'GetObject', 'GetBucketLocation', 'ListBucket'], kms: ['Decrypt', 'GenerateDataKey', 'Encrypt', 'DescribeKey'],
      lambda: ['InvokeFunction'] }[svc];
    const S = await scenario(r, { services: [svc], wildcardOnly: false, filter: (e) => actions.includes(e.name),
      rtype: svc === 'kms' ? 'key' : undefined });
    if (S.arn === '*') return null;
    const service = r.pick(['logs.amazonaws.com', 'cloudtrail.amazonaws.com', 'events.amazonaws.com', 'delivery.logs.amazonaws.com']);
    S.principal = { kind: 'service', arn: service, account: undefined };
    const srcAcct = r.pick([HOME, HOME, PARTNER]);
    S.ctx = { 'aws:PrincipalServiceName': service, 'aws:PrincipalIsAWSService': 'true', 'aws:SourceAccount': srcAcct,
      'aws:SourceArn': `arn:aws:cloudtrail:us-east-1:${srcAcct}:trail/org-trail`, 'aws:SecureTransport': 'true', 'aws:CurrentTime': isoSeconds(S.W.time) };
    if (r.chance(0.3)) delete S.ctx['aws:SourceArn'];
    const grantService = r.chance(0.7) ? service : r.pick(['lambda.amazonaws.com', 'sns.amazonaws.com']);
    const cond = {};
    if (r.chance(0.6)) cond.StringEquals = { 'aws:SourceAccount': r.chance(0.7) ? HOME : PARTNER };
    if (r.chance(0.4)) cond.ArnLike = { 'aws:SourceArn': r.pick([`arn:aws:cloudtrail:*:${HOME}:trail/*`, `arn:aws:cloudtrail:us-east-1:${HOME}:trail/org-trail`]) };
    const statements = [stmt('Allow', matchingAction(S), rpResource(S), cond, { principal: { Service: grantService } })];
    if (svc === 'kms') statements.unshift(stmt('Allow', 'kms:*', '*', undefined, { principal: { AWS: `arn:aws:iam::${HOME}:root` } }));
    if (want === 'ExplicitlyDenied' || r.chance(0.2)) statements.push(stmt('Deny', matchingAction(S), rpResource(S), { StringNotEquals: { 'aws:SourceAccount': HOME } }, { principal: '*' }));
    S.rp = P(...statements);
    S.identity = [];
    S.tags.add('service-principal-request');
    return S;
  },
};

// random mixture of everything above
FAMILIES.combo = {
  weight: 6,
  async make(r, want) {
    const cross = r.chance(0.2);
    const S = await scenario(r, { wildcardOnly: r.chance(0.1) ? undefined : false, principalAccount: HOME, resourceAccount: cross ? PARTNER : HOME });
    const statements = [];
    for (let i = r.range(1, 4); i > 0; i--) {
      const effect = r.chance(0.7) ? 'Allow' : 'Deny';
      const av = actionVariants(r, S.action, otherActions(S));
      const act = one(r, r.sample(av, r.range(1, 2)).map((v) => v.pattern));
      const notResource = r.chance(0.1);
      const res = one(r, Array.from({ length: r.range(1, 2) }, () => anyResourceVariant(S, { preferMatch: 0.6, forNot: notResource }).pattern));
      const cond = r.chance(0.5) ? conditionBlock(S, ['string', 'numeric', 'date', 'bool', 'ip', 'arn', 'null', 'set'], r.range(1, 2)) : undefined;
      statements.push(stmt(effect, act, res, cond, { notAction: r.chance(0.1), notResource }));
    }
    S.identity = splitIntoPolicies(S, statements);
    if (r.chance(0.25)) S.boundary = P(stmt('Allow', r.chance(0.5) ? '*' : [`${S.entry.service}:*`], '*'), ...(r.chance(0.3) ? [stmt('Deny', matchingAction(S), '*', conditionBlock(S, ['string', 'bool'], 1))] : []));
    if (r.chance(0.25)) S.scps = [[P(stmt('Allow', '*', '*'))], [P(stmt('Allow', r.chance(0.7) ? `${S.entry.service}:*` : '*', '*'), ...(r.chance(0.4) ? [stmt('Deny', matchingAction(S), '*', conditionBlock(S, ['string', 'ip'], 1))] : []))]];
    if (RP_SERVICES.includes(S.entry.service) && S.entry.service !== 'sts' && S.arn !== '*' && (cross || r.chance(0.3) || S.entry.service === 'kms')) {
      const p = S.principal;
      const grant = r.pick([{ AWS: p.account }, { AWS: p.arn }, { AWS: `arn:aws:iam::${p.account}:root` }, '*', { AWS: `arn:aws:iam::${THIRD}:root` }]);
      const sts = [stmt('Allow', matchingAction(S), rpResource(S), undefined, { principal: grant })];
      if (S.entry.service === 'kms' && r.chance(0.7)) sts.unshift(stmt('Allow', 'kms:*', '*', undefined, { principal: { AWS: `arn:aws:iam::${S.resourceAccount}:root` } }));
      S.rp = P(...sts);
    }
    return S;
  },
};

// ---------------------------------------------------------------- run

function hasTruncatedNotResource(c) {
  const docs = [...c.identityPolicies, ...(c.permissionsBoundaries || []), ...(c.scps || []).flat(), ...(c.resourcePolicy ? [c.resourcePolicy] : [])];
  for (const d of docs) for (const st of [].concat(d.Statement)) {
    for (const r of [].concat(st.NotResource ?? [])) if (r.startsWith('arn:') && r.split(':').length < 6) return true;
  }
  return false;
}

const typeCache = new Map();
async function typeOf(key) {
  const lk = key.toLowerCase();
  if (!typeCache.has(lk)) {
    let t;
    try { t = await typeForContextKey(lk); } catch { t = undefined; }
    typeCache.set(lk, t);
  }
  return typeCache.get(lk);
}

const familyNames = Object.keys(FAMILIES).filter((f) => !onlyFamilies || onlyFamilies.includes(f));
const totalWeight = familyNames.reduce((s, f) => s + FAMILIES[f].weight, 0);
const quotas = {};
let assigned = 0;
familyNames.forEach((f, i) => {
  quotas[f] = i === familyNames.length - 1 ? count - assigned : Math.round((count * FAMILIES[f].weight) / totalWeight);
  assigned += quotas[f];
});

const seen = new Set();
const out = [];
const DOUBTFUL_SHARE = 0.03;
const stats = { errors: {}, rejectedDoubtful: 0, rejectedFull: 0, rejectedDup: 0, rejectedNull: 0, ignoredKeysDropped: 0, attempts: 0 };

for (const fam of familyNames) {
  const quota = quotas[fam];
  const target = { Allowed: Math.ceil(quota / 3), ExplicitlyDenied: Math.ceil(quota / 3), ImplicitlyDenied: Math.ceil(quota / 3) };
  const got = { Allowed: 0, ExplicitlyDenied: 0, ImplicitlyDenied: 0 };
  const famCases = [];
  // cases carrying a doubtful-semantics tag are kept, tagged, but only up to a small share
  const maxDoubtful = Math.ceil(quota * DOUBTFUL_SHARE);
  let doubtful = 0;
  let attempts = 0;
  const maxBalanced = quota * 25;
  while (famCases.length < quota && attempts < quota * 60) {
    attempts++;
    stats.attempts++;
    const balanced = attempts <= maxBalanced;
    const needed = OUTCOMES.filter((o) => got[o] < target[o]);
    const want = needed.length ? rng.pick(needed) : rng.pick(OUTCOMES);
    const S = await FAMILIES[fam].make(rng, want);
    if (!S) { stats.rejectedNull++; continue; }
    const c = finalize(S);
    if (hasTruncatedNotResource(c)) { stats.rejectedNull++; continue; }
    // the context exactly as evaluated: keys iam-simulate ignores are removed, value shapes normalized
    const sim0 = caseToSimulation(c);
    let norm;
    try { norm = await normalizeSimulationParameters(sim0, undefined); } catch (e) { if (process.env.DIFFTEST_DEBUG) console.error(e.message, c.request.action, c.request.resource); stats.errors.normalize = (stats.errors.normalize || 0) + 1; continue; }
    if (norm.ignoredContextKeys.length) stats.ignoredKeysDropped += norm.ignoredContextKeys.length;
    c.request.context = norm.validContextValues;
    const res = await runSimulation(caseToSimulation(c), SIMULATION_OPTIONS);
    const sum = summarize(res, c);
    if (sum.error) { const m = sum.error.message; stats.errors[m] = (stats.errors[m] || 0) + 1; continue; }
    if (sum.ignoredContextKeys.length) throw new Error(`context not normalized: ${sum.ignoredContextKeys}`);
    const key = JSON.stringify([c.identityPolicies, c.permissionsBoundaries, c.scps, c.resourcePolicy, c.request]);
    if (seen.has(key)) { stats.rejectedDup++; continue; }
    const outcome = sum.expected;
    if (balanced && got[outcome] >= target[outcome]) { stats.rejectedFull++; continue; }
    const derived = await deriveTags(c, typeOf);
    const isDoubtful = [...derived].some((t) => DOUBTFUL_TAGS.includes(t));
    if (isDoubtful && doubtful >= maxDoubtful) { stats.rejectedDoubtful++; continue; }
    if (isDoubtful) doubtful++;
    seen.add(key);
    got[outcome]++;
    const tags = [...new Set([...S.tags, ...derived])].sort();
    famCases.push({ id: null, family: fam, tags, ...c, expected: outcome, simulator: sum.simulator });
  }
  famCases.forEach((fc, i) => { fc.id = `diff-${fam}-${String(i + 1).padStart(5, '0')}`; });
  out.push(...famCases);
  stats[fam] = { quota, produced: famCases.length, attempts, ...got };
}

// ---------------------------------------------------------------- output

const ordered = out.map((c) => {
  const o = { id: c.id, family: c.family, tags: c.tags, identityPolicies: c.identityPolicies };
  if (c.permissionsBoundaries) o.permissionsBoundaries = c.permissionsBoundaries;
  if (c.scps) o.scps = c.scps;
  if (c.resourcePolicy) o.resourcePolicy = c.resourcePolicy;
  o.request = c.request;
  o.expected = c.expected;
  o.simulator = c.simulator;
  return o;
});
const text = ordered.map((o) => JSON.stringify(o)).join('\n') + '\n';
if (outFile) writeFileSync(outFile, text); else process.stdout.write(text);

const dist = { Allowed: 0, ExplicitlyDenied: 0, ImplicitlyDenied: 0 };
const tagCounts = {};
for (const o of ordered) { dist[o.expected]++; for (const t of o.tags) tagCounts[t] = (tagCounts[t] || 0) + 1; }
const log = (...a) => console.error(...a);
log(`iam-simulate 0.1.173 differential cases: seed ${seed}, ${ordered.length} cases, ${(Buffer.byteLength(text) / 1e6).toFixed(2)} MB`);
log(`distribution: ${OUTCOMES.map((o) => `${o} ${dist[o]} (${((100 * dist[o]) / ordered.length).toFixed(1)}%)`).join(', ')}`);
log(`attempts ${stats.attempts}; rejected: outcome-bucket-full ${stats.rejectedFull}, duplicate ${stats.rejectedDup}, doubtful-quota ${stats.rejectedDoubtful}, not-applicable ${stats.rejectedNull}; ` +
  `simulator errors ${JSON.stringify(stats.errors)}; inapplicable context keys removed ${stats.ignoredKeysDropped}`);
log('families:');
for (const f of familyNames) { const s = stats[f]; log(`  ${f.padEnd(18)} ${String(s.produced).padStart(5)}/${s.quota}  A ${s.Allowed}  E ${s.ExplicitlyDenied}  I ${s.ImplicitlyDenied}  (attempts ${s.attempts})`); }
log('tags:');
for (const [t, n] of Object.entries(tagCounts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
  log(`  ${String(n).padStart(5)}  ${t}${DOUBTFUL_TAGS.includes(t) ? '   (doubtful-semantics tag)' : ''}`);
}
