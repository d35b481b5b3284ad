#!/usr/bin/env python3
"""Writes a generated stack of N teams to stdout: per team a role, a managed policy, the role's
attachment of it, a group and a user (5 resources per team; 2,000 teams = 10,000 resources, the
issue 3 benchmark). Names are given explicitly so the stack is reproducible.

Usage: generate.py TEAMS [--edit K]   (--edit K changes the policy of the first K teams)
"""
import sys

teams = int(sys.argv[1])
edit = int(sys.argv[sys.argv.index("--edit") + 1]) if "--edit" in sys.argv else 0
out = ["name: bench-teams", "runtime: yaml", "description: generated benchmark stack", "resources:"]
for i in range(teams):
    t = f"t{i:05d}"
    actions = "[s3:GetObject, s3:PutObject]" if i >= edit else "[s3:GetObject]"
    out += [
        f"  {t}Role:",
        "    type: aws:iam:Role",
        "    properties:",
        f"      name: {t}-role",
        "      assumeRolePolicy:",
        "        fn::toJSON:",
        '          Version: "2012-10-17"',
        "          Statement:",
        "            - Effect: Allow",
        "              Principal: { Service: sagemaker.amazonaws.com }",
        "              Action: sts:AssumeRole",
        f"  {t}Policy:",
        "    type: aws:iam:Policy",
        "    properties:",
        f"      name: {t}-data",
        "      policy:",
        "        fn::toJSON:",
        '          Version: "2012-10-17"',
        "          Statement:",
        "            - Effect: Allow",
        f"              Action: {actions}",
        f'              Resource: "arn:aws:s3:::ml-{t}/*"',
        f"  {t}Attach:",
        "    type: aws:iam:RolePolicyAttachment",
        "    properties:",
        f"      role: ${{{t}Role.name}}",
        f"      policyArn: ${{{t}Policy.arn}}",
        f"  {t}Group:",
        "    type: aws:iam:Group",
        "    properties:",
        f"      name: {t}-group",
        f"  {t}User:",
        "    type: aws:iam:User",
        "    properties:",
        f"      name: {t}-user",
    ]
sys.stdout.write("\n".join(out) + "\n")
