#!/usr/bin/env node
// Peer throughput figure: runs @cloud-copilot/iam-simulate (the pinned test tool in tools/difftest,
// AGPL, used only as a separate program) on every case of a .jsonl file, with the same case->input
// mapping as the differential generator, and prints one JSON line:
//   {"peer":"iam-simulate 0.1.173","cases":N,"seconds":S,"decisions_per_second":R}
//
//   node bench/peer/iam_simulate_batch.mjs CASES.jsonl [--warmup] [--repeat K]
//
// Needs `npm ci` in tools/difftest first. Reading/parsing the .jsonl file is not timed; the timed pass
// evaluates every case sequentially (runSimulation validates and loads the policies and evaluates; each
// async call is awaited). By default there is no warm-up, so a whole-process timing of this script
// (bench/run.sh) counts one pass, like a one-shot CLI run; --warmup adds an untimed pass first
// (iam-simulate reads its iam-data JSON lazily on first use) for the steady-state figure.
// Agreement with the cases' `expected` goes to stderr.
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const difftest = resolve(here, '..', '..', 'tools', 'difftest');
if (!existsSync(join(difftest, 'node_modules', '@cloud-copilot', 'iam-simulate'))) {
  console.error(`iam_simulate_batch: run 'npm ci' in ${difftest} first`);
  process.exit(2);
}
const require = createRequire(join(difftest, 'package.json'));
const { runSimulation } = require('@cloud-copilot/iam-simulate');
const simPkg = JSON.parse(readFileSync(join(difftest, 'node_modules', '@cloud-copilot', 'iam-simulate', 'package.json'), 'utf8'));
const { caseToSimulation, SIMULATION_OPTIONS } = await import(pathToFileURL(join(difftest, 'lib', 'mapping.mjs')).href);

const args = process.argv.slice(2);
let file = null, warmup = false, repeat = 1;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--warmup') warmup = true;
  else if (args[i] === '--no-warmup') warmup = false;
  else if (args[i] === '--repeat') repeat = Math.max(1, Number(args[++i]));
  else file = args[i];
}
if (!file) { console.error('usage: iam_simulate_batch.mjs CASES.jsonl [--warmup] [--repeat K]'); process.exit(2); }

const cases = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const inputs = cases.map((c) => caseToSimulation(c));

if (warmup) for (const sim of inputs) await runSimulation(sim, SIMULATION_OPTIONS);

let agree = 0, errors = 0;
const t0 = process.hrtime.bigint();
for (let k = 0; k < repeat; k++) {
  for (let i = 0; i < inputs.length; i++) {
    const res = await runSimulation(inputs[i], SIMULATION_OPTIONS);
    if (k === 0) {
      if (res.resultType === 'error') errors++;
      else if (res.overallResult === cases[i].expected) agree++;
    }
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const n = inputs.length * repeat;
console.error(`iam_simulate_batch: ${agree}/${cases.length} decisions equal the cases' expected` + (errors ? `, ${errors} simulator errors` : ''));
console.log(JSON.stringify({
  peer: `iam-simulate ${simPkg.version}`,
  cases: n,
  seconds: Number(seconds.toFixed(3)),
  decisions_per_second: Math.round(n / seconds),
}));
