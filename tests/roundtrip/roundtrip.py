#!/usr/bin/env python3
"""Random stacks, round trip (issue 3's proof): for each seed, generate a random stack over every
resource type, `apply`, then `plan` must show no changes; apply a few random edits (some of which
are no-ops in IAM's eyes: reordered statements and action lists), `apply`, `plan` again empty;
finally `destroy` and the local IAM must hold nothing.

Usage: roundtrip.py IAMFORGE [--seeds N] [--first S] [--size K]
Exit 0 when every seed round-trips; 1 with the seed, the step and the plan that was not empty.
"""
import json, os, random, shutil, sqlite3, subprocess, sys, tempfile

ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "ec2:DescribeInstances", "ecr:GetAuthorizationToken",
           "logs:PutLogEvents", "kms:Decrypt", "sagemaker:CreateTrainingJob", "dynamodb:GetItem", "sqs:SendMessage"]
RESOURCES = {"s3:GetObject": "arn:aws:s3:::ml-data-{n}/*", "s3:PutObject": "arn:aws:s3:::ml-data-{n}/*",
             "s3:ListBucket": "arn:aws:s3:::ml-data-{n}", "ec2:DescribeInstances": "*",
             "ecr:GetAuthorizationToken": "*", "logs:PutLogEvents": "arn:aws:logs:us-east-1:123456789012:log-group:ml-{n}:*",
             "kms:Decrypt": "arn:aws:kms:us-east-1:123456789012:key/{n}", "sagemaker:CreateTrainingJob": "*",
             "dynamodb:GetItem": "arn:aws:dynamodb:us-east-1:123456789012:table/ml-{n}",
             "sqs:SendMessage": "arn:aws:sqs:us-east-1:123456789012:ml-{n}"}
SERVICES = ["sagemaker.amazonaws.com", "ec2.amazonaws.com", "lambda.amazonaws.com"]


def policy_doc(rng, n_statements=None):
    stmts = []
    for i in range(n_statements or rng.randint(1, 3)):
        acts = rng.sample(ACTIONS, rng.randint(1, 3))
        res = sorted({RESOURCES[a].format(n=rng.randint(0, 3)) for a in acts})
        stmts.append({"Sid": f"S{i}", "Effect": "Allow", "Action": acts, "Resource": res if len(res) > 1 else res[0]})
    return {"Version": "2012-10-17", "Statement": stmts}


def trust(rng):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": rng.choice(SERVICES)},
                                                    "Action": "sts:AssumeRole"}]}


class Stack:
    """A stack as data: logical name -> {type, properties}; properties may reference others."""

    def __init__(self, rng, size):
        self.rng, self.res, self.n = rng, {}, 0
        for _ in range(size):
            self.add_random()

    def new_name(self, kind):
        self.n += 1
        return f"{kind}{self.n}"

    def of_type(self, t):
        return [k for k, v in self.res.items() if v["type"] == t]

    def add_random(self):
        rng = self.rng
        roles, groups, users, policies = (self.of_type("aws:iam:" + t) for t in ("Role", "Group", "User", "Policy"))
        choices = ["Role", "Policy", "Group", "User"]
        if roles: choices += ["RolePolicy", "InstanceProfile"]
        if groups: choices += ["GroupPolicy"]
        if users: choices += ["UserPolicy"]
        if roles and policies: choices += ["RolePolicyAttachment"]
        if groups and policies: choices += ["GroupPolicyAttachment"]
        if users and policies: choices += ["UserPolicyAttachment"]
        if groups and users: choices += ["GroupMembership", "UserGroupMembership"]
        t = rng.choice(choices)
        name = self.new_name(t[0].lower() + t[1:])
        p = {}
        if t == "Role":
            p["assumeRolePolicy"] = {"fn::toJSON": trust(rng)}
            if rng.random() < 0.5: p["description"] = f"role {name}"
            if rng.random() < 0.3: p["maxSessionDuration"] = rng.choice([3600, 7200, 43200])
            if rng.random() < 0.3: p["path"] = "/ml/"
            if rng.random() < 0.3: p["tags"] = {"team": rng.choice(["vision", "nlp", "recsys"])}
        elif t == "Policy":
            p["policy"] = {"fn::toJSON": policy_doc(rng)}
            if rng.random() < 0.3: p["description"] = f"policy {name}"
            if rng.random() < 0.3: p["tags"] = {"team": rng.choice(["vision", "nlp"])}
        elif t in ("Group", "User"):
            if rng.random() < 0.3: p["path"] = "/teams/"
            if t == "User" and rng.random() < 0.3: p["tags"] = {"owner": "ml"}
        elif t in ("RolePolicy", "GroupPolicy", "UserPolicy"):
            owner = {"RolePolicy": ("role", roles), "GroupPolicy": ("group", groups), "UserPolicy": ("user", users)}[t]
            p[owner[0]] = "${%s.name}" % rng.choice(owner[1])
            p["policy"] = {"fn::toJSON": policy_doc(rng)}
        elif t.endswith("PolicyAttachment"):
            key, pool = {"Role": ("role", roles), "Group": ("group", groups), "User": ("user", users)}[t[:-16]]
            taken = {(v["properties"][key], v["properties"]["policyArn"]) for v in self.res.values() if v["type"] == "aws:iam:" + t}
            pair = ("${%s.name}" % rng.choice(pool), "${%s.arn}" % rng.choice(policies))
            per_entity = sum(1 for a, _ in taken if a == pair[0])
            if pair in taken or per_entity >= 10: return
            p[key], p["policyArn"] = pair
        elif t == "InstanceProfile":
            if rng.random() < 0.7: p["role"] = "${%s.name}" % rng.choice(roles)
        elif t == "GroupMembership":
            free = [g for g in groups if not any(v["type"] in ("aws:iam:GroupMembership", "aws:iam:UserGroupMembership")
                                                 and "${%s.name}" % g in json.dumps(v["properties"]) for v in self.res.values())]
            if not free: return
            p["group"] = "${%s.name}" % rng.choice(free)
            p["users"] = ["${%s.name}" % u for u in rng.sample(users, rng.randint(1, min(3, len(users))))]
        elif t == "UserGroupMembership":
            exclusive = {v["properties"]["group"] for v in self.res.values() if v["type"] == "aws:iam:GroupMembership"}
            free_groups = [g for g in groups if "${%s.name}" % g not in exclusive]
            used_users = {v["properties"]["user"] for v in self.res.values() if v["type"] == "aws:iam:UserGroupMembership"}
            free_users = [u for u in users if "${%s.name}" % u not in used_users]
            if not free_groups or not free_users: return
            p["user"] = "${%s.name}" % rng.choice(free_users)
            p["groups"] = ["${%s.name}" % g for g in rng.sample(free_groups, rng.randint(1, min(2, len(free_groups))))]
        self.res[name] = {"type": "aws:iam:" + t, "properties": p}

    def edit_random(self):
        """One random edit; returns its description."""
        rng = self.rng
        name = rng.choice(sorted(self.res))
        r = self.res[name]
        p = r["properties"]
        doc = p.get("policy", {}).get("fn::toJSON") if isinstance(p.get("policy"), dict) else None
        kind = rng.choice(["reorder", "rewrite", "describe", "tag", "delete", "add", "path", "members", "retarget"])
        if kind == "path" and r["type"] in ("aws:iam:Role", "aws:iam:Policy", "aws:iam:Group", "aws:iam:User"):
            p["path"] = rng.choice(["/", "/ml/", "/teams/vision/"])
            return f"move {name} to {p['path']} (replaces roles and policies, updates groups and users)"
        if kind == "members" and r["type"] == "aws:iam:GroupMembership":
            users = self.of_type("aws:iam:User")
            p["users"] = ["${%s.name}" % u for u in rng.sample(users, rng.randint(1, min(3, len(users))))]
            return f"change the members of {name}"
        if kind == "retarget" and r["type"].endswith("PolicyAttachment"):
            key = next(k for k in p if k != "policyArn")
            pair = (p[key], "${%s.arn}" % rng.choice(self.of_type("aws:iam:Policy")))
            taken = {(v["properties"][key], v["properties"]["policyArn"]) for v in self.res.values() if v["type"] == r["type"]}
            if pair not in taken:
                p["policyArn"] = pair[1]
                return f"attach another policy with {name} (a replacement)"
        if kind == "reorder" and doc:
            rng.shuffle(doc["Statement"])
            for s in doc["Statement"]:
                rng.shuffle(s["Action"])
            return f"reorder statements and actions of {name} (no change in IAM's eyes)"
        if kind == "rewrite" and doc:
            p["policy"] = {"fn::toJSON": policy_doc(rng)}
            return f"rewrite the policy of {name}"
        if kind == "describe" and r["type"] == "aws:iam:Role":
            p["description"] = f"edited {rng.randint(0, 999)}"
            return f"describe {name}"
        if kind == "tag" and r["type"] in ("aws:iam:Role", "aws:iam:User", "aws:iam:Policy"):
            p["tags"] = {"edited": str(rng.randint(0, 999))}
            return f"retag {name}"
        if kind == "delete":
            ref = "${%s." % name
            if any(ref in json.dumps(v) for k, v in self.res.items() if k != name):
                return f"(keep {name}: referenced)"
            del self.res[name]
            return f"delete {name}"
        self.add_random()
        return "add a resource"

    def yaml(self):
        # JSON is YAML: the stack file is written as one JSON document.
        return json.dumps({"name": "roundtrip", "runtime": "yaml", "resources": self.res}, indent=1)


def cli(bin_, cwd, *args):
    p = subprocess.run([bin_, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr


def local_entities(cwd):
    db = os.path.join(cwd, ".iamforge", "local-iam.db")
    con = sqlite3.connect(db)
    tables = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
    counts = {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables
              if t.startswith("iam_") and t != "iam_policy_versions"}
    con.close()
    return counts


def main():
    bin_ = os.path.abspath(sys.argv[1])
    arg = lambda k, d: int(sys.argv[sys.argv.index(k) + 1]) if k in sys.argv else d
    seeds, first, size = arg("--seeds", 5), arg("--first", 1), arg("--size", 25)
    failures = 0
    for seed in range(first, first + seeds):
        rng = random.Random(seed)
        stack = Stack(rng, size)
        tmp = tempfile.mkdtemp(prefix=f"roundtrip-{seed}-")
        try:
            def step(what):
                open(os.path.join(tmp, "Pulumi.yaml"), "w").write(stack.yaml())
                rc, out = cli(bin_, tmp, "apply", "--yes")
                if rc != 0:
                    raise AssertionError(f"apply after {what} failed ({rc}):\n{out[-3000:]}")
                rc, out = cli(bin_, tmp, "plan", "--detailed-exitcode")
                if rc != 0:
                    raise AssertionError(f"plan after applying {what} is not empty ({rc}):\n{out[-3000:]}")
            step(f"the first apply of {len(stack.res)} resources")
            edits = [stack.edit_random() for _ in range(rng.randint(1, 5))]
            step("edits: " + "; ".join(edits))
            rc, out = cli(bin_, tmp, "destroy", "--yes")
            if rc != 0:
                raise AssertionError(f"destroy failed ({rc}):\n{out[-3000:]}")
            left = {k: v for k, v in local_entities(tmp).items() if v}
            if left:
                raise AssertionError(f"destroy left entities behind: {left}")
            print(f"seed {seed}: ok ({len(stack.res)} resources; {'; '.join(edits)})")
        except AssertionError as e:
            failures += 1
            keep = tmp + ".failed"
            shutil.copytree(tmp, keep, dirs_exist_ok=True)
            print(f"seed {seed}: FAILED: {e}\n(stack kept in {keep})")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"roundtrip: {seeds - failures}/{seeds} seeds round-trip")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
