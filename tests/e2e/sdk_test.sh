#!/usr/bin/env bash
# The founding example as a C++ program (examples/seed/main.cpp) is the same stack as
# examples/seed/stack.yaml: each tool sees the other's apply as "No changes".
# Usage: sdk_test.sh IAMFORGE ML_IAM ROOT
set -u
bin=$(realpath "$1"); prog=$(realpath "$2"); root=$(realpath "$3")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }
expect_rc() { local want=$1; shift; "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; local rc=$?; [ "$rc" = "$want" ] && ok || { bad "rc $rc != $want: $*"; tail -5 "$tmp/out" "$tmp/err"; }; }
has() { grep -q -- "$1" "$tmp/out" && ok || bad "output lacks '$1' ($2)"; }

mkdir "$tmp/p" && cd "$tmp/p"
cp "$root/examples/seed/stack.yaml" Pulumi.yaml

expect_rc 2 "$prog" plan --detailed-exitcode
has "Plan: 5 to create, 0 to update, 0 to replace, 0 to delete" "program's first plan"
expect_rc 0 "$bin" apply --yes                      # the YAML applies ...
expect_rc 0 "$prog" preview --detailed-exitcode     # ... and the program sees no change
has "No changes." "program after YAML apply"
expect_rc 0 "$prog" output ml_team_role_arn
grep -Eq '^arn:aws:iam::[0-9]{12}:role/mlTeamRole-[a-z0-9]{7}$' "$tmp/out" && ok || bad "program's output"
expect_rc 0 "$prog" destroy --yes
expect_rc 0 "$prog" up --yes
has "ml_policy_arn: arn:aws:iam::" "program's apply outputs"
expect_rc 0 "$bin" plan --detailed-exitcode          # and the YAML sees the program's apply
has "No changes." "YAML after program apply"
ls .iamforge/*.sdk.yaml >/dev/null 2>&1 && ok || bad "rendered YAML not kept in .iamforge/"

# A mistake in a program is reported at the C++ line that made it.
expect_rc 2 "$prog" bogus-command
echo "sdk e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
