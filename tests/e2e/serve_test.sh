#!/usr/bin/env bash
# End to end: `iamforge serve` driven by real clients: boto3 and the AWS CLI (Debian's awscli v2 at
# /usr/bin/aws when present, else the first `aws` on PATH). Covers create/get/list/update/delete of
# every entity, attachments, inline policies, policy versions, instance profiles, access keys,
# STS, the simulator, access denied for a limited user, signature failures, bad input, and a
# restart (the data survives). Usage: serve_test.sh IAMFORGE_BINARY SOURCE_DIR
set -uo pipefail
BIN=${1:?iamforge binary}
TMP=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "serve_e2e: FAIL: $*" >&2; [ -f "$TMP/server.log" ] && sed 's/^/  server: /' "$TMP/server.log" >&2; exit 1; }

if ! python3 -c 'import boto3' 2>/dev/null; then
  echo "serve_e2e: SKIP: python3 has no boto3 (pip install boto3)" >&2
  exit 0
fi
AWS=/usr/bin/aws
[ -x "$AWS" ] || AWS=$(command -v aws || true)

# shellcheck source=serve_lib.sh
source "$(dirname "$0")/serve_lib.sh"
stop_server() {
  kill -TERM "$SERVER_PID" || fail "no server to stop"
  for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$SERVER_PID" 2>/dev/null && fail "the server did not stop on SIGTERM within 10 s"
  wait "$SERVER_PID"
  local rc=$?
  [ "$rc" -eq 0 ] || fail "the server exited with $rc on SIGTERM"
  SERVER_PID=""
}

start_server
[ "$(stat -c %a "$TMP/admin.json")" = 600 ] || fail "the admin key file is not mode 0600"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
AWS_ACCESS_KEY_ID=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['AccessKey']['AccessKeyId'])" "$TMP/admin.json")
AWS_SECRET_ACCESS_KEY=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['AccessKey']['SecretAccessKey'])" "$TMP/admin.json")
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN

# ---- boto3 -------------------------------------------------------------------------------------
timeout 240 python3 - "$ENDPOINT" "$TMP/session.json" <<'PY' || fail "boto3 scenario"
import json, os, sys, urllib.parse, http.client, socket
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

endpoint = sys.argv[1]
cfg = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30)
def client(svc, key=None, secret=None, token=None, region="eu-central-1"):
    return boto3.client(svc, endpoint_url=endpoint, region_name=region, config=cfg,
                        aws_access_key_id=key or os.environ["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=secret or os.environ["AWS_SECRET_ACCESS_KEY"],
                        aws_session_token=token)
iam = client("iam")
sts = client("sts")
ACCOUNT = "123456789012"
checks = 0
def check(cond, what):
    global checks
    checks += 1
    if not cond:
        raise AssertionError(what)
def error_of(fn, *a, **kw):
    try:
        fn(*a, **kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError(f"{fn.__name__} succeeded but should have failed")

trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]}
doc = lambda actions, res="*": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": res}]}

# Identity
me = sts.get_caller_identity()
check(me["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/iamforge-admin" and me["Account"] == ACCOUNT, me)

# Roles
r = iam.create_role(RoleName="app", Path="/team/", AssumeRolePolicyDocument=json.dumps(trust),
                    Description="the app", MaxSessionDuration=7200, Tags=[{"Key": "env", "Value": "dev"}])["Role"]
check(r["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/team/app" and r["RoleId"].startswith("AROA"), r)
check(r["AssumeRolePolicyDocument"] == trust, "trust policy round trip (URL-encoded on the wire)")
g = iam.get_role(RoleName="app")["Role"]
check(g["Description"] == "the app" and g["MaxSessionDuration"] == 7200 and g["Tags"] == [{"Key": "env", "Value": "dev"}], g)
check(error_of(iam.create_role, RoleName="app", AssumeRolePolicyDocument=json.dumps(trust))[0] == "EntityAlreadyExists", "dup")
code, msg, status = error_of(iam.get_role, RoleName="nope")
check((code, status) == ("NoSuchEntity", 404) and msg == "The role with name nope cannot be found.", (code, msg, status))
for i in range(3):
    iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument=json.dumps(trust))
page = iam.list_roles(MaxItems=2)
check(page["IsTruncated"] and len(page["Roles"]) == 2 and page["Marker"], page)
names = [x["RoleName"] for p in iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 1}) for x in p["Roles"]]
check(sorted(names) == ["app", "r0", "r1", "r2"], names)
iam.update_role(RoleName="app", Description="new", MaxSessionDuration=3600)
check(iam.update_role_description(RoleName="app", Description="newer")["Role"]["Description"] == "newer", "update desc")
trust2 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
iam.update_assume_role_policy(RoleName="r0", PolicyDocument=json.dumps(trust2))
check(iam.get_role(RoleName="r0")["Role"]["AssumeRolePolicyDocument"] == trust2, "update trust")
iam.tag_role(RoleName="app", Tags=[{"Key": "team", "Value": "ml"}])
iam.untag_role(RoleName="app", TagKeys=["env"])
check(iam.get_role(RoleName="app")["Role"]["Tags"] == [{"Key": "team", "Value": "ml"}], "tags")
check(error_of(iam.create_role, RoleName="bad", AssumeRolePolicyDocument="{not json")[0] == "MalformedPolicyDocument", "malformed")

# Managed policies and versions
p = iam.create_policy(PolicyName="ro", Path="/ops/", PolicyDocument=json.dumps(doc(["iam:Get*", "iam:List*"])), Description="read only")["Policy"]
arn = p["Arn"]
check(arn == f"arn:aws:iam::{ACCOUNT}:policy/ops/ro" and p["DefaultVersionId"] == "v1", p)
check(iam.get_policy(PolicyArn=arn)["Policy"]["Description"] == "read only", "get policy")
v2 = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc("iam:Get*")), SetAsDefault=True)["PolicyVersion"]
check(v2["VersionId"] == "v2" and v2["IsDefaultVersion"] and "Document" not in v2, v2)
check([v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]] == ["v2", "v1"], "versions")
check(iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"] == doc("iam:Get*"), "version doc")
iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
check(error_of(iam.delete_policy_version, PolicyArn=arn, VersionId="v1")[0] == "DeleteConflict", "delete default")
iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "k", "Value": "v"}])
iam.untag_policy(PolicyArn=arn, TagKeys=["k"])
check(any(x["Arn"] == arn for x in iam.list_policies(Scope="Local")["Policies"]), "list policies")

# Attachments and inline policies on a role
iam.attach_role_policy(RoleName="app", PolicyArn=arn)
check(iam.list_attached_role_policies(RoleName="app")["AttachedPolicies"] == [{"PolicyName": "ro", "PolicyArn": arn}], "attached")
check(error_of(iam.delete_role, RoleName="app")[0] == "DeleteConflict", "delete attached role")
iam.put_role_policy(RoleName="app", PolicyName="inline", PolicyDocument=json.dumps(doc("s3:GetObject")))
check(iam.get_role_policy(RoleName="app", PolicyName="inline")["PolicyDocument"] == doc("s3:GetObject"), "inline doc")
check(iam.list_role_policies(RoleName="app")["PolicyNames"] == ["inline"], "inline names")
iam.put_role_permissions_boundary(RoleName="app", PermissionsBoundary=arn)
check(iam.get_role(RoleName="app")["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn, "boundary")
iam.delete_role_permissions_boundary(RoleName="app")
check("PermissionsBoundary" not in iam.get_role(RoleName="app")["Role"], "boundary removed")

# Instance profiles
ip = iam.create_instance_profile(InstanceProfileName="web", Path="/team/")["InstanceProfile"]
check(ip["Arn"] == f"arn:aws:iam::{ACCOUNT}:instance-profile/team/web" and ip["Roles"] == [], ip)
iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="app")
check([x["RoleName"] for x in iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Roles"]] == ["app"], "ip roles")
check([x["InstanceProfileName"] for x in iam.list_instance_profiles_for_role(RoleName="app")["InstanceProfiles"]] == ["web"], "ip for role")
check(error_of(iam.add_role_to_instance_profile, InstanceProfileName="web", RoleName="r1")[0] == "LimitExceeded", "1 role per profile")
iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="app")
iam.delete_instance_profile(InstanceProfileName="web")

# Users, groups, access keys
u = iam.create_user(UserName="alice", Path="/people/", Tags=[{"Key": "team", "Value": "ml"}])["User"]
check(u["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/people/alice", u)
check(iam.get_user(UserName="alice")["User"]["Tags"] == [{"Key": "team", "Value": "ml"}], "user tags")
check(iam.get_user()["User"]["UserName"] == "iamforge-admin", "GetUser defaults to the caller")
iam.create_group(GroupName="devs")
iam.add_user_to_group(GroupName="devs", UserName="alice")
gg = iam.get_group(GroupName="devs")
check(gg["Group"]["GroupName"] == "devs" and [x["UserName"] for x in gg["Users"]] == ["alice"], gg)
check([x["GroupName"] for x in iam.list_groups_for_user(UserName="alice")["Groups"]] == ["devs"], "groups for user")
iam.attach_group_policy(GroupName="devs", PolicyArn=arn)
iam.put_group_policy(GroupName="devs", PolicyName="gi", PolicyDocument=json.dumps(doc("sts:GetCallerIdentity")))
check(iam.list_group_policies(GroupName="devs")["PolicyNames"] == ["gi"], "group inline")
check(iam.get_group_policy(GroupName="devs", PolicyName="gi")["PolicyDocument"] == doc("sts:GetCallerIdentity"), "group doc")
check(iam.list_attached_group_policies(GroupName="devs")["AttachedPolicies"][0]["PolicyArn"] == arn, "group attached")
iam.attach_user_policy(UserName="alice", PolicyArn=arn)
check(iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"][0]["PolicyArn"] == arn, "user attached")
iam.detach_user_policy(UserName="alice", PolicyArn=arn)
k1 = iam.create_access_key(UserName="alice")["AccessKey"]
check(k1["AccessKeyId"].startswith("AKIA") and len(k1["AccessKeyId"]) == 20 and len(k1["SecretAccessKey"]) == 40 and k1["Status"] == "Active", k1)
k2 = iam.create_access_key(UserName="alice")["AccessKey"]
check(error_of(iam.create_access_key, UserName="alice")[:2] == ("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2"), "2 keys")
check(len(iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]) == 2, "list keys")
iam.update_access_key(UserName="alice", AccessKeyId=k2["AccessKeyId"], Status="Inactive")
iam.delete_access_key(UserName="alice", AccessKeyId=k2["AccessKeyId"])
check(error_of(iam.delete_user, UserName="alice")[0] == "DeleteConflict", "user with keys and groups")

# Simulator
sim = iam.simulate_principal_policy(PolicySourceArn=u["Arn"], ActionNames=["iam:GetRole", "iam:CreateRole"])["EvaluationResults"]
dec = {x["EvalActionName"]: x["EvalDecision"] for x in sim}
check(dec == {"iam:GetRole": "allowed", "iam:CreateRole": "implicitDeny"}, sim)
check(sim[0]["MatchedStatements"][0]["SourcePolicyId"] == arn, sim[0])
custom = iam.simulate_custom_policy(
    PolicyInputList=[json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}},
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]})],
    ActionNames=["s3:GetObject", "s3:DeleteObject"], ResourceArns=["arn:aws:s3:::b/k"])["EvaluationResults"]
by = {x["EvalActionName"]: x for x in custom}
check(by["s3:GetObject"]["EvalDecision"] == "implicitDeny" and by["s3:GetObject"]["MissingContextValues"] == ["aws:RequestedRegion"], by)
check(by["s3:DeleteObject"]["EvalDecision"] == "explicitDeny", by)
# One result per action (AWS's current model): the resource's own decision in ResourceSpecificResults.
rsr = by["s3:DeleteObject"]["ResourceSpecificResults"]
check(len(rsr) == 1 and rsr[0]["EvalResourceName"] == "arn:aws:s3:::b/k" and rsr[0]["EvalResourceDecision"] == "explicitDeny", by)
check(by["s3:DeleteObject"]["EvalResourceName"] == "arn:${Partition}:s3:::${BucketName}/${ObjectName}", by)
ctx = iam.simulate_custom_policy(PolicyInputList=[json.dumps(doc("s3:GetObject"))], ActionNames=["s3:GetObject"],
    ContextEntries=[{"ContextKeyName": "aws:RequestedRegion", "ContextKeyValues": ["eu-west-1"], "ContextKeyType": "string"}])
check(ctx["EvaluationResults"][0]["EvalDecision"] == "allowed", ctx)

# Access denied for a limited user (alice: the group's read-only policy)
alice = client("iam", k1["AccessKeyId"], k1["SecretAccessKey"])
check(any(x["RoleName"] == "app" for x in alice.list_roles()["Roles"]), "alice can list")
code, msg, status = error_of(alice.create_role, RoleName="evil", AssumeRolePolicyDocument=json.dumps(trust))
check((code, status) == ("AccessDenied", 403), (code, msg, status))
check(msg == f"User: arn:aws:iam::{ACCOUNT}:user/people/alice is not authorized to perform: iam:CreateRole on resource: "
             f"arn:aws:iam::{ACCOUNT}:role/evil because no identity-based policy allows the iam:CreateRole action", msg)
code, msg, _ = error_of(alice.delete_role, RoleName="app")
check(code == "AccessDenied" and f"on resource: arn:aws:iam::{ACCOUNT}:role/team/app" in msg, msg)

# Signature failures
code, msg, status = error_of(client("iam", k1["AccessKeyId"], "x" * 40).list_roles)
check((code, status) == ("SignatureDoesNotMatch", 403), (code, msg))
code, msg, status = error_of(client("iam", "AKIAAAAAAAAAAAAAAAAA", "x" * 40).list_roles)
check((code, status) == ("InvalidClientTokenId", 403), (code, msg))

# STS: assume a role, act with the session (and its session policy)
iam.put_role_policy(RoleName="r1", PolicyName="all", PolicyDocument=json.dumps(doc("iam:*")))
cred = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r1", RoleSessionName="ci",
                       Policy=json.dumps(doc(["iam:List*", "iam:Get*"])))["Credentials"]
check(cred["AccessKeyId"].startswith("ASIA"), cred)
sess = client("iam", cred["AccessKeyId"], cred["SecretAccessKey"], cred["SessionToken"])
who = client("sts", cred["AccessKeyId"], cred["SecretAccessKey"], cred["SessionToken"]).get_caller_identity()
check(who["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/r1/ci", who)
check(len(sess.list_users()["Users"]) >= 2, "session lists")
code, msg, _ = error_of(sess.delete_role, RoleName="r2")
check(code == "AccessDenied" and "because no session policy allows the iam:DeleteRole action" in msg, msg)
check(error_of(client("sts", k1["AccessKeyId"], k1["SecretAccessKey"]).assume_role,
               RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r1", RoleSessionName="xx")[0] == "AccessDenied", "alice can't assume")

# Raw requests: unsigned, bad form encoding, unknown action, huge body, truncated body
host, port = endpoint[len("http://"):].split(":")
def raw(body, sign=True, headers=None):
    req = AWSRequest(method="POST", url=endpoint + "/", data=body,
                     headers=headers or {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    if sign:
        SigV4Auth(Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]), "iam", "us-east-1").add_auth(req)
    prepared = req.prepare()
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    c.request("POST", "/", body=prepared.body, headers=dict(prepared.headers))
    resp = c.getresponse()
    out = (resp.status, resp.read().decode())
    c.close()
    return out
s, b = raw("Action=ListRoles&Version=2010-05-08", sign=False)
check(s == 403 and "<Code>MissingAuthenticationToken</Code>" in b, (s, b))
s, b = raw("Action=ListRoles&Version=2010-05-08&RoleName=%ZZ")
check(s == 400 and "<ErrorResponse" in b, (s, b))
s, b = raw("Action=StealEverything&Version=2010-05-08")
check(s == 400 and "<Code>InvalidAction</Code>" in b, (s, b))
s, b = raw("Action=CreateRole&Version=2010-05-08&RoleName=x")
check(s == 400 and "<Code>ValidationError</Code>" in b and "assumeRolePolicyDocument" in b, (s, b))
s, b = raw("Action=ListRoles&Version=2010-05-08&Pad=" + "x" * (2 << 20))
check(s == 413 and "<ErrorResponse" in b, (s, b[:300]))
so = socket.create_connection((host, int(port)), timeout=30)
so.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nAction=Li")
so.close()
so = socket.create_connection((host, int(port)), timeout=30)
so.sendall(b"GARBAGE\r\n\r\n")
so.recv(4096)
so.close()
check(iam.get_role(RoleName="app")["Role"]["RoleName"] == "app", "alive after bad input")
# A slow client (headers never finished) holds no one else up.
slow = socket.create_connection((host, int(port)), timeout=30)
slow.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Le")
check(iam.list_roles(MaxItems=1)["Roles"], "served while a slow client waits")
slow.close()

# Concurrent writers and readers: every call succeeds, nothing is lost.
from concurrent.futures import ThreadPoolExecutor
def worker(i):
    c = client("iam")
    for j in range(10):
        c.create_role(RoleName=f"par-{i}-{j}", AssumeRolePolicyDocument=json.dumps(trust))
        c.get_role(RoleName=f"par-{i}-{j}")
        c.list_roles(MaxItems=5)
    for j in range(10):
        c.delete_role(RoleName=f"par-{i}-{j}")
    return True
with ThreadPoolExecutor(8) as pool:
    check(all(pool.map(worker, range(8))), "parallel workers")
check(not any(x["RoleName"].startswith("par-") for x in iam.list_roles(MaxItems=1000)["Roles"]), "parallel cleanup")

# Deletes (everything but `survivor`, checked after the restart)
iam.remove_user_from_group(GroupName="devs", UserName="alice")
iam.detach_group_policy(GroupName="devs", PolicyArn=arn)
iam.delete_group_policy(GroupName="devs", PolicyName="gi")
iam.delete_group(GroupName="devs")
iam.delete_access_key(UserName="alice", AccessKeyId=k1["AccessKeyId"])
iam.untag_user(UserName="alice", TagKeys=["team"])
iam.delete_user(UserName="alice")
iam.detach_role_policy(RoleName="app", PolicyArn=arn)
iam.delete_role_policy(RoleName="app", PolicyName="inline")
iam.delete_role_policy(RoleName="r1", PolicyName="all")
for name in ["app", "r0", "r1", "r2"]:
    iam.delete_role(RoleName=name)
iam.delete_policy(PolicyArn=arn)
check(iam.list_roles()["Roles"] == [] and [x["UserName"] for x in iam.list_users()["Users"]] == ["iamforge-admin"], "all deleted")
iam.create_role(RoleName="survivor", AssumeRolePolicyDocument=json.dumps(trust))

# RoleLastUsed: {} for a role never used (GetRole only, not ListRoles); LastUsedDate and the
# request's region once the role is assumed.
iam.create_role(RoleName="keeper", AssumeRolePolicyDocument=json.dumps(trust))
check(iam.get_role(RoleName="keeper")["Role"]["RoleLastUsed"] == {}, "RoleLastUsed of a role never used")
check(all("RoleLastUsed" not in x for x in iam.list_roles()["Roles"]), "ListRoles carries no RoleLastUsed")
iam.put_role_policy(RoleName="keeper", PolicyName="read", PolicyDocument=json.dumps(doc(["iam:Get*", "iam:List*"])))
kc = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/keeper", RoleSessionName="keep")["Credentials"]
used = iam.get_role(RoleName="keeper")["Role"]["RoleLastUsed"]
check(used.get("Region") == "eu-central-1" and used.get("LastUsedDate") is not None, used)

# Presigned (query-string) SigV4 from botocore's presigner.
import time, urllib.request, urllib.error
from botocore.auth import SigV4QueryAuth
def fetch(url, method="GET"):
    req = urllib.request.Request(url, data=b"" if method == "POST" else None, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
url = iam.generate_presigned_url("list_users", Params={}, ExpiresIn=300, HttpMethod="GET")
check("Action=ListUsers" in url and "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url, url)
s, b = fetch(url)
check(s == 200 and "<UserName>iamforge-admin</UserName>" in b, (s, b))
s, b = fetch(url.replace("Action=ListUsers", "Action=ListRoles"))
check(s == 403 and "<Code>SignatureDoesNotMatch</Code>" in b, ("tampered presigned URL", s, b))
s, b = fetch(iam.generate_presigned_url("get_role", Params={"RoleName": "keeper"}, ExpiresIn=300), "POST")
check(s == 200 and "<RoleName>keeper</RoleName>" in b, ("presigned POST", s, b))
ksts = client("sts", kc["AccessKeyId"], kc["SecretAccessKey"], kc["SessionToken"])
url = ksts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
check("X-Amz-Security-Token=" in url, url)
s, b = fetch(url)
check(s == 200 and f"<Arn>arn:aws:sts::{ACCOUNT}:assumed-role/keeper/keep</Arn>" in b, ("presigned STS", s, b))
# IAM and STS keep a fixed 15-minute window whatever X-Amz-Expires says: a URL presigned for 1 s
# still works 2 s later (aws-sdk-go #2224; EKS tokens are presigned for 60 s and used for minutes).
req = AWSRequest(method="GET", url=endpoint + "/?Action=ListUsers&Version=2010-05-08")
SigV4QueryAuth(Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]), "iam", "us-east-1", expires=1).add_auth(req)
s, b = fetch(req.url)
check(s == 200, ("fresh 1-second URL", s, b))
time.sleep(2.1)
s, b = fetch(req.url)
check(s == 200, ("presigned URL past its X-Amz-Expires, inside 15 minutes", s, b))
# The session is used after the restart.
json.dump(kc, open(sys.argv[2], "w"), default=str)
print(f"serve_e2e: boto3: {checks} checks passed")
PY

# ---- the AWS CLI -------------------------------------------------------------------------------
if [ -n "$AWS" ]; then
  A() { timeout 60 "$AWS" --endpoint-url "$ENDPOINT" --output json "$@"; }
  A --version >/dev/null 2>&1 || true
  A iam create-role --role-name cli-role --path /cli/ \
    --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}' \
    >"$TMP/out.json" || fail "aws iam create-role"
  grep -q '"Arn": "arn:aws:iam::123456789012:role/cli/cli-role"' "$TMP/out.json" || fail "create-role output: $(cat "$TMP/out.json")"
  [ "$(A iam get-role --role-name cli-role --query 'Role.AssumeRolePolicyDocument.Statement[0].Principal.Service' --output text)" = lambda.amazonaws.com ] || fail "get-role"
  POLICY_ARN=$(A iam create-policy --policy-name cli-policy --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}' --query Policy.Arn --output text) || fail "create-policy"
  A iam attach-role-policy --role-name cli-role --policy-arn "$POLICY_ARN" || fail "attach-role-policy"
  [ "$(A iam list-attached-role-policies --role-name cli-role --query 'AttachedPolicies[0].PolicyName' --output text)" = cli-policy ] || fail "list-attached-role-policies"
  A iam create-policy-version --policy-arn "$POLICY_ARN" --set-as-default --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}' >/dev/null || fail "create-policy-version"
  [ "$(A iam get-policy --policy-arn "$POLICY_ARN" --query Policy.DefaultVersionId --output text)" = v2 ] || fail "get-policy"
  A iam put-role-policy --role-name cli-role --policy-name inl --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}' || fail "put-role-policy"
  [ "$(A iam simulate-principal-policy --policy-source-arn arn:aws:iam::123456789012:role/cli/cli-role --action-names s3:GetObject sqs:SendMessage s3:PutObject --query 'EvaluationResults[].EvalDecision' --output text)" = "allowed	allowed	implicitDeny" ] || fail "simulate-principal-policy"
  A iam create-user --user-name cli-user >/dev/null || fail "create-user"
  A iam create-access-key --user-name cli-user >"$TMP/key.json" || fail "create-access-key"
  python3 -c "import json,sys; k=json.load(open(sys.argv[1]))['AccessKey']; assert k['UserName']=='cli-user' and len(k['SecretAccessKey'])==40" "$TMP/key.json" || fail "create-access-key output"
  [ "$(A iam list-access-keys --user-name cli-user --query 'length(AccessKeyMetadata)')" = 1 ] || fail "list-access-keys"
  KEY_ID=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['AccessKey']['AccessKeyId'])" "$TMP/key.json")
  KEY_SECRET=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['AccessKey']['SecretAccessKey'])" "$TMP/key.json")
  # The new user has no policy: access denied, as AWS says it.
  if AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$KEY_SECRET A iam list-roles >/dev/null 2>"$TMP/err.txt"; then fail "a user without policies listed roles"; fi
  grep -q 'AccessDenied.*User: arn:aws:iam::123456789012:user/cli-user is not authorized to perform: iam:ListRoles on resource: \*' "$TMP/err.txt" || fail "access denied message: $(cat "$TMP/err.txt")"
  [ "$(AWS_ACCESS_KEY_ID=$KEY_ID AWS_SECRET_ACCESS_KEY=$KEY_SECRET A sts get-caller-identity --query Arn --output text)" = arn:aws:iam::123456789012:user/cli-user ] || fail "sts get-caller-identity"
  if AWS_SECRET_ACCESS_KEY=wrong A iam list-roles >/dev/null 2>"$TMP/err.txt"; then fail "a wrong secret was accepted"; fi
  grep -q SignatureDoesNotMatch "$TMP/err.txt" || fail "bad signature: $(cat "$TMP/err.txt")"
  if A iam get-role --role-name no-such-role >/dev/null 2>"$TMP/err.txt"; then fail "get-role of a missing role"; fi
  grep -q 'NoSuchEntity.*The role with name no-such-role cannot be found' "$TMP/err.txt" || fail "NoSuchEntity: $(cat "$TMP/err.txt")"
  A iam delete-access-key --user-name cli-user --access-key-id "$KEY_ID" || fail "delete-access-key"
  A iam delete-user --user-name cli-user || fail "delete-user"
  A iam delete-role-policy --role-name cli-role --policy-name inl || fail "delete-role-policy"
  A iam detach-role-policy --role-name cli-role --policy-arn "$POLICY_ARN" || fail "detach-role-policy"
  A iam delete-policy-version --policy-arn "$POLICY_ARN" --version-id v1 || fail "delete-policy-version"
  A iam delete-policy --policy-arn "$POLICY_ARN" || fail "delete-policy"
  A iam delete-role --role-name cli-role || fail "delete-role"
  # RoleLastUsed after assume-role: {} before, then the date and the CLI's region.
  A iam create-role --role-name cli-assumed --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}' >/dev/null || fail "create-role cli-assumed"
  A iam get-role --role-name cli-assumed >"$TMP/out.json" || fail "get-role cli-assumed"
  python3 -c "import json,sys; assert json.load(open(sys.argv[1]))['Role']['RoleLastUsed'] == {}" "$TMP/out.json" || fail "get-role RoleLastUsed of a role never used: $(cat "$TMP/out.json")"
  A sts assume-role --role-arn arn:aws:iam::123456789012:role/cli-assumed --role-session-name cli >/dev/null || fail "sts assume-role"
  [ "$(A iam get-role --role-name cli-assumed --query Role.RoleLastUsed.Region --output text)" = us-east-1 ] || fail "get-role RoleLastUsed after assume-role: $(A iam get-role --role-name cli-assumed)"
  A iam get-role --role-name cli-assumed --query Role.RoleLastUsed.LastUsedDate --output text | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' || fail "RoleLastUsed.LastUsedDate"
  A iam delete-role --role-name cli-assumed || fail "delete-role cli-assumed"
  echo "serve_e2e: AWS CLI ($("$AWS" --version 2>&1 | cut -d' ' -f1)): ok"
else
  echo "serve_e2e: WARNING: no AWS CLI found; its part is skipped (apt-get install awscli)" >&2
fi

# ---- restart: the data survives, the key file is read back -------------------------------------
stop_server
start_server
grep -q "written to" "$TMP/server.log" && fail "a second key was created on restart"
timeout 60 python3 - "$ENDPOINT" "$TMP/session.json" <<'PY' || fail "after restart"
import json, os, sys, boto3
from botocore.config import Config
cfg = Config(retries={"max_attempts": 1})
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1", config=cfg)
assert iam.get_role(RoleName="survivor")["Role"]["Arn"] == "arn:aws:iam::123456789012:role/survivor"
iam.delete_role(RoleName="survivor")
# The AssumeRole session issued before the restart still works (AWS: until its Expiration).
kc = json.load(open(sys.argv[2]))
def session(svc):
    return boto3.client(svc, endpoint_url=sys.argv[1], region_name="us-east-1", config=cfg, aws_access_key_id=kc["AccessKeyId"],
                        aws_secret_access_key=kc["SecretAccessKey"], aws_session_token=kc["SessionToken"])
who = session("sts").get_caller_identity()
assert who["Arn"] == "arn:aws:sts::123456789012:assumed-role/keeper/keep", who
assert session("iam").get_role(RoleName="keeper")["Role"]["RoleLastUsed"]["Region"] in ("eu-central-1", "us-east-1")
iam.delete_role_policy(RoleName="keeper", PolicyName="read")
iam.delete_role(RoleName="keeper")
print("serve_e2e: restart: data and the STS session survived")
PY
stop_server
echo "serve_e2e: ok"
