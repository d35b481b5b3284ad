#!/usr/bin/env python3
"""Writes a generated stack for crash_test.sh: N roles, N managed policies, N role attachments,
N inline role policies, N/2 groups, users and (exclusive) group memberships, N group attachments.
Variant "b" changes some of it: role descriptions and policy documents (updates), a role path
(replacement, with the attachments and inline policies on it), fewer inline policies and group
attachments (deletes). Prints the expected count of each IAM entity as JSON on stderr."""
import json
import sys

n = int(sys.argv[1])
variant = sys.argv[2] if len(sys.argv) > 2 else "a"
b = variant == "b"
out = ["name: crash", "runtime: yaml", "resources:"]
trust = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
         '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
count = {"roles": 0, "policies": 0, "attachments": 0, "inline": 0, "groups": 0, "users": 0, "members": 0}
for i in range(n):
    act = "s3:PutObject" if b and i % 3 == 0 else "s3:GetObject"
    out += [f"  role{i}:", "    type: aws:iam:Role", "    properties:", f"      assumeRolePolicy: '{trust}'"]
    if b and i % 5 == 0:
        out += [f"      description: role {i} v2"]
    if b and i % 10 == 1:
        out += ["      path: /moved/"]
    count["roles"] += 1
    doc = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"%s",'
           '"Resource":"arn:aws:s3:::b%d/*"}]}' % (act, i))
    out += [f"  pol{i}:", "    type: aws:iam:Policy", "    properties:", f"      policy: '{doc}'"]
    count["policies"] += 1
    out += [f"  rpa{i}:", "    type: aws:iam:RolePolicyAttachment", "    properties:",
            f"      role: ${{role{i}.name}}", f"      policyArn: ${{pol{i}.arn}}"]
    count["attachments"] += 1
    if not b or i % 7:
        inline = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage",'
                  '"Resource":"arn:aws:sqs:us-east-1:123456789012:q%d"}]}' % i)
        out += [f"  inl{i}:", "    type: aws:iam:RolePolicy", "    properties:", f"      role: ${{role{i}.name}}",
                f"      policy: '{inline}'"]
        count["inline"] += 1
for g in range(n // 2):
    out += [f"  grp{g}:", "    type: aws:iam:Group", f"  usr{g}:", "    type: aws:iam:User"]
    out += [f"  mem{g}:", "    type: aws:iam:GroupMembership", "    properties:", f"      group: ${{grp{g}.name}}",
            f"      users: [\"${{usr{g}.name}}\"]"]
    count["groups"] += 1
    count["users"] += 1
    count["members"] += 1
    for k in (0, 1):
        if b and k == 1 and g % 4 == 0:
            continue
        out += [f"  gpa{g}x{k}:", "    type: aws:iam:GroupPolicyAttachment", "    properties:",
                f"      group: ${{grp{g}.name}}", f"      policyArn: ${{pol{(2 * g + k) % n}.arn}}"]
        count["attachments"] += 1
print("\n".join(out))
print(json.dumps(count), file=sys.stderr)
