#!/usr/bin/env bash
# End-to-end checks of the iamforge CLI: exit codes, formats, bad input. Usage: cli_test.sh IAMFORGE ROOT
set -u
bin=$1; root=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()   { pass=$((pass+1)); }
bad()  { fail=$((fail+1)); echo "FAIL: $*"; }
expect_rc() { local want=$1; shift; "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?; [ "$rc" = "$want" ] && ok || bad "rc $rc != $want: $*"; }

seed=$root/examples/seed/ml-policy.json
expect_rc 0 "$bin" validate "$seed"
grep -q 'policy.resource-mismatch' "$tmp/out" && ok || bad "seed: no resource-mismatch warning"
grep -q 'arn:aws:s3:::ml-datasets-\*`' "$tmp/out" && ok || bad "seed: no bucket ARN suggestion"
expect_rc 1 "$bin" validate --fail-on security-warning "$seed"
expect_rc 0 "$bin" validate --format json "$seed"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["summary"]["security_warnings"]==2 and d["ok"]' "$tmp/out" && ok || bad "json output"

printf '{"Version":"2012-10-17","Statement":[{"Effect":"Alow","Action":"s3:GetObject","Resource":"*"}]}' >"$tmp/typo.json"
expect_rc 1 "$bin" validate "$tmp/typo.json"
grep -q "typo.json:1:48" "$tmp/out" && ok || bad "file:line:col missing"
grep -q "did you mean \`Allow\`" "$tmp/out" && ok || bad "did-you-mean missing"

: >"$tmp/empty.json"
expect_rc 1 "$bin" validate "$tmp/empty.json"
printf '{"a": "\xff"}' >"$tmp/utf8.json"
expect_rc 1 "$bin" validate "$tmp/utf8.json"
python3 -c 'print("["*10000 + "]"*10000)' >"$tmp/deep.json"
expect_rc 1 "$bin" validate "$tmp/deep.json"
grep -q "json.too-deep" "$tmp/out" && ok || bad "deep: no json.too-deep"
expect_rc 1 "$bin" validate "$tmp/does-not-exist.json"
expect_rc 2 "$bin" validate --no-such-flag "$seed"
expect_rc 2 "$bin" frobnicate
expect_rc 2 "$bin" simulate --policy "$seed"

# fmt: canonical and idempotent.
expect_rc 0 "$bin" fmt "$seed"
cp "$tmp/out" "$tmp/canon.json"
expect_rc 0 "$bin" fmt --check "$tmp/canon.json"
expect_rc 1 "$bin" fmt --check "$seed"

# simulate: one request, human and JSON.
expect_rc 0 "$bin" simulate --policy "$seed" --principal arn:aws:iam::111122223333:user/alice \
  --action s3:GetObject --resource arn:aws:s3:::ml-datasets-vision/train/0001.jpg
grep -q '^decision: Allowed' "$tmp/out" && ok || bad "simulate allowed"
expect_rc 0 "$bin" simulate --policy "$seed" --action s3:ListBucket --resource arn:aws:s3:::ml-datasets-vision --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["decision"]=="ImplicitlyDenied", d' "$tmp/out" && ok || bad "simulate json"
expect_rc 0 "$bin" simulate --policy "$seed" --action iam:CreateUser --resource arn:aws:iam::111122223333:user/x \
  --scp "$seed" --context aws:TagKeys=a --context aws:TagKeys=b --context aws:username=alice
grep -q 'ImplicitlyDenied' "$tmp/out" && ok || bad "simulate scp"

# Batch: one line per case in order, bad lines reported and skipped.
{ head -n 3 "$root/tests/data/corpus/eval-visible.jsonl"; echo '{"id":"broken","request":{}}'; echo 'not json';
  sed -n 4p "$root/tests/data/corpus/eval-visible.jsonl"; } >"$tmp/cases.jsonl"
expect_rc 0 "$bin" simulate --cases "$tmp/cases.jsonl"
[ "$(wc -l <"$tmp/out")" = 6 ] && ok || bad "batch: line count"
sed -n 4p "$tmp/out" | grep -q '"id":"broken","error"' && ok || bad "batch: error line"
sed -n 5p "$tmp/out" | grep -q '"id":null,"error"' && ok || bad "batch: JSON error line"
grep -q 'decisions/s' "$tmp/err" && ok || bad "batch: summary"
# Batch from a pipe: each case is answered as it arrives, not when 1 MB or the end has come. The
# writer sends the second case only after it has seen the first answer (else it gives up after 10 s).
python3 - "$bin" "$root/tests/data/corpus/eval-visible.jsonl" <<'PY' && ok || bad "batch: streams a pipe line by line"
import subprocess, sys, select
lines = open(sys.argv[2]).readlines()[:2]
p = subprocess.Popen([sys.argv[1], "simulate", "--cases", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True)
p.stdin.write(lines[0]); p.stdin.flush()
ready, _, _ = select.select([p.stdout], [], [], 10)
assert ready, "no answer to the first case while the input stays open"
assert '"id":"vis-ml-team-00001"' in p.stdout.readline()
p.stdin.write(lines[1]); p.stdin.close()
assert '"id":"vis-ml-team-00002"' in p.stdout.readline()
assert p.wait(timeout=10) == 0
PY
expect_rc 1 "$bin" simulate --cases "$tmp"
grep -q 'error\[io.unreadable\]' "$tmp/err" && ok || bad "batch: unreadable input"
# Any number of worker threads gives the same lines in the
# same order as one thread, over the whole visible corpus (47 blocks).
"$bin" simulate --cases "$root/tests/data/corpus/eval-visible.jsonl" -j 1 >"$tmp/j1" 2>/dev/null
for j in 2 3 5; do
  "$bin" simulate --cases "$root/tests/data/corpus/eval-visible.jsonl" -j "$j" >"$tmp/j$j" 2>/dev/null
  [ "$(wc -l <"$tmp/j1")" = 3000 ] && cmp -s "$tmp/j1" "$tmp/j$j" && ok || bad "batch: -j $j output differs from -j 1"
done

# Threads that take ranges of a file themselves learn a range's first line number only when
# it is written: bad lines deep in the file (several in one range, at lines 201, 205 and 1302)
# are reported with their own line numbers, as with one thread.
{ head -n 200 "$root/tests/data/corpus/eval-visible.jsonl"; echo 'not json'; sed -n 201,203p "$root/tests/data/corpus/eval-visible.jsonl"
  echo '{"id": 1,'; sed -n 204,1299p "$root/tests/data/corpus/eval-visible.jsonl"; echo '[1,2'; } >"$tmp/bad-deep.jsonl"
"$bin" simulate --cases "$tmp/bad-deep.jsonl" -j 1 >"$tmp/deep1" 2>/dev/null
for j in 2 3; do
  "$bin" simulate --cases "$tmp/bad-deep.jsonl" -j "$j" >"$tmp/deep$j" 2>/dev/null
  cmp -s "$tmp/deep1" "$tmp/deep$j" && ok || bad "batch: -j $j reports bad lines otherwise than -j 1"
done
cat "$tmp/bad-deep.jsonl" | "$bin" simulate --cases - -j 2 >"$tmp/deep-piped" 2>/dev/null  # blocks of 64 lines
cmp -s "$tmp/deep1" "$tmp/deep-piped" && ok || bad "batch: a pipe reports bad lines otherwise than the file"
[ "$(grep -c '"error":"line ' "$tmp/deep1")" = 3 ] && grep -q '"error":"line 201: ' "$tmp/deep1" &&
  grep -q '"error":"line 205: ' "$tmp/deep1" && grep -q '"error":"line 1302: ' "$tmp/deep1" && ok ||
  bad "batch: line numbers of bad lines"

# A regular file is read in ranges of 256 KB by each thread (RangeRun), a pipe in blocks: lines that
# start exactly at a range's first byte or just after it, end exactly at its last, span several
# ranges (a 700 KB case), blank lines and a last line without its newline give the same lines
# with any number of threads as through a pipe.
python3 - "$root/tests/data/corpus/eval-visible.jsonl" "$tmp/ranges.jsonl" <<'PY' && ok || bad "batch: building the range-boundary file"
import sys
R = 256 << 10
cases = [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip()]
out, i = bytearray(), 0
def pad(line, extra):  # JSON whitespace after the opening brace
    return line[0] + " " * extra + line[1:]
def add(line):
    out.extend(line.encode() + b"\n")
for target, shift in ((R, 0), (2 * R, 1), (3 * R, -1), (4 * R, 2)):
    while len(out) + len(cases[i]) + len(cases[i + 1]) + 2 <= target + shift:
        add(cases[i]); i += 1
    line = cases[i]; i += 1
    add(pad(line, target + shift - len(out) - len(line) - 1))  # the next line starts at target + shift
    assert len(out) == target + shift, (len(out), target + shift)
add(""); add("   ")
add(pad(cases[i], 700 << 10)); i += 1
for _ in range(40):
    add(cases[i]); i += 1
out.extend(cases[i].encode())  # no newline at the end
open(sys.argv[2], "wb").write(out)
PY
"$bin" simulate --cases "$tmp/ranges.jsonl" -j 1 >"$tmp/r1" 2>/dev/null
cat "$tmp/ranges.jsonl" | "$bin" simulate --cases - -j 1 >"$tmp/rpipe" 2>/dev/null
[ "$(grep -c '"decision"' "$tmp/r1")" = "$(grep -c '^ *{' "$tmp/ranges.jsonl")" ] && ! grep -q '"error"' "$tmp/r1" &&
  cmp -s "$tmp/r1" "$tmp/rpipe" && ok || bad "batch: a file read in ranges gives other lines than a pipe"
for j in 2 3; do
  "$bin" simulate --cases "$tmp/ranges.jsonl" -j "$j" >"$tmp/r$j" 2>/dev/null
  cmp -s "$tmp/r1" "$tmp/r$j" && ok || bad "batch: ranges with -j $j differ from -j 1"
done

# A file is read, a pipe is read: the same lines either way, the last line without its newline
# included; through a pipe the blocks stay full while more input is waiting (F_SETPIPE_SZ, poll).
corpus="$root/tests/data/corpus/eval-visible.jsonl"
cat "$corpus" | "$bin" simulate --cases - >"$tmp/piped" 2>/dev/null
cmp -s "$tmp/j1" "$tmp/piped" && ok || bad "batch: a pipe gives other lines than the file"
{ head -n 2 "$corpus"; sed -n 3p "$corpus" | tr -d '\n'; } >"$tmp/no-newline.jsonl"
expect_rc 0 "$bin" simulate --cases "$tmp/no-newline.jsonl"
[ "$(wc -l <"$tmp/out")" = 3 ] && head -n 3 "$tmp/j1" | cmp -s - "$tmp/out" && ok || bad "batch: last line without newline"
# Constant memory: each thread reads range after range into the same buffer, and at most 4 x jobs
# decided ranges wait to be written, so six copies of the corpus (88 MB) take about as much memory
# as one. Peak RSS of each in its own process; ASan's quarantine, which would grow with the
# number of cases, is kept small (the option is ignored by other builds).
for i in 1 2 3 4 5 6; do cat "$corpus"; done >"$tmp/six.jsonl"
python3 - "$bin" "$corpus" "$tmp/six.jsonl" <<'PY' && ok || bad "batch: resident memory grows with the file"
import os, subprocess, sys
env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1")
def peak_mb(path):
    p = subprocess.run(["python3", "-c", "import resource, subprocess, sys; "
                        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode; "
                        "print(r, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
                        sys.argv[1], "simulate", "--cases", path], env=env, capture_output=True, text=True, check=True)
    rc, kb = p.stdout.split()
    assert rc == "0", p.stdout
    return int(kb) / 1024
one, six = peak_mb(sys.argv[2]), peak_mb(sys.argv[3])
assert six - one < 30, (one, six)
PY
rm -f "$tmp/six.jsonl"

# libcrypto is opened with dlopen at first use (src/aws/sigv4.cpp): a libcrypto.so.3 without the
# functions SigV4 needs makes `serve` refuse to start with one line naming the missing function,
# before it creates anything, and leaves the policy commands untouched.
if command -v cc >/dev/null; then
  mkdir -p "$tmp/fakecrypto"
  echo 'int iamforge_not_libcrypto;' > "$tmp/fakecrypto/f.c"
  if cc -shared -fPIC -o "$tmp/fakecrypto/libcrypto.so.3" "$tmp/fakecrypto/f.c" 2>/dev/null; then
    expect_rc 1 env LD_LIBRARY_PATH="$tmp/fakecrypto" timeout 10 "$bin" serve --listen 127.0.0.1:0 --data "$tmp/nocrypto"
    [ "$(wc -l < "$tmp/err")" = 1 ] && grep -q "libcrypto.so.3 has no symbol EVP_MD_fetch" "$tmp/err" && ok || bad "serve without libcrypto: $(cat "$tmp/err")"
    [ ! -e "$tmp/nocrypto" ] && ok || bad "serve without libcrypto created its data directory"
    expect_rc 0 env LD_LIBRARY_PATH="$tmp/fakecrypto" "$bin" validate "$seed"
  fi
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
