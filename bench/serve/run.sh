#!/usr/bin/env bash
# Issue 4's endpoint benchmark: signed IAM Query API requests per second against `iamforge serve`
# (policies enforced) and against moto's server, same load generator, same mix (80% reads, 20%
# writes), same threads; prints both figures and the ratio (targets: >= 5,000 req/s, >= 50x moto).
# Usage: bench/serve/run.sh BUILD_DIR [THREADS] [SECONDS]
set -euo pipefail
build=$(realpath "${1:-build/release}"); threads=${2:-4}; secs=${3:-10}
bin=$build/src/cli/iamforge; load=$build/src/serve/iamforge-serve-load
tmp=$(mktemp -d); pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (echo >/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }
rate() { grep -Eo '[0-9][0-9,.]* req/s' "$1" | head -1 | tr -d ', req/s'; }

port=$(free_port)
"$bin" serve --listen "127.0.0.1:$port" --data "$tmp/data" --admin-key-file "$tmp/admin.json" >"$tmp/serve.log" 2>&1 & pids+=($!)
wait_port "$port"
for _ in $(seq 50); do [ -s "$tmp/admin.json" ] && break; sleep 0.1; done
key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["AccessKey"]["AccessKeyId"])' "$tmp/admin.json")
secret=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["AccessKey"]["SecretAccessKey"])' "$tmp/admin.json")
echo "== iamforge serve (SigV4 verified, policies enforced), $threads threads, $secs s"
"$load" --endpoint "http://127.0.0.1:$port" --key "$key" --secret "$secret" --threads "$threads" --seconds "$secs" | tee "$tmp/ours"

if command -v moto_server >/dev/null; then
  mport=$(free_port)
  moto_server -H 127.0.0.1 -p "$mport" >"$tmp/moto.log" 2>&1 & pids+=($!)
  wait_port "$mport"
  echo "== moto_server (no signature check, no enforcement), $threads threads, $secs s"
  "$load" --endpoint "http://127.0.0.1:$mport" --key testing --secret testing --threads "$threads" --seconds "$secs" | tee "$tmp/moto"
  python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'ratio: iamforge serve {a:,.0f} req/s / moto {b:,.0f} req/s = {a/b:.1f}x (target 50x; 2 cores shared by server and load generator)')" \
    "$(rate "$tmp/ours")" "$(rate "$tmp/moto")"
else
  echo "moto_server not installed: no ratio"
fi
