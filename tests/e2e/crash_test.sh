#!/usr/bin/env bash
# Crash safety (issue 3's proof): apply of a generated ~300-resource stack is killed with SIGKILL at
# many points (IAMFORGE_TEST_KILL_AFTER=N: the engine raises SIGKILL right after its Nth backend
# call, before the result is in state: the worst moment), and by timed external kill -9s. After each
# kill the next apply must converge with no error, `plan --detailed-exitcode` must exit 0, and the
# local IAM must hold exactly the declared entities (no duplicate, no orphan).
# Usage: crash_test.sh IAMFORGE ROOT
set -u
bin=$(realpath "$1"); root=$(realpath "$2")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }
command -v sqlite3 >/dev/null || { echo "crash_test: sqlite3 CLI missing; skipped"; exit 77; }
command -v python3 >/dev/null || { echo "crash_test: python3 missing; skipped"; exit 77; }
cd "$tmp"
n=50
python3 "$root/tests/e2e/crash_gen.py" $n a >a.yaml 2>exp_a.json
python3 "$root/tests/e2e/crash_gen.py" $n b >b.yaml 2>exp_b.json
db=$tmp/.iamforge/local-iam.db

# Kill points: backend calls into an apply from nothing (~330 calls) and into the change from one
# variant to the other (~125). Sanitizer builds are slower: fewer points.
if grep -q AddressSanitizer "$bin" 2>/dev/null || ldd "$bin" 2>/dev/null | grep -q libasan; then
  empty_points=(1 120 300); change_points=(2 60 110)
else
  empty_points=(1 7 33 101 202 260 318); change_points=(1 4 17 45 70 95 118)
fi

q() { sqlite3 "$db" "$1"; }
check_target() {  # $1: expected counts file; $2: label
  local got
  got=$(printf '{"roles": %s, "policies": %s, "attachments": %s, "inline": %s, "groups": %s, "users": %s, "members": %s}' \
    "$(q 'SELECT count(*) FROM iam_roles')" "$(q 'SELECT count(*) FROM iam_policies')" \
    "$(q 'SELECT count(*) FROM iam_attachments')" "$(q 'SELECT count(*) FROM iam_inline_policies')" \
    "$(q 'SELECT count(*) FROM iam_groups')" "$(q 'SELECT count(*) FROM iam_users')" \
    "$(q 'SELECT count(*) FROM iam_group_members')")
  [ "$got" = "$(cat "$1")" ] && ok || bad "$2: target holds $got, expected $(cat "$1")"
}
converge() {  # $1: stack file; $2: expected counts; $3: label
  "$bin" apply -f "$1" --yes >out 2>err </dev/null
  local rc=$?
  [ $rc = 0 ] && ok || { bad "$3: converging apply exited $rc"; tail -3 err; }
  grep -qi "error" err && bad "$3: converging apply printed an error: $(grep -i error err | head -1)" || ok
  "$bin" plan -f "$1" --detailed-exitcode >out 2>err </dev/null
  rc=$?
  [ $rc = 0 ] && ok || { bad "$3: plan after converging exited $rc"; grep -E '^  [-+~^=]' out | head -5; }
  check_target "$2" "$3"
  [ "$(sqlite3 .iamforge/state.db 'SELECT count(*) FROM intents WHERE kind != "name"')" = 0 ] && ok || bad "$3: intents left"
}
killed_apply() {  # $1: stack file; $2: N; returns the exit code (137 when killed)
  (IAMFORGE_TEST_KILL_AFTER=$2 "$bin" apply -f "$1" --yes >out 2>err </dev/null; r=$?; exit $r) 2>/dev/null
}
killed_count() {  # $1: exit code of a killed run; $2: label
  if [ "$1" = 137 ]; then kills=$((kills+1)); elif [ "$1" = 0 ]; then echo "note: $2: apply finished first"; elif [ "$1" != 0 ]; then bad "$2: exited $1"; tail -3 err; fi
}

start=$(date +%s)
cur=a; kills=0
for i in "${!empty_points[@]}"; do
  # An apply from nothing killed at a point, then converged.
  "$bin" destroy -f $cur.yaml --yes >out 2>err </dev/null || bad "destroy before point ${empty_points[$i]}"
  killed_apply $cur.yaml "${empty_points[$i]}"; killed_count $? "kill at ${empty_points[$i]}"
  converge $cur.yaml exp_$cur.json "after kill at backend call ${empty_points[$i]} (from nothing, $cur)"
  # The change to the other variant (updates, replacements, deletes, creates) killed, then converged.
  [ $cur = a ] && cur=b || cur=a
  killed_apply $cur.yaml "${change_points[$i]}"; killed_count $? "kill at ${change_points[$i]}"
  converge $cur.yaml exp_$cur.json "after kill at backend call ${change_points[$i]} (change to $cur)"
done

# A kill during destroy, then destroy converges to an empty target.
killed=0
(IAMFORGE_TEST_KILL_AFTER=77 "$bin" destroy -f $cur.yaml --yes >out 2>err </dev/null; r=$?; exit $r) 2>/dev/null; [ $? = 137 ] && killed=1 && kills=$((kills+1))
[ $killed = 1 ] && ok || bad "destroy was not killed at call 77"
"$bin" destroy -f $cur.yaml --yes >out 2>err </dev/null && ok || { bad "destroy after kill"; tail -3 err; }
echo '{"roles": 0, "policies": 0, "attachments": 0, "inline": 0, "groups": 0, "users": 0, "members": 0}' >exp_0.json
check_target exp_0.json "destroy after kill"

# Timed external kill -9s (not at a call boundary: anywhere, e.g. inside a state transaction).
for delay in 0.05 0.1 0.18; do
  ("$bin" apply -f a.yaml --yes >out 2>err </dev/null & p=$!; sleep $delay; kill -9 $p 2>/dev/null; wait $p; exit $?) 2>/dev/null
  killed_count $? "kill -9 at ${delay}s"
  converge a.yaml exp_a.json "after kill -9 at ${delay}s"
  "$bin" destroy -f a.yaml --yes >out 2>err </dev/null || bad "destroy after timed kill"
done

# Several kills in a row before converging: each killed apply settles the previous one's intents.
for N in 3 50 120; do killed_apply a.yaml $N; killed_count $? "kill at $N in a row"; done
converge a.yaml exp_a.json "after three kills in a row"

echo "crash_test: $kills kills, $(( $(date +%s) - start )) s"
echo "crash_test: $pass passed, $fail failed"
[ "$fail" = 0 ]
