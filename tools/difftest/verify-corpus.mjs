#!/usr/bin/env node
// Re-runs the pinned iam-simulate on cases of a corpus file with the mapping in lib/mapping.mjs and
// reports how many `expected` decisions (and `simulator` summaries) it reproduces.
//
//   node verify-corpus.mjs [FILE] [--limit N]      default FILE: /work/shared/corpus/eval-visible.jsonl,
//                                                  default limit 300 (0 = all)
// Exit status 0 when every `expected` is reproduced, 1 otherwise.
import { readFileSync } from 'node:fs';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { simulateCase } from './lib/mapping.mjs';

const args = process.argv.slice(2);
let file = '/work/shared/corpus/eval-visible.jsonl';
let limit = 300;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--limit') limit = Number(args[++i]);
  else file = args[i];
}

const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
const cases = (limit > 0 ? lines.slice(0, limit) : lines).map((l) => JSON.parse(l));
let same = 0, simSame = 0, ignored = 0;
const mismatches = [];
for (const c of cases) {
  const r = await simulateCase(runSimulation, c);
  if (r.error) { mismatches.push({ id: c.id, error: r.error.message }); continue; }
  if (r.expected === c.expected) same++;
  else mismatches.push({ id: c.id, expected: c.expected, got: r.expected });
  if (JSON.stringify(r.simulator) === JSON.stringify(c.simulator)) simSame++;
  else if (r.expected === c.expected) mismatches.push({ id: c.id, simulatorDiff: { want: c.simulator, got: r.simulator } });
  if (r.ignoredContextKeys.length) ignored++;
}
for (const m of mismatches.slice(0, 20)) console.error(JSON.stringify(m));
console.log(JSON.stringify({ file, cases: cases.length, expectedAgree: same, simulatorAgree: simSame, casesWithIgnoredContextKeys: ignored }));
process.exit(same === cases.length ? 0 : 1);
