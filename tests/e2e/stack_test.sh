#!/usr/bin/env bash
# End-to-end checks of plan / apply / output / destroy on the embedded local IAM, with a temp copy of
# examples/seed/stack.yaml. Usage: stack_test.sh IAMFORGE ROOT
set -u
bin=$(realpath "$1"); root=$(realpath "$2")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()   { pass=$((pass+1)); }
bad()  { fail=$((fail+1)); echo "FAIL: $*"; }
expect_rc() { local want=$1; shift; "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; local rc=$?; [ "$rc" = "$want" ] && ok || { bad "rc $rc != $want: $*"; cat "$tmp/out" "$tmp/err" | tail -5; }; }
has() { grep -q -- "$1" "$tmp/out" && ok || bad "output lacks '$1' ($2)"; }

s=$tmp/stack.yaml
cp "$root/examples/seed/stack.yaml" "$s"
cd "$tmp"

expect_rc 0 "$bin" plan -f "$s"
has "Plan: 5 to create, 0 to update, 0 to replace, 0 to delete" "first plan"
expect_rc 2 "$bin" plan -f "$s" --detailed-exitcode
expect_rc 2 "$bin" apply -f "$s"   # stdin not a TTY, no --yes: refuse
grep -q -- "--yes" "$tmp/err" && ok || bad "apply without --yes: no hint"
[ ! -e "$tmp/.iamforge/local-iam.db" ] && ok || bad "apply without --yes touched the target"

expect_rc 0 "$bin" up -f "$s" --yes
has "created mlTeamRole" "apply progress"
grep -Eq '^  ml_team_role_arn: arn:aws:iam::[0-9]{12}:role/mlTeamRole-[a-z0-9]{7}$' "$tmp/out" && ok || bad "role ARN shape"
grep -Eq '^  ml_policy_arn: arn:aws:iam::[0-9]{12}:policy/mlPolicy-[a-z0-9]{7}$' "$tmp/out" && ok || bad "policy ARN shape"
role_arn=$(grep 'ml_team_role_arn' "$tmp/out" | awk '{print $2}')

expect_rc 0 "$bin" preview -f "$s" --detailed-exitcode
has "No changes." "second plan"
has "Plan: 0 to create, 0 to update, 0 to replace, 0 to delete" "second plan summary"

# Reordering statements is never a diff.
python3 - "$s" <<'PY'
import sys
p = sys.argv[1]; t = open(p).read()
a = """          - effect: Allow
            actions: [s3:ListBucket, s3:GetObject, s3:PutObject]
            resources: ["arn:aws:s3:::ml-datasets-*/*"]
"""
b = """          - effect: Allow
            actions: [ec2:RunInstances, ec2:TerminateInstances]
            resources: ["*"]
"""
assert a in t and b in t
t = t.replace(a + b, b.replace("[ec2:RunInstances, ec2:TerminateInstances]", "[ec2:TerminateInstances, ec2:RunInstances]") + a)
open(p, "w").write(t)
PY
expect_rc 0 "$bin" plan -f "$s" --detailed-exitcode
has "No changes." "statement order"

# Changing an action is an update: a new default policy version.
sed -i 's/ec2:TerminateInstances/ec2:StopInstances/' "$s"
expect_rc 2 "$bin" plan -f "$s" --detailed-exitcode
has "~ mlPolicy (aws:iam:Policy): update" "policy update"
has "Plan: 0 to create, 1 to update, 0 to replace, 0 to delete" "update summary"
expect_rc 0 "$bin" plan -f "$s" --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["summary"]["update"]==1 and d["changes"][0]["resource"]=="mlPolicy"' "$tmp/out" && ok || bad "plan json"
expect_rc 0 "$bin" apply -f "$s" --yes
has "updated mlPolicy" "apply update"
if command -v sqlite3 >/dev/null; then
  n=$(sqlite3 "$tmp/.iamforge/local-iam.db" "SELECT count(*) FROM iam_policy_versions")
  [ "${n:-0}" = 2 ] && ok || bad "policy versions: ${n:-none} != 2"
fi
expect_rc 0 "$bin" plan -f "$s" --detailed-exitcode
has "No changes." "after update"

# Version rotation: five versions at most; the oldest non-default one goes.
prev=ec2:StopInstances
for a in ec2:StartInstances ec2:RebootInstances ec2:DescribeInstances ec2:CreateTags; do
  sed -i "s/$prev/$a/" "$s"; prev=$a
  expect_rc 0 "$bin" apply -f "$s" --yes
done
if command -v sqlite3 >/dev/null; then
  n=$(sqlite3 "$tmp/.iamforge/local-iam.db" "SELECT count(*) FROM iam_policy_versions")
  [ "${n:-0}" = 5 ] && ok || bad "policy versions after rotation: ${n:-none} != 5"
fi
expect_rc 0 "$bin" plan -f "$s" --detailed-exitcode

expect_rc 0 "$bin" output --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ml_team_role_arn"]==sys.argv[2] and d["ml_policy_arn"].startswith("arn:aws:iam::")' "$tmp/out" "$role_arn" && ok || bad "output json"
expect_rc 0 "$bin" output ml_team_role_arn
[ "$(cat "$tmp/out")" = "$role_arn" ] && ok || bad "output NAME"
expect_rc 1 "$bin" output no_such_output

# A held lock (pid 1 is always alive) makes apply fail fast with holder and time.
if command -v sqlite3 >/dev/null; then
  sqlite3 "$tmp/.iamforge/state.db" "INSERT INTO locks (stack, pid, host, since) VALUES ('dev', 1, '$(hostname)', '2026-01-01T00:00:00Z')"
  start=$(date +%s)
  expect_rc 1 timeout 20 "$bin" apply -f "$s" --yes
  grep -q "locked by pid 1 .* since 2026-01-01T00:00:00Z" "$tmp/err" && ok || bad "lock message"
  [ $(( $(date +%s) - start )) -lt 10 ] && ok || bad "lock not fast"
  sqlite3 "$tmp/.iamforge/state.db" "DELETE FROM locks"
  # Another stack is independent.
  expect_rc 0 "$bin" plan -f "$s" --stack other
  has "Plan: 5 to create" "other stack"
fi

expect_rc 0 "$bin" destroy --yes -f "$s"
has "deleted mlTeamRole" "destroy"
expect_rc 0 "$bin" plan -f "$s"
has "Plan: 5 to create, 0 to update, 0 to replace, 0 to delete" "plan after destroy"
# Apply again after destroy works (names were freed).
expect_rc 0 "$bin" apply -f "$s" --yes
expect_rc 0 "$bin" destroy -f "$s" --yes

# Malformed stack: exit 1 with file:line:col.
printf 'name: bad\nruntime: yaml\nresources:\n  r:\n    type: aws:iam:Rolee\n' >"$tmp/bad.yaml"
expect_rc 1 "$bin" plan -f "$tmp/bad.yaml"
grep -q "bad.yaml:5:" "$tmp/err" && ok || bad "malformed: no file:line:col"
expect_rc 1 "$bin" plan -f "$tmp/missing.yaml"


# protect: destroy refuses.
mkdir "$tmp/p" && cd "$tmp/p"
printf 'name: p\nruntime: yaml\nresources:\n  g:\n    type: aws:iam:Group\n    options:\n      protect: true\n' >Pulumi.yaml
expect_rc 0 "$bin" apply --yes
expect_rc 1 "$bin" destroy --yes
grep -q "protected" "$tmp/err" && ok || bad "protect message"
expect_rc 0 "$bin" output

echo "stack_test: $pass passed, $fail failed"
[ "$fail" = 0 ]
