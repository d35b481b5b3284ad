#!/usr/bin/env bash
# End-to-end: a stack attaching AWS managed policies (embedded in the local IAM) applies, plans
# empty, refreshes without drift and destroys. Usage: aws_managed_test.sh IAMFORGE ROOT
set -u
bin=$(realpath "$1")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()   { pass=$((pass+1)); }
bad()  { fail=$((fail+1)); echo "FAIL: $*"; }
expect_rc() { local want=$1; shift; "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; local rc=$?; [ "$rc" = "$want" ] && ok || { bad "rc $rc != $want: $*"; cat "$tmp/out" "$tmp/err" | tail -5; }; }
has() { grep -q -- "$1" "$tmp/out" && ok || bad "output lacks '$1' ($2)"; }

cd "$tmp"
cat >Pulumi.yaml <<'YAML'
name: aws-managed
runtime: yaml
resources:
  trainingRole:
    type: aws:iam:Role
    properties:
      assumeRolePolicy:
        fn::toJSON:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: { Service: sagemaker.amazonaws.com }
              Action: sts:AssumeRole
  sagemakerFullAccess:
    type: aws:iam:RolePolicyAttachment
    properties:
      role: ${trainingRole.name}
      policyArn: arn:aws:iam::aws:policy/AmazonSageMakerFullAccess
  lambdaBasic:
    type: aws:iam:RolePolicyAttachment
    properties:
      role: ${trainingRole.name}
      policyArn: arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
  readers:
    type: aws:iam:Group
  readOnly:
    type: aws:iam:GroupPolicyAttachment
    properties:
      group: ${readers.name}
      policyArn: arn:aws:iam::aws:policy/ReadOnlyAccess
outputs:
  role: ${trainingRole.name}
YAML

expect_rc 0 "$bin" apply --yes
has "created sagemakerFullAccess" "apply"
expect_rc 0 "$bin" plan --detailed-exitcode
has "No changes." "plan after apply"
expect_rc 0 "$bin" refresh --detailed-exitcode
expect_rc 0 "$bin" refresh --detailed-exitcode --format json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["drift"] == [] and d["read"] == 5, d' "$tmp/out" && ok || bad "refresh json: no drift"

# A policy that is not an AWS managed policy fails with AWS's error.
sed 's#AmazonSageMakerFullAccess#NoSuchManagedPolicyForIamforge#' Pulumi.yaml >bad.yaml
expect_rc 1 "$bin" apply -f bad.yaml --yes
grep -q "does not exist or is not attachable" "$tmp/err" "$tmp/out" && ok || bad "unknown AWS policy: no NoSuchEntity message"

expect_rc 0 "$bin" destroy --yes
expect_rc 2 "$bin" plan --detailed-exitcode
has "Plan: 5 to create" "plan after destroy"

# iamforge serve authorizes with AWS managed policies: a user holding IAMReadOnlyAccess may list
# roles and may not create one.
if python3 -c 'import boto3' 2>/dev/null; then
  "$bin" serve --listen 127.0.0.1:0 --data "$tmp/serve" --admin-key-file "$tmp/admin.json" >"$tmp/server.log" 2>&1 &
  spid=$!
  port=""
  for _ in $(seq 1 100); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$tmp/server.log" 2>/dev/null | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then bad "serve did not start"; cat "$tmp/server.log"; else
    timeout 60 python3 - "http://127.0.0.1:$port" "$tmp/admin.json" <<'PY' && ok || bad "serve authorization with AWS managed policies"
import json, sys, time
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
endpoint, admin = sys.argv[1], json.load(open(sys.argv[2]))["AccessKey"]
cfg = Config(retries={"max_attempts": 1})
def iam(key, secret):
    return boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", config=cfg,
                        aws_access_key_id=key, aws_secret_access_key=secret)
a = iam(admin["AccessKeyId"], admin["SecretAccessKey"])
a.create_user(UserName="reader")
a.attach_user_policy(UserName="reader", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
# Reading an AWS managed policy is decided by the caller's own policies (not as cross-account).
assert a.get_policy(PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")["Policy"]["AttachmentCount"] == 1
doc = a.get_policy_version(PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess", VersionId=
                           a.get_policy(PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")["Policy"]["DefaultVersionId"])
assert "iam:Get*" in json.dumps(doc["PolicyVersion"]["Document"]), doc
assert [x["PolicyArn"] for x in a.list_attached_user_policies(UserName="reader")["AttachedPolicies"]] == \
    ["arn:aws:iam::aws:policy/IAMReadOnlyAccess"]
aws = a.list_policies(Scope="AWS", MaxItems=5)
assert len(aws["Policies"]) == 5 and aws["IsTruncated"], aws
k = a.create_access_key(UserName="reader")["AccessKey"]
r = iam(k["AccessKeyId"], k["SecretAccessKey"])
r.list_roles()
r.get_policy(PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")  # iam:GetPolicy is in IAMReadOnlyAccess
try:
    r.create_role(RoleName="x", AssumeRolePolicyDocument="{}")
    sys.exit("create_role allowed for a read-only user")
except ClientError as e:
    assert e.response["Error"]["Code"] == "AccessDenied", e.response
PY
    kill -TERM "$spid"; wait "$spid" 2>/dev/null
  fi
else
  echo "aws_managed_test: no boto3: the serve part is skipped" >&2
fi

echo "aws_managed_test: $pass passed, $fail failed"
[ "$fail" = 0 ]
