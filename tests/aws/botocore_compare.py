#!/usr/bin/env python3
"""Signs the same IAM requests with botocore's SigV4Auth and with iamforge (tests/aws/sign_tool.cpp)
and compares the Authorization headers. The bodies are what botocore's own Query serializer sends
for real IAM operations (including UTF-8, '+', spaces, tags, empty lists), signed for AWS's global
endpoint and for local endpoints with ports, with and without session tokens.

Usage: botocore_compare.py PATH/TO/aws_sign_tool      Exit: 0 agree, 1 differ, 77 botocore missing.
"""
import datetime
import subprocess
import sys
from unittest import mock

try:
    import botocore.auth
    import botocore.awsrequest
    import botocore.serialize
    from botocore.credentials import Credentials
    from botocore.session import get_session
except ImportError as exc:  # pragma: no cover
    print("#" * 78)
    print(f"# SKIPPED: botocore is not importable ({exc}); install python3-botocore or")
    print("# `python3 -m pip install botocore` to compare iamforge's SigV4 with botocore's.")
    print("#" * 78)
    sys.exit(77)

TRUST = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
CASES = [
    ("CreateRole", {"RoleName": "app-role", "AssumeRolePolicyDocument": TRUST, "Path": "/team a/",
                    "Description": "ünïcode + spaces & symbols =/?", "MaxSessionDuration": 7200,
                    "Tags": [{"Key": "env", "Value": "dev"}, {"Key": "cost center", "Value": "a+b"}]}),
    ("ListRoles", {}),
    ("ListRoles", {"PathPrefix": "/team/", "MaxItems": 5, "Marker": "abc/def+=="}),
    ("PutRolePolicy", {"RoleName": "r", "PolicyName": "p", "PolicyDocument": '{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}'}),
    ("UntagRole", {"RoleName": "r", "TagKeys": ["a", "b~c", "d.e"]}),
    ("TagRole", {"RoleName": "r", "Tags": []}),
    ("CreatePolicyVersion", {"PolicyArn": "arn:aws:iam::123456789012:policy/p", "PolicyDocument": "{}", "SetAsDefault": True}),
    ("ListPolicies", {"Scope": "Local", "OnlyAttached": True, "PolicyUsageFilter": "PermissionsBoundary"}),
    ("GetUser", {}),
]
ENDPOINTS = [("https://iam.amazonaws.com", "us-east-1"), ("http://127.0.0.1:5000", "eu-west-1"),
             ("http://localhost:4566/", "us-east-1")]
CREDS = [("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
         ("ASIAEXAMPLETEMPORARY", "tempSecret+/==", "FwoGZXIvYXdzE//////////wEaDP+token=")]
WHEN = datetime.datetime(2026, 11, 28, 4, 5, 6)


def main() -> int:
    tool = sys.argv[1]
    model = get_session().get_service_model("iam")
    serializer = botocore.serialize.create_serializer("query")
    blocks, expected, labels = [], [], []
    for endpoint, region in ENDPOINTS:
        for akid, secret, token in CREDS:
            for op, params in CASES:
                rd = serializer.serialize_to_request(params, model.operation_model(op))
                botocore.awsrequest.prepare_request_dict(rd, endpoint)
                req = botocore.awsrequest.create_request_object(rd)
                with mock.patch("botocore.auth.get_current_datetime", return_value=WHEN):
                    botocore.auth.SigV4Auth(Credentials(akid, secret, token or None), "iam", region).add_auth(req)
                body = req.body.decode() if isinstance(req.body, bytes) else (req.body or "")
                url = req.url.split("://", 1)[1]
                path = "/" + url.split("/", 1)[1] if "/" in url else "/"
                query = ""
                if "?" in path:
                    path, query = path.split("?", 1)
                headers = [("Content-Type", req.headers["Content-Type"]),
                           ("Host", botocore.auth._host_from_url(req.url))]
                block = [akid, secret, token, region, "iam", req.headers["X-Amz-Date"], req.method, path, query,
                         str(len(headers))] + [f"{k}: {v}" for k, v in headers]
                blocks.append("\n".join(block) + "\n" + body)
                expected.append(req.headers["Authorization"])
                labels.append(f"{op} {endpoint} {region} {'token' if token else 'long-term'}")
    out = subprocess.run([tool], input="\n%%\n".join(blocks), capture_output=True, text=True, timeout=60, check=True)
    got = out.stdout.splitlines()
    failures = 0
    for label, want, have in zip(labels, expected, got):
        if want != have:
            failures += 1
            print(f"DIFFER {label}\n  botocore: {want}\n  iamforge: {have}")
    if len(got) != len(expected):
        print(f"expected {len(expected)} signatures, got {len(got)}")
        failures += 1
    print(f"botocore {botocore.__version__}: {len(expected) - failures}/{len(expected)} signatures identical")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
