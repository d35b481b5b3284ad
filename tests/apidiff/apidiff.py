#!/usr/bin/env python3
"""Differential API test (issue 4): one IAM scenario run with boto3 against moto's server and
against `iamforge serve`, replies normalized (ids, dates, request ids masked) and compared.

Every difference must be listed, with its justification, in differences.tsv beside this file
(step, JSON path, reason); an unlisted difference or a listed one that no longer occurs fails.

Usage: apidiff.py IAMFORGE [--keep]      (IAMFORGE: the iamforge binary; needs moto_server, boto3)
Exit: 0 agree (up to listed differences), 1 differences, 77 skipped (moto_server or boto3 missing).
"""
import datetime, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

try:
    import boto3, botocore.config, botocore.exceptions
except ImportError:
    print("SKIP: boto3 is not installed", file=sys.stderr); sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
ACCOUNT = "123456789012"  # moto's default account; iamforge serve is started with the same

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
TRUST2 = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
DOC1 = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::ml-datasets-*/*"}]})
DOC2 = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ml-datasets-*/*"}]})
ROOT_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})
POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/ml/ml-data"
PROBE_ARN = f"arn:aws:iam::{ACCOUNT}:policy/probe"

# The scenario: (step name, client, operation, parameters). Names are unique: they key differences.tsv.
SCENARIO = [
    ("create-role", "iam", "create_role", dict(RoleName="ml-team", Path="/ml/", AssumeRolePolicyDocument=TRUST,
                                                Description="ML team", MaxSessionDuration=7200,
                                                Tags=[{"Key": "team", "Value": "ml"}])),
    ("create-role-again", "iam", "create_role", dict(RoleName="ml-team", AssumeRolePolicyDocument=TRUST)),
    ("create-role-bad-doc", "iam", "create_role", dict(RoleName="bad", AssumeRolePolicyDocument="{not json")),
    ("create-role-bad-name", "iam", "create_role", dict(RoleName="bad name!", AssumeRolePolicyDocument=TRUST)),
    ("get-role", "iam", "get_role", dict(RoleName="ml-team")),
    ("get-role-missing", "iam", "get_role", dict(RoleName="nobody")),
    ("update-role", "iam", "update_role", dict(RoleName="ml-team", Description="ML team (vision)")),
    ("update-trust", "iam", "update_assume_role_policy", dict(RoleName="ml-team", PolicyDocument=TRUST2)),
    ("get-role-updated", "iam", "get_role", dict(RoleName="ml-team")),
    ("list-roles", "iam", "list_roles", dict(PathPrefix="/ml/")),
    ("tag-role", "iam", "tag_role", dict(RoleName="ml-team", Tags=[{"Key": "cost", "Value": "42"}])),
    ("untag-role", "iam", "untag_role", dict(RoleName="ml-team", TagKeys=["team"])),
    ("create-policy", "iam", "create_policy", dict(PolicyName="ml-data", Path="/ml/", PolicyDocument=DOC1,
                                                    Description="datasets")),
    ("get-policy", "iam", "get_policy", dict(PolicyArn=POLICY_ARN)),
    ("create-version", "iam", "create_policy_version", dict(PolicyArn=POLICY_ARN, PolicyDocument=DOC2, SetAsDefault=True)),
    ("list-versions", "iam", "list_policy_versions", dict(PolicyArn=POLICY_ARN)),
    ("get-version-1", "iam", "get_policy_version", dict(PolicyArn=POLICY_ARN, VersionId="v1")),
    ("set-default-1", "iam", "set_default_policy_version", dict(PolicyArn=POLICY_ARN, VersionId="v1")),
    ("delete-default-version", "iam", "delete_policy_version", dict(PolicyArn=POLICY_ARN, VersionId="v1")),
    ("delete-version-2", "iam", "delete_policy_version", dict(PolicyArn=POLICY_ARN, VersionId="v2")),
    ("attach-role-policy", "iam", "attach_role_policy", dict(RoleName="ml-team", PolicyArn=POLICY_ARN)),
    ("list-attached-role", "iam", "list_attached_role_policies", dict(RoleName="ml-team")),
    ("delete-role-with-policy", "iam", "delete_role", dict(RoleName="ml-team")),
    ("put-role-policy", "iam", "put_role_policy", dict(RoleName="ml-team", PolicyName="inline", PolicyDocument=DOC2)),
    ("get-role-policy", "iam", "get_role_policy", dict(RoleName="ml-team", PolicyName="inline")),
    ("list-role-policies", "iam", "list_role_policies", dict(RoleName="ml-team")),
    ("create-group", "iam", "create_group", dict(GroupName="ml-group", Path="/ml/")),
    ("create-user", "iam", "create_user", dict(UserName="alice", Tags=[{"Key": "team", "Value": "ml"}])),
    ("get-user", "iam", "get_user", dict(UserName="alice")),
    ("add-user-to-group", "iam", "add_user_to_group", dict(GroupName="ml-group", UserName="alice")),
    ("get-group", "iam", "get_group", dict(GroupName="ml-group")),
    ("list-groups-for-user", "iam", "list_groups_for_user", dict(UserName="alice")),
    ("attach-group-policy", "iam", "attach_group_policy", dict(GroupName="ml-group", PolicyArn=POLICY_ARN)),
    ("list-attached-group", "iam", "list_attached_group_policies", dict(GroupName="ml-group")),
    ("put-user-policy", "iam", "put_user_policy", dict(UserName="alice", PolicyName="own", PolicyDocument=DOC2)),
    ("list-user-policies", "iam", "list_user_policies", dict(UserName="alice")),
    ("create-access-key", "iam", "create_access_key", dict(UserName="alice")),
    ("list-access-keys", "iam", "list_access_keys", dict(UserName="alice")),
    ("create-instance-profile", "iam", "create_instance_profile", dict(InstanceProfileName="ml-ip", Path="/ml/")),
    ("add-role-to-ip", "iam", "add_role_to_instance_profile", dict(InstanceProfileName="ml-ip", RoleName="ml-team")),
    ("get-instance-profile", "iam", "get_instance_profile", dict(InstanceProfileName="ml-ip")),
    ("list-ip-for-role", "iam", "list_instance_profiles_for_role", dict(RoleName="ml-team")),
    ("list-policies-local", "iam", "list_policies", dict(Scope="Local")),
    ("simulate-custom", "iam", "simulate_custom_policy", dict(PolicyInputList=[DOC1], ActionNames=["s3:GetObject", "s3:DeleteObject"],
                                                            ResourceArns=["arn:aws:s3:::ml-datasets-1/a"])),
    ("caller-identity", "sts", "get_caller_identity", dict()),
    # Clean-up, in the order IAM requires.
    ("remove-role-from-ip", "iam", "remove_role_from_instance_profile", dict(InstanceProfileName="ml-ip", RoleName="ml-team")),
    ("delete-instance-profile", "iam", "delete_instance_profile", dict(InstanceProfileName="ml-ip")),
    ("detach-group-policy", "iam", "detach_group_policy", dict(GroupName="ml-group", PolicyArn=POLICY_ARN)),
    ("remove-user-from-group", "iam", "remove_user_from_group", dict(GroupName="ml-group", UserName="alice")),
    ("delete-group", "iam", "delete_group", dict(GroupName="ml-group")),
    ("delete-user-policy", "iam", "delete_user_policy", dict(UserName="alice", PolicyName="own")),
    ("delete-role-policy", "iam", "delete_role_policy", dict(RoleName="ml-team", PolicyName="inline")),
    ("detach-role-policy", "iam", "detach_role_policy", dict(RoleName="ml-team", PolicyArn=POLICY_ARN)),
    ("detach-again", "iam", "detach_role_policy", dict(RoleName="ml-team", PolicyArn=POLICY_ARN)),
    ("delete-policy", "iam", "delete_policy", dict(PolicyArn=POLICY_ARN)),
    ("delete-role", "iam", "delete_role", dict(RoleName="ml-team")),
    ("list-roles-after", "iam", "list_roles", dict(PathPrefix="/ml/")),
    # Delete prerequisites (reference §5.7), last, so that an implementation that skips them does not
    # change the steps above.
    ("probe-role", "iam", "create_role", dict(RoleName="probe", AssumeRolePolicyDocument=TRUST)),
    ("probe-policy", "iam", "create_policy", dict(PolicyName="probe", PolicyDocument=DOC1)),
    ("probe-attach", "iam", "attach_role_policy", dict(RoleName="probe", PolicyArn=PROBE_ARN)),
    ("delete-attached-policy", "iam", "delete_policy", dict(PolicyArn=PROBE_ARN)),
    ("probe-group", "iam", "create_group", dict(GroupName="probe")),
    ("probe-user", "iam", "create_user", dict(UserName="probe")),
    ("probe-member", "iam", "add_user_to_group", dict(GroupName="probe", UserName="probe")),
    ("delete-group-with-member", "iam", "delete_group", dict(GroupName="probe")),
    ("delete-user-in-group", "iam", "delete_user", dict(UserName="probe")),
    # RoleLastUsed once a role is used (assumed), last too.
    ("used-role", "iam", "create_role", dict(RoleName="used", AssumeRolePolicyDocument=ROOT_TRUST)),
    ("assume-used", "sts", "assume_role", dict(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/used", RoleSessionName="apidiff")),
    ("get-used-role", "iam", "get_role", dict(RoleName="used")),
]

ID_RE = re.compile(r"^(AROA|ANPA|AGPA|AIDA|AIPA|AKIA|ASIA)[A-Z0-9]{12,}$")


def normalize(value, path="$"):
    """Masks what legitimately differs between two IAM implementations: ids, dates, secrets."""
    if isinstance(value, dict):
        return {k: normalize(v, f"{path}.{k}") for k, v in sorted(value.items()) if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [normalize(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, datetime.datetime):
        return "<date>"
    if isinstance(value, str):
        key = path.rsplit(".", 1)[-1]
        if key in ("RoleId", "PolicyId", "GroupId", "UserId", "InstanceProfileId", "AccessKeyId"):
            # Unique ids are random; only their shape (AWS's prefix + 17 characters) is compared.
            return value[:4] + "<id>" if ID_RE.match(value) else "<id in a non-AWS format>"
        if ID_RE.match(value):
            return value[:4] + "<id>"
        if path.endswith(".SecretAccessKey") or path.endswith(".SessionToken"):
            return "<secret>"
        if path.endswith(".AssumedRoleId") and ":" in value:  # role id : session name
            head, _, tail = value.partition(":")
            return (head[:4] + "<id>" if ID_RE.match(head) else "<id in a non-AWS format>") + ":" + tail
        if path.endswith(".UserId") and ":" not in value:
            return "<id>"
    return value


def flatten(value, path="$"):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(flatten(v, f"{path}.{k}"))
        return out or {path: "{}"}
    if isinstance(value, list):
        out = {f"{path}.length": len(value)}
        for i, v in enumerate(value):
            out.update(flatten(v, f"{path}[{i}]"))
        return out
    return {path: value}


def run(clients):
    replies = {}
    for step, service, op, params in SCENARIO:
        try:
            reply = getattr(clients[service], op)(**params)
            replies[step] = {"ok": normalize(reply)}
        except botocore.exceptions.ClientError as e:
            err = e.response.get("Error", {})
            replies[step] = {"error": {"Code": err.get("Code"),
                                       "HTTPStatus": e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")}}
        except Exception as e:  # noqa: BLE001 -- e.g. a 500 page that is not XML (ResponseParserError)
            replies[step] = {"error": {"Code": "<" + type(e).__name__ + ">"}}
    return replies


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, proc, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers (with an error for a bare GET): up
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url}: no answer within {seconds} s")


def clients_for(url, key, secret):
    cfg = botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30)
    kw = dict(endpoint_url=url, aws_access_key_id=key, aws_secret_access_key=secret, region_name="us-east-1", config=cfg)
    return {"iam": boto3.client("iam", **kw), "sts": boto3.client("sts", **kw)}


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr); return 2
    iamforge = os.path.abspath(sys.argv[1])
    if not shutil.which("moto_server"):
        print("SKIP: moto_server is not installed (make setup installs it)", file=sys.stderr); return 77
    tmp = tempfile.mkdtemp(prefix="apidiff-")
    procs = []
    try:
        mport = free_port()
        moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(mport)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        procs.append(moto)
        murl = f"http://127.0.0.1:{mport}"
        wait_http(murl, moto)

        fport = free_port()
        if iamforge.endswith("--moto-twice"):  # the harness checked against itself: two motos must agree
            other = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(fport)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
            procs.append(other)
            wait_http(f"http://127.0.0.1:{fport}", other)
            theirs = run(clients_for(murl, "testing", "testing"))
            ours = run(clients_for(f"http://127.0.0.1:{fport}", "testing", "testing"))
            for step, *_ in SCENARIO:
                if theirs[step] != ours[step]:
                    print("DIFFERS", step, theirs[step], ours[step])
            print(json.dumps(theirs, indent=1, default=str)[:int(os.environ.get("APIDIFF_DUMP", "0"))])
            return 0 if theirs == ours else 1
        keyfile = os.path.join(tmp, "admin-key.json")
        serve = subprocess.Popen([iamforge, "serve", "--listen", f"127.0.0.1:{fport}", "--data", os.path.join(tmp, "data"),
                                  "--account", ACCOUNT, "--admin-key-file", keyfile],
                                 stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "serve.err"), "w"))
        procs.append(serve)
        furl = f"http://127.0.0.1:{fport}"
        wait_http(furl, serve)
        key = json.load(open(keyfile))["AccessKey"]

        theirs = run(clients_for(murl, "testing", "testing"))
        ours = run(clients_for(furl, key["AccessKeyId"], key["SecretAccessKey"]))
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if "--keep" not in sys.argv:
            shutil.rmtree(tmp, ignore_errors=True)

    listed = {}
    for line in open(os.path.join(HERE, "differences.tsv")):
        if line.strip() and not line.startswith("#"):
            step, path, reason = line.rstrip("\n").split("\t", 2)
            listed[(step, path)] = reason
    seen, unlisted = set(), []
    for step, *_ in SCENARIO:
        a, b = flatten(theirs[step]), flatten(ours[step])
        for path in sorted(set(a) | set(b)):
            if a.get(path, "<absent>") != b.get(path, "<absent>"):
                # A listed difference may name a path prefix (a whole reply or sub-tree).
                hit = next((k for k in listed if k[0] == step and path.startswith(k[1])), None)
                if hit:
                    seen.add(hit)
                else:
                    unlisted.append(f"{step}\t{path}\tmoto={a.get(path, '<absent>')!r} iamforge={b.get(path, '<absent>')!r}")
    stale = [f"{s}\t{p}" for (s, p) in listed if (s, p) not in seen]
    steps = len(SCENARIO)
    print(f"apidiff: {steps} steps against moto and iamforge serve; {len(seen)} listed differences seen, "
          f"{len(unlisted)} unlisted, {len(stale)} stale")
    for u in unlisted:
        print("UNLISTED\t" + u)
    for s in stale:
        print("STALE (no longer differs; remove from differences.tsv)\t" + s)
    return 1 if unlisted or stale else 0


if __name__ == "__main__":
    sys.exit(main())
