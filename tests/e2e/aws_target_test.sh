#!/usr/bin/env bash
# `--target aws` end to end through the CLI: examples/seed applied over the IAM Query API to moto's
# server and to `iamforge serve`, checked with the AWS CLI, drift made with the AWS CLI and seen by
# refresh, repaired by apply, destroyed, nothing left. Usage: aws_target_test.sh IAMFORGE ROOT
# Exit 77 (skipped) when moto_server or the AWS CLI is missing.
set -u
bin=$(realpath "$1"); root=$(realpath "$2")
awscli=$(command -v /usr/bin/aws || command -v aws || true)
if ! command -v moto_server >/dev/null || [ -z "$awscli" ]; then
  echo "SKIP: moto_server or the AWS CLI is missing (make setup installs them)"; exit 77
fi
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }
expect_rc() { local want=$1; shift; "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; local rc=$?; [ "$rc" = "$want" ] && ok || { bad "rc $rc != $want: $*"; tail -5 "$tmp/out" "$tmp/err"; }; }
has() { grep -q -- "$1" "$tmp/out" && ok || bad "output lacks '$1' ($2)"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; return 1; }

run_against() {  # name, endpoint: the whole scenario
  local name=$1 url=$2
  local dir=$tmp/$name; mkdir -p "$dir"; cp "$root/examples/seed/stack.yaml" "$dir/Pulumi.yaml"; cd "$dir"
  local t=(--target aws --endpoint-url "$url")
  expect_rc 0 "$bin" apply --yes "${t[@]}"
  has "ml_team_role_arn: arn:aws:iam::" "$name: apply outputs"
  role=$(grep ml_team_role_arn "$tmp/out" | sed 's#.*role/##')
  expect_rc 0 "$awscli" --endpoint-url "$url" iam get-role --role-name "$role"
  has "sagemaker.amazonaws.com" "$name: the AWS CLI sees the role and its trust policy"
  expect_rc 0 "$awscli" --endpoint-url "$url" iam list-attached-role-policies --role-name "$role"
  has "mlPolicy-" "$name: the attachment"
  expect_rc 0 "$bin" plan --detailed-exitcode "${t[@]}"
  has "No changes." "$name: plan after apply"
  # The local target's state is separate: the same stack there has nothing yet.
  expect_rc 2 "$bin" plan --detailed-exitcode
  # Drift made by hand: detach the policy.
  arn=$("$bin" output ml_policy_arn "${t[@]}")
  expect_rc 0 "$awscli" --endpoint-url "$url" iam detach-role-policy --role-name "$role" --policy-arn "$arn"
  expect_rc 2 "$bin" refresh --detailed-exitcode "${t[@]}"
  has "rolePolicyAttachment" "$name: refresh shows the removed attachment"
  expect_rc 2 "$bin" plan --detailed-exitcode "${t[@]}"
  has "1 to create" "$name: plan puts it back"
  expect_rc 0 "$bin" apply --yes "${t[@]}"
  expect_rc 0 "$bin" plan --detailed-exitcode "${t[@]}"
  expect_rc 0 "$bin" destroy --yes "${t[@]}"
  expect_rc 0 "$awscli" --endpoint-url "$url" iam list-roles
  grep -q "mlTeamRole-" "$tmp/out" && bad "$name: role left after destroy" || ok
  expect_rc 0 "$awscli" --endpoint-url "$url" iam list-policies --scope Local
  grep -q "mlPolicy-" "$tmp/out" && bad "$name: policy left after destroy" || ok
  cd "$tmp"
}

# moto (it accepts any key).
mport=$(free_port)
moto_server -H 127.0.0.1 -p "$mport" >"$tmp/moto.log" 2>&1 & pids+=($!)
wait_port "$mport" || { echo "moto_server did not start"; cat "$tmp/moto.log"; exit 1; }
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_IAM
run_against moto "http://127.0.0.1:$mport"

# iamforge serve, with its bootstrap administrator key.
sport=$(free_port)
"$bin" serve --listen "127.0.0.1:$sport" --data "$tmp/serve-data" --admin-key-file "$tmp/admin.json" \
  >"$tmp/serve.log" 2>&1 & pids+=($!)
wait_port "$sport" || { echo "iamforge serve did not start"; cat "$tmp/serve.log"; exit 1; }
for _ in $(seq 50); do [ -s "$tmp/admin.json" ] && break; sleep 0.1; done
export AWS_ACCESS_KEY_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["AccessKey"]["AccessKeyId"])' "$tmp/admin.json")
export AWS_SECRET_ACCESS_KEY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["AccessKey"]["SecretAccessKey"])' "$tmp/admin.json")
run_against serve "http://127.0.0.1:$sport"

# No credentials at all: a clear error naming where it looked, no secret printed.
cd "$tmp/moto"
expect_rc 1 env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME="$tmp/nohome" "$bin" plan --refresh --target aws --endpoint-url http://127.0.0.1:1
grep -qi "credentials" "$tmp/err" && ok || bad "no-credentials error: $(cat "$tmp/err")"

echo "aws target e2e: $pass passed, $fail failed"
[ "$fail" = 0 ]
