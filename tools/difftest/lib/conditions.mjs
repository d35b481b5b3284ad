// Condition generators: each returns {op, key, value, tags} for one condition entry and sets (or
// removes) the matching key in the scenario's request context S.ctx. Values are chosen near the
// context value (equal, case-flipped, one character off, wildcard forms, ...) so that matches and
// near-misses are both common; iam-simulate decides the outcome.
import {
  HOME, PARTNER, THIRD, ORG, PARTNER_ORG, REGIONS, TEAMS, PROJECTS, USERS, ORG_PATHS,
  flipCaseOne, mutateOne, resourceVariants, isoSeconds,
} from './world.mjs';

export const STRING_OPS = ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'];
export const NUMERIC_OPS = ['NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals'];
export const DATE_OPS = ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'];
export const ARN_OPS = ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'];
export const IP_OPS = ['IpAddress', 'NotIpAddress'];

export const STRING_KEYS = [
  { key: 'aws:PrincipalTag/team', pool: TEAMS, principal: true },
  { key: 'aws:PrincipalTag/project', pool: PROJECTS, principal: true },
  { key: 'aws:RequestedRegion', pool: REGIONS, env: true },
  { key: 'aws:username', pool: USERS.map((u) => u.name), principal: true },
  { key: 'aws:PrincipalType', pool: ['User', 'AssumedRole'], principal: true },
  { key: 'aws:userid', pool: ['AIDAEXAMPLEUSERID0001', 'AROAEXAMPLEROLEID0001:alice'], principal: true },
  { key: 'aws:SourceVpce', pool: ['vpce-1a2b3c4d', 'vpce-9f8e7d6c', 'vpce-0f0e0d0c'] },
  { key: 'aws:SourceVpc', pool: ['vpc-0a1b2c3d', 'vpc-11112222'] },
  { key: 'aws:PrincipalOrgID', pool: [ORG, PARTNER_ORG], principal: true },
  { key: 'aws:RequestTag/env', pool: ['dev', 'prod', 'staging', 'Prod'] },
  { key: 'aws:ResourceTag/team', pool: TEAMS },
  { key: 'aws:SourceAccount', pool: [HOME, PARTNER, THIRD] },
  { key: 'aws:CalledViaFirst', pool: ['cloudformation.amazonaws.com', 'athena.amazonaws.com'] },
  { key: 's3:x-amz-acl', pool: ['private', 'public-read', 'bucket-owner-full-control', 'authenticated-read'] },
  { key: 's3:prefix', pool: ['home/alice/', 'nlp/raw/', 'shared/', 'cv/'] },
  { key: 's3:x-amz-server-side-encryption', pool: ['aws:kms', 'AES256', 'aws:kms:dsse'] },
  { key: 'ec2:InstanceType', pool: ['t3.micro', 'm5.large', 'p4d.24xlarge', 'g5.xlarge'] },
  { key: 'ec2:ResourceTag/team', pool: TEAMS },
  { key: 'iam:PassedToService', pool: ['sagemaker.amazonaws.com', 'ec2.amazonaws.com', 'lambda.amazonaws.com'] },
  { key: 'kms:ViaService', pool: ['s3.us-east-1.amazonaws.com', 'sagemaker.us-east-1.amazonaws.com', 'dynamodb.eu-west-1.amazonaws.com'] },
  { key: 'kms:EncryptionAlgorithm', pool: ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_256'] },
  { key: 'kms:CallerAccount', pool: [HOME, PARTNER] },
  { key: 'sts:ExternalId', pool: ['acme-partner-7781', 'Acme-Partner-7781', 'legacy-0001'] },
  { key: 'sts:RoleSessionName', pool: ['alice', 'ci-run-4711', 'Alice'] },
  { key: 'dynamodb:Select', pool: ['ALL_ATTRIBUTES', 'SPECIFIC_ATTRIBUTES', 'COUNT'] },
  { key: 'dynamodb:ReturnValues', pool: ['NONE', 'ALL_OLD', 'UPDATED_NEW'] },
  { key: 'lambda:Principal', pool: ['s3.amazonaws.com', 'events.amazonaws.com', PARTNER] },
  { key: 'sagemaker:ResourceTag/team', pool: TEAMS },
];

export const NUMERIC_KEYS = [
  { key: 'aws:MultiFactorAuthAge', gen: (r) => String(r.range(0, 7200)), env: true },
  { key: 's3:max-keys', gen: (r) => String(r.range(1, 1000)) },
  { key: 's3:TlsVersion', gen: (r) => r.pick(['1.2', '1.3', '1.1']), decimal: true },
  { key: 's3:signatureAge', gen: (r) => String(r.range(1000, 600000)) },
  { key: 'sagemaker:MaxRuntimeInSeconds', gen: (r) => String(r.pick([3600, 86400, 432000, r.range(60, 500000)])) },
  { key: 'sts:DurationSeconds', gen: (r) => String(r.pick([900, 3600, 43200])) },
  { key: 'kms:ScheduleKeyDeletionPendingWindowInDays', gen: (r) => String(r.range(7, 30)) },
  { key: 'ec2:VolumeSize', gen: (r) => String(r.pick([8, 100, 500, 2000])) },
  { key: 'ec2:VolumeIops', gen: (r) => String(r.pick([3000, 16000])) },
];

export const DATE_KEYS = [
  { key: 'aws:CurrentTime', form: 'iso' },
  { key: 'aws:EpochTime', form: 'epoch' },
  { key: 'aws:TokenIssueTime', form: 'iso', rolesOnly: true },
];

export const BOOL_KEYS = ['aws:SecureTransport', 'aws:MultiFactorAuthPresent', 'aws:ViaAWSService', 'aws:PrincipalIsAWSService',
  'sagemaker:NetworkIsolation', 'sagemaker:InterContainerTrafficEncryption', 'ec2:Encrypted', 'kms:MultiRegion'];

export const ARN_KEYS = [
  { key: 'aws:PrincipalArn', principal: true },
  { key: 'aws:SourceArn', pool: (S) => ['arn:aws:s3:::acme-logs-archive', `arn:aws:sns:${S.W.region}:${HOME}:alerts`,
    `arn:aws:lambda:${S.W.region}:${HOME}:function:ingest-handler`, `arn:aws:cloudtrail:us-east-1:${HOME}:trail/org-trail`,
    `arn:aws:events:${S.W.region}:${PARTNER}:rule/nightly-export`] },
  { key: 'iam:PolicyARN', pool: () => ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/AdministratorAccess',
    `arn:aws:iam::${HOME}:policy/team-nlp-boundary`, `arn:aws:iam::${HOME}:policy/boundaries/ml-standard`] },
  { key: 'iam:PermissionsBoundary', pool: () => [`arn:aws:iam::${HOME}:policy/team-nlp-boundary`,
    `arn:aws:iam::${HOME}:policy/boundaries/ml-standard`, `arn:aws:iam::${PARTNER}:policy/team-nlp-boundary`] },
  { key: 's3:x-amz-server-side-encryption-aws-kms-key-id', pool: (S) => [`arn:aws:kms:${S.W.region}:${HOME}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
    `arn:aws:kms:${S.W.region}:${HOME}:alias/ml-data-key`] },
];

export const SET_KEYS = [
  { key: 'aws:TagKeys', pool: ['team', 'env', 'project', 'cost-center', 'owner', 'Name'], like: ['team', 'cost-*', '*', 'proj*', 'e?v'] },
  { key: 'aws:PrincipalOrgPaths', pool: Object.values(ORG_PATHS), like: [`${ORG}/r-ab12/*`, `${ORG}/r-ab12/ou-ab12-11111111/*`, `${ORG}/*`, `${PARTNER_ORG}/*`] },
  { key: 'aws:CalledVia', pool: ['cloudformation.amazonaws.com', 'athena.amazonaws.com', 'dynamodb.amazonaws.com', 'kms.amazonaws.com'], like: ['*.amazonaws.com', 'athena.*', 'cloud*'] },
  { key: 'aws:PrincipalServiceNamesList', pool: ['ec2.amazonaws.com', 'lambda.amazonaws.com', 'sagemaker.amazonaws.com'], like: ['*.amazonaws.com', 'lambda.*'] },
  { key: 'sagemaker:InstanceTypes', pool: ['ml.m5.xlarge', 'ml.c5.2xlarge', 'ml.g5.12xlarge', 'ml.p4d.24xlarge', 'ml.t3.medium'], like: ['ml.m5.*', 'ml.p4*', 'ml.g?.*', 'ml.*', 'ml.c5.?xlarge'] },
  { key: 'sagemaker:VpcSubnets', pool: ['subnet-0aaa1111', 'subnet-0bbb2222', 'subnet-0ccc3333'], like: ['subnet-0aaa*', 'subnet-*'] },
  { key: 'dynamodb:LeadingKeys', pool: ['alice', 'bob', 'tenant-7', 'user#42'], like: ['tenant-*', 'user#*'] },
  { key: 'dynamodb:Attributes', pool: ['id', 'email', 'ssn', 'createdAt', 'status'], like: ['*At', 's*'] },
  { key: 's3:RequestObjectTagKeys', pool: ['classification', 'owner', 'retention'], like: ['class*', '*'] },
  { key: 'lambda:SubnetIds', pool: ['subnet-0aaa1111', 'subnet-0bbb2222', 'subnet-0ddd4444'], like: ['subnet-0aaa*'] },
  { key: 'lambda:SecurityGroupIds', pool: ['sg-0a1b2c3d', 'sg-0e0e0e0e'], like: ['sg-0a*'] },
  { key: 'kms:GrantOperations', pool: ['Decrypt', 'Encrypt', 'GenerateDataKey', 'RetireGrant', 'CreateGrant'], like: ['Generate*', '*crypt'] },
];

const ctxHas = (S, key) => Object.prototype.hasOwnProperty.call(S.ctx, key);

/** pick a key spec whose key the action/resource accepts (iam-simulate drops inapplicable keys) */
export function pickKey(rng, S, specs, filter = () => true) {
  const ok = specs.filter((s) => filter(s) && S.applicable(s.key) && !(s.rolesOnly && S.principal.kind !== 'role'));
  const svcSpecific = ok.filter((s) => !s.key.startsWith('aws:'));
  if (svcSpecific.length && rng.chance(0.5)) return rng.pick(svcSpecific);
  return ok.length ? rng.pick(ok) : undefined;
}

function setPresence(rng, S, key, value, pMissing) {
  if (rng.chance(pMissing)) { delete S.ctx[key]; return false; }
  S.ctx[key] = value;
  return true;
}

function maybeKeyCase(rng, key, tags) {
  if (!rng.chance(0.08)) return key;
  tags.push('case-sensitivity', 'key-name-case');
  const [p, rest] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':'))];
  // change the case of the prefix / fixed part only, never of a tag-key suffix
  const slash = rest.indexOf('/');
  const fixed = slash >= 0 ? rest.slice(0, slash) : rest;
  const suffix = slash >= 0 ? rest.slice(slash) : '';
  return (rng.chance(0.5) ? p.toUpperCase() : p) + (rng.chance(0.5) ? fixed.toLowerCase() : fixed.toUpperCase()) + suffix;
}

function valuesOut(rng, vals) {
  const uniq = [...new Set(vals)];
  return uniq.length === 1 && rng.chance(0.6) ? uniq[0] : uniq;
}

// ---------------------------------------------------------------- strings

export function stringCandidates(rng, v, pool, op) {
  const like = op.includes('Like');
  const cands = [v, v, flipCaseOne(rng, v) ?? v, mutateOne(rng, v), v.toUpperCase(), rng.pick(pool), rng.pick(pool)];
  if (v.length > 2) {
    const k = 1 + rng.int(v.length - 1);
    cands.push(v.slice(0, k) + '*', '*' + v.slice(k), v.slice(0, k - 1) + '?' + v.slice(k));
    if (like) cands.push(v.slice(0, k) + '*', '*' + v.slice(k), v + '?', v.slice(0, k) + '*' + v.slice(k + 1), '*');
  }
  return cands.filter((x) => x !== undefined && x !== '');
}

export function genString(rng, S, opts = {}) {
  const spec = opts.spec ?? pickKey(rng, S, STRING_KEYS);
  if (!spec) return undefined;
  const tags = [];
  const op = opts.op ?? rng.pick(STRING_OPS);
  const ifExists = opts.ifExists ?? rng.chance(0.2);
  const key = spec.key;
  let v;
  if (spec.principal || spec.env) {
    if (ctxHas(S, key) && rng.chance(ifExists ? 0.4 : 0.2)) delete S.ctx[key];
    v = S.ctx[key];
    if (v === undefined && !spec.principal && rng.chance(0.6)) v = S.ctx[key] = rng.pick(spec.pool);
  } else {
    setPresence(rng, S, key, rng.pick(spec.pool), ifExists ? 0.4 : 0.2);
    v = S.ctx[key];
  }
  if (v === undefined) tags.push('missing-key');
  const base = typeof v === 'string' ? v : rng.pick(spec.pool);
  const cands = stringCandidates(rng, base, spec.pool, op);
  const n = rng.weighted([[6, 1], [3, 2], [1, 3]]);
  const vals = [rng.pick(cands.slice(0, 4)), ...Array.from({ length: n - 1 }, () => rng.pick(cands))];
  if (vals.some((x) => x !== base && x.toLowerCase() === base.toLowerCase())) tags.push('case-sensitivity');
  if (!op.includes('Like') && vals.some((x) => /[*?]/.test(x))) tags.push('literal-wildcard-in-equals');
  return { op: op + (ifExists ? 'IfExists' : ''), key: maybeKeyCase(rng, key, tags), value: valuesOut(rng, vals), tags };
}

// ---------------------------------------------------------------- numbers

export function genNumeric(rng, S, opts = {}) {
  const spec = opts.spec ?? pickKey(rng, S, NUMERIC_KEYS);
  if (!spec) return undefined;
  const tags = [];
  const op = opts.op ?? rng.pick(NUMERIC_OPS);
  const ifExists = opts.ifExists ?? rng.chance(0.2);
  let v = spec.env ? S.ctx[spec.key] : undefined;
  if (v === undefined || rng.chance(0.3)) v = spec.gen(rng);
  setPresence(rng, S, spec.key, v, ifExists ? 0.4 : 0.15);
  if (!ctxHas(S, spec.key)) tags.push('missing-key');
  const x = Number(v);
  let cands;
  if (spec.decimal) {
    cands = [v, v, '1.2', '1.3', '1.25', '1.20', '1', '1.0'];
    tags.push('numeric-decimal');
  } else {
    const d = Math.max(1, Math.round(x * 0.1));
    cands = [v, v, String(x - 1), String(x + 1), String(x - d), String(x + d), String(x + 0.5), String(Math.max(0, x - 0.5))];
    if (rng.chance(0.15)) { cands.push(`${x}.0`, `${x}.00`); }
  }
  const vals = [rng.pick(cands)];
  if (rng.chance(0.2)) vals.push(rng.pick(cands));
  if (vals.some((s) => s.includes('.'))) tags.push('numeric-decimal');
  return { op: op + (ifExists ? 'IfExists' : ''), key: spec.key, value: valuesOut(rng, vals), tags };
}

// ---------------------------------------------------------------- dates

function isoVariants(rng, ms) {
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  const Y = d.getUTCFullYear(), M = pad(d.getUTCMonth() + 1), D = pad(d.getUTCDate());
  const h = d.getUTCHours(), m = d.getUTCMinutes(), s = d.getUTCSeconds();
  const off = rng.pick([2, 5, -5, -8, 9]);
  const local = new Date(ms + off * 3600000);
  const sign = off >= 0 ? '+' : '-';
  const lo = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${sign}${pad(Math.abs(off))}:00`;
  return [
    { v: isoSeconds(ms), tags: [] },
    { v: `${Y}-${M}-${D}T${pad(h)}:${pad(m)}:${pad(s)}.000Z`, tags: ['date-fractional-seconds'] },
    { v: lo, tags: ['date-offset'] },
    ...(s === 0 ? [{ v: `${Y}-${M}-${D}T${pad(h)}:${pad(m)}Z`, tags: ['date-minute-precision'] }] : []),
  ];
}

export function genDate(rng, S, opts = {}) {
  const spec = opts.spec ?? pickKey(rng, S, DATE_KEYS);
  if (!spec) return undefined;
  const tags = [];
  const op = opts.op ?? rng.pick(DATE_OPS);
  const ifExists = opts.ifExists ?? rng.chance(0.15);
  const t = spec.key === 'aws:TokenIssueTime' ? S.W.time - rng.range(60, 36 * 3600) * 1000 : S.W.time;
  const ctxVal = spec.form === 'epoch' ? String(t / 1000) : isoSeconds(t);
  // keep CurrentTime and EpochTime consistent with each other
  if (spec.key === 'aws:CurrentTime' || spec.key === 'aws:EpochTime') {
    const present = !rng.chance(ifExists ? 0.35 : 0.12);
    if (present) S.ctx[spec.key] = ctxVal; else delete S.ctx[spec.key];
  } else setPresence(rng, S, spec.key, ctxVal, ifExists ? 0.35 : 0.15);
  if (!ctxHas(S, spec.key)) tags.push('missing-key');
  const offsets = [0, 0, 1, -1, 59, -59, 3600, -3600, 86400, -86400, 30 * 86400, -30 * 86400];
  const vals = [];
  const n = rng.chance(0.2) ? 2 : 1;
  for (let i = 0; i < n; i++) {
    const target = t + rng.pick(offsets) * 1000;
    if (spec.form === 'epoch') vals.push(String(Math.floor(target / 1000)));
    else if (rng.chance(0.15)) {
      const dd = new Date(target);
      vals.push(`${dd.getUTCFullYear()}-${String(dd.getUTCMonth() + 1).padStart(2, '0')}-${String(dd.getUTCDate()).padStart(2, '0')}`);
      tags.push('date-only-format');
    } else {
      const iv = rng.pick(isoVariants(rng, target));
      vals.push(iv.v); tags.push(...iv.tags);
    }
  }
  tags.push(spec.form === 'epoch' ? 'date-epoch' : 'date-iso');
  return { op: op + (ifExists ? 'IfExists' : ''), key: spec.key, value: valuesOut(rng, vals), tags };
}

// ---------------------------------------------------------------- booleans

export function genBool(rng, S, opts = {}) {
  const keys = BOOL_KEYS.filter((k) => S.applicable(k));
  const key = opts.key ?? rng.pick(keys);
  const tags = [];
  const ifExists = opts.ifExists ?? rng.chance(0.3);
  if (!ctxHas(S, key) || rng.chance(0.5)) setPresence(rng, S, key, rng.pick(['true', 'false']), ifExists ? 0.4 : 0.2);
  else if (rng.chance(0.2)) delete S.ctx[key];
  if (!ctxHas(S, key)) tags.push('missing-key');
  const value = rng.chance(0.1) ? ['true', 'false'].slice(0, rng.range(1, 2)) : rng.pick(['true', 'false']);
  return { op: 'Bool' + (ifExists ? 'IfExists' : ''), key: maybeKeyCase(rng, key, tags), value, tags };
}

// ---------------------------------------------------------------- IP addresses

function ipv4Cidrs(rng, ip) {
  const o = ip.split('.').map(Number);
  const net = (bits) => {
    const n = ((o[0] << 24) >>> 0) + (o[1] << 16) + (o[2] << 8) + o[3];
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    const x = (n & mask) >>> 0;
    return `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}/${bits}`;
  };
  const other = `${o[0]}.${o[1]}.${(o[2] + 1) % 256}.0/24`;
  return [ip, `${ip}/32`, net(24), net(16), net(8), net(28), net(20), net(30), other,
    '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/25', '203.0.113.128/25', '10.0.0.0/8', '172.16.0.0/12'];
}
function ipv6Cidrs(rng, ip) {
  const g = ip.split('::')[0].split(':');
  const out = ['2001:db8::/32', '2600:1f18::/32', `${g[0]}:${g[1]}:${g[2]}::/48`, `${g[0]}:${g[1]}:${g[2]}:${g[3] ?? '0'}::/64`,
    `${g[0]}:${g[1]}:${(parseInt(g[2], 16) ^ 1).toString(16)}::/48`, `${ip}/128`, ip, '2001:db8:ffff::/48', 'fd00::/8'];
  return out;
}

export function genIp(rng, S, opts = {}) {
  const key = 'aws:SourceIp';
  const tags = [];
  const op = opts.op ?? rng.pick(IP_OPS);
  const ifExists = opts.ifExists ?? rng.chance(0.15);
  const ip = S.ctx[key] ?? S.randomIp();
  setPresence(rng, S, key, ip, ifExists ? 0.35 : 0.12);
  if (!ctxHas(S, key)) tags.push('missing-key');
  const v6 = ip.includes(':');
  const cands = v6 ? [...ipv6Cidrs(rng, ip), ...ipv4Cidrs(rng, '203.0.113.7').slice(2, 4)]
    : [...ipv4Cidrs(rng, ip), '2001:db8::/32'];
  const n = rng.weighted([[5, 1], [3, 2], [2, 3]]);
  const vals = Array.from({ length: n }, () => rng.pick(cands));
  if (vals.some((x) => x.includes(':')) || v6) tags.push('ipv6');
  if (vals.some((x) => x.includes(':')) !== v6 || vals.some((x) => x.includes('.')) === v6) tags.push('ip-family-mix');
  return { op: op + (ifExists ? 'IfExists' : ''), key: maybeKeyCase(rng, key, tags), value: valuesOut(rng, vals), tags };
}

// ---------------------------------------------------------------- ARNs

export function genArn(rng, S, opts = {}) {
  const spec = opts.spec ?? pickKey(rng, S, ARN_KEYS);
  if (!spec) return undefined;
  const tags = [];
  const op = opts.op ?? rng.pick(ARN_OPS);
  const ifExists = opts.ifExists ?? rng.chance(0.15);
  let v;
  if (spec.principal) {
    if (rng.chance(ifExists ? 0.35 : 0.12)) delete S.ctx[spec.key];
    v = S.ctx[spec.key] ?? S.principal.identityArn;
  } else {
    v = rng.pick(spec.pool(S));
    setPresence(rng, S, spec.key, v, ifExists ? 0.35 : 0.15);
  }
  if (!ctxHas(S, spec.key)) tags.push('missing-key');
  // a bare "*" is not an ARN; iam-simulate never matches it in Arn* operators, AWS's handling is undocumented
  const variants = resourceVariants(rng, v).filter((x) => x.pattern !== '*' && !x.kind.startsWith('truncated'));
  if (spec.principal && S.principal.kind === 'role') {
    variants.push({ pattern: `arn:aws:iam::${S.principal.account}:role/*`, tags: [] },
      { pattern: `arn:aws:iam::*:role/${S.principal.roleName}`, tags: ['arn-segment-wildcard'] },
      { pattern: S.principal.arn, tags: ['session-arn-vs-role-arn'] });
  }
  const n = rng.weighted([[6, 1], [3, 2]]);
  const picked = Array.from({ length: n }, () => rng.pick(variants));
  for (const p of picked) tags.push(...p.tags);
  return { op: op + (ifExists ? 'IfExists' : ''), key: spec.key, value: valuesOut(rng, picked.map((p) => p.pattern)), tags };
}

// ---------------------------------------------------------------- Null, Binary

export function genNull(rng, S) {
  const tags = [];
  const pools = [
    ...STRING_KEYS.filter((s) => S.applicable(s.key)).map((s) => s.key),
    'aws:MultiFactorAuthAge', 'aws:TokenIssueTime', 'aws:SourceIp', 'aws:SecureTransport', 'aws:TagKeys', 'aws:SourceVpce',
  ];
  const key = rng.pick(pools.filter((k) => S.applicable(k)));
  const present = rng.chance(0.5);
  if (present && !ctxHas(S, key)) {
    if (key === 'aws:TagKeys') S.ctx[key] = rng.sample(['team', 'env', 'owner'], rng.range(1, 3));
    else if (key === 'aws:MultiFactorAuthAge') S.ctx[key] = String(rng.range(10, 5000));
    else if (key === 'aws:TokenIssueTime') S.ctx[key] = isoSeconds(S.W.time - 3600000);
    else if (key === 'aws:SourceIp') S.ctx[key] = S.randomIp();
    else if (key === 'aws:SecureTransport') S.ctx[key] = 'true';
    else S.ctx[key] = rng.pick(STRING_KEYS.find((s) => s.key === key)?.pool ?? ['x']);
  } else if (!present) delete S.ctx[key];
  if (!ctxHas(S, key)) tags.push('missing-key');
  const value = rng.chance(0.08) ? ['true', 'false'] : rng.pick(['true', 'false']);
  return { op: 'Null', key: maybeKeyCase(rng, key, tags), value, tags };
}

const B64 = ['QmluYXJ5VmFsdWVJbkJhc2U2NA==', 'c2hhMjU2OmFiY2RlZg==', 'AAECAwQFBgcICQ==', 'bWFjaGluZS1sZWFybmluZw=='];
export function genBinary(rng, S) {
  const key = 'aws:RequestTag/checksum';
  const tags = [];
  const ifExists = rng.chance(0.2);
  setPresence(rng, S, key, rng.pick(B64), ifExists ? 0.4 : 0.2);
  if (!ctxHas(S, key)) tags.push('missing-key');
  const base = S.ctx[key] ?? rng.pick(B64);
  const cands = [base, base, flipCaseOne(rng, base) ?? base, rng.pick(B64)];
  const vals = [rng.pick(cands)];
  if (rng.chance(0.25)) vals.push(rng.pick(cands));
  return { op: 'BinaryEquals' + (ifExists ? 'IfExists' : ''), key, value: valuesOut(rng, vals), tags };
}

// ---------------------------------------------------------------- set operators

export function genSet(rng, S, opts = {}) {
  const spec = opts.spec ?? pickKey(rng, S, SET_KEYS);
  if (!spec) return undefined;
  const tags = [];
  const set = opts.set ?? rng.pick(['ForAllValues', 'ForAnyValue']);
  const op = opts.op ?? rng.weighted([[3, 'StringEquals'], [3, 'StringLike'], [2, 'StringNotEquals'], [2, 'StringNotLike'],
    [1, 'StringEqualsIgnoreCase'], [1, 'StringNotEqualsIgnoreCase']]);
  const mode = rng.weighted([[70, 'values'], [20, 'missing'], [opts.allowEmpty === false ? 0 : 8, 'empty']]);
  if (mode === 'missing') { delete S.ctx[spec.key]; tags.push('missing-key'); }
  else if (mode === 'empty') { S.ctx[spec.key] = []; }
  else {
    const n = rng.weighted([[4, 1], [4, 2], [2, 3], [1, 4]]);
    const vals = rng.sample(spec.pool, n).map((x) => (rng.chance(0.1) ? flipCaseOne(rng, x) ?? x : x));
    S.ctx[spec.key] = vals;
    tags.push(n === 1 ? 'set-one-value' : 'set-many-values');
  }
  const cands = op.includes('Like') ? [...spec.pool, ...spec.like, ...spec.like] : [...spec.pool, ...spec.pool.map((x) => x.toUpperCase())];
  const k = rng.weighted([[3, 1], [4, 2], [3, 3], [1, 4]]);
  const vals = [...new Set(Array.from({ length: k }, () => rng.pick(cands)))];
  return { op: `${set}:${op}`, key: spec.key, value: vals.length === 1 && rng.chance(0.4) ? vals[0] : vals, tags };
}

export const GENERATORS = {
  string: genString, numeric: genNumeric, date: genDate, bool: genBool, ip: genIp, arn: genArn, null: genNull,
  binary: genBinary, set: genSet,
};

/** merge generated {op,key,value} entries into a Condition block; a duplicate op+key is skipped */
export function addToCondition(cond, c) {
  if (!c) return false;
  cond[c.op] = cond[c.op] || {};
  const existing = Object.keys(cond[c.op]).find((k) => k.toLowerCase() === c.key.toLowerCase());
  if (existing) return false;
  cond[c.op][c.key] = c.value;
  return true;
}
