#!/usr/bin/env bash
# Crash durability of `iamforge serve` (issue 4: "durable across restarts and crashes; concurrent
# requests are safe; nothing half-written in the store"). Four boto3 clients write concurrently
# (CreateRole, CreatePolicy, AttachRolePolicy, PutRolePolicy, TagRole) while the server is killed
# with SIGKILL at a random moment, three rounds. After each kill: SQLite's integrity_check passes on
# the store, the server restarts on the same data and key file, every write it acknowledged is
# there, and the store is self-consistent (each policy's AttachmentCount equals the roles that list
# it; each attached policy exists; each listed role can be read).
# Usage: serve_crash_test.sh IAMFORGE_BINARY
set -uo pipefail
BIN=${1:?iamforge binary}
TMP=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill -KILL "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "serve_crash_e2e: FAIL: $*" >&2; [ -f "$TMP/server.log" ] && sed 's/^/  server: /' "$TMP/server.log" >&2; exit 1; }

if ! python3 -c 'import boto3' 2>/dev/null; then
  echo "serve_crash_e2e: SKIP: python3 has no boto3 (pip install boto3)" >&2
  exit 77
fi

# shellcheck source=serve_lib.sh
source "$(dirname "$0")/serve_lib.sh"

export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN
: >"$TMP/acked"

for round in 1 2 3; do
  start_of_round=$(wc -l <"$TMP/acked")
  start_server
  # The writers run until the server dies under them; each acknowledged write is journalled.
  timeout 120 python3 - "$ENDPOINT" "$TMP/admin.json" "$TMP/acked" "$round" <<'PY' &
import json, sys, threading
import boto3
from botocore.config import Config
endpoint, keyfile, journal, rnd = sys.argv[1:5]
k = json.load(open(keyfile))["AccessKey"]
cfg = Config(retries={"max_attempts": 0}, connect_timeout=2, read_timeout=5)
lock = threading.Lock()
out = open(journal, "a")
def ack(kind, *names):
    with lock:
        out.write("\t".join((kind,) + names) + "\n"); out.flush()
doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                  "Resource": "arn:aws:s3:::ml-datasets-*/*"}]})
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                    "Principal": {"Service": "sagemaker.amazonaws.com"}}]})
def writer(t):
    iam = boto3.client("iam", endpoint_url=endpoint, aws_access_key_id=k["AccessKeyId"],
                       aws_secret_access_key=k["SecretAccessKey"], config=cfg)
    n = 0
    try:
        while True:
            role, pol = f"r{rnd}-{t}-{n}", f"p{rnd}-{t}-{n}"
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust); ack("role", role)
            arn = iam.create_policy(PolicyName=pol, PolicyDocument=doc)["Policy"]["Arn"]; ack("policy", arn)
            iam.attach_role_policy(RoleName=role, PolicyArn=arn); ack("attach", role, arn)
            iam.put_role_policy(RoleName=role, PolicyName="inline", PolicyDocument=doc); ack("inline", role)
            iam.tag_role(RoleName=role, Tags=[{"Key": "team", "Value": f"t{t}"}]); ack("tag", role, f"t{t}")
            n += 1
    except Exception:
        pass  # the server was killed: the write in flight may or may not have happened
ts = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
for x in ts: x.start()
for x in ts: x.join()
PY
  WRITERS=$!
  # Kill at a random moment while writes are flowing: first wait for the round's first
  # acknowledged write (on a loaded machine, starting Python and boto3 alone can take seconds),
  # then a random 0.3-2 s more.
  for _ in $(seq 600); do
    [ "$(wc -l <"$TMP/acked")" -gt "$start_of_round" ] && break
    kill -0 "$WRITERS" 2>/dev/null || break
    sleep 0.1
  done
  sleep "$(python3 -c 'import random; print(round(random.uniform(0.3, 2.0), 2))')"
  kill -KILL "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""
  wait "$WRITERS"
  acked=$(wc -l <"$TMP/acked")
  [ "$acked" -gt "$start_of_round" ] || fail "round $round: no write was acknowledged before the kill"

  python3 - "$TMP/data" <<'PY' || fail "round $round: the store is damaged after SIGKILL"
import glob, sqlite3, sys
for path in glob.glob(sys.argv[1] + "/*.db"):
    r = sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0]
    if r != "ok":
        sys.exit(f"{path}: integrity_check: {r}")
PY

  start_server
  timeout 120 python3 - "$ENDPOINT" "$TMP/admin.json" "$TMP/acked" "$round" <<'PY' || fail "round $round: after the restart"
import json, sys
import boto3
endpoint, keyfile, journal, rnd = sys.argv[1:5]
k = json.load(open(keyfile))["AccessKey"]
iam = boto3.client("iam", endpoint_url=endpoint, aws_access_key_id=k["AccessKeyId"],
                   aws_secret_access_key=k["SecretAccessKey"])
def pages(op, key, **kw):
    for page in iam.get_paginator(op).paginate(**kw):
        yield from page[key]
roles = {r["RoleName"]: r for r in pages("list_roles", "Roles")}
policies = {p["Arn"]: p for p in pages("list_policies", "Policies", Scope="Local")}
attached = {}
for name in roles:
    attached[name] = {p["PolicyArn"] for p in pages("list_attached_role_policies", "AttachedPolicies", RoleName=name)}
problems = []
for line in open(journal):
    kind, *a = line.rstrip("\n").split("\t")
    if kind == "role" and a[0] not in roles: problems.append(f"acknowledged role {a[0]} is gone")
    if kind == "policy" and a[0] not in policies: problems.append(f"acknowledged policy {a[0]} is gone")
    if kind == "attach" and a[1] not in attached.get(a[0], set()): problems.append(f"acknowledged attachment {a} is gone")
    if kind == "inline" and "inline" not in iam.list_role_policies(RoleName=a[0])["PolicyNames"]:
        problems.append(f"acknowledged inline policy of {a[0]} is gone")
    if kind == "tag" and {"Key": "team", "Value": a[1]} not in iam.get_role(RoleName=a[0])["Role"].get("Tags", []):
        problems.append(f"acknowledged tag of {a[0]} is gone")
for name, r in roles.items():
    if iam.get_role(RoleName=name)["Role"]["RoleId"] != r["RoleId"]: problems.append(f"role {name}: two ids")
    for arn in attached[name]:
        if arn not in policies and not arn.startswith("arn:aws:iam::aws:"): problems.append(f"{name} lists missing {arn}")
for arn, p in policies.items():
    n = sum(arn in s for s in attached.values())
    if p["AttachmentCount"] != n: problems.append(f"{arn}: AttachmentCount {p['AttachmentCount']} but {n} roles list it")
if problems:
    sys.exit("\n".join(problems[:20]))
print(f"serve_crash_e2e: round {rnd}: {sum(1 for _ in open(journal))} acknowledged writes all present; "
      f"{len(roles)} roles, {len(policies)} policies consistent")
PY
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=""
done
echo "serve_crash_e2e: OK (3 SIGKILLs under 4 concurrent writers)"
