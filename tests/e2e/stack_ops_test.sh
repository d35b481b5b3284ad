#!/usr/bin/env bash
# End-to-end checks of refresh (drift of each kind), plan --refresh, import (command and option),
# history, --config / Pulumi.<stack>.yaml, --parallel, --format json, protect, retainOnDelete,
# namePrefix, ignoreChanges and replacements on the embedded local IAM.
# Out-of-band changes are made by a second stack ("hand") on the same local IAM, as a person
# with the console would. Usage: stack_ops_test.sh IAMFORGE ROOT
set -u
bin=$(realpath "$1"); root=$(realpath "$2")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()   { pass=$((pass+1)); }
bad()  { fail=$((fail+1)); echo "FAIL: $*"; }
expect_rc() { local want=$1; shift; "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; local rc=$?; [ "$rc" = "$want" ] && ok || { bad "rc $rc != $want: $*"; cat "$tmp/out" "$tmp/err" | tail -8; }; }
has() { grep -q -- "$1" "$tmp/out" && ok || { bad "output lacks '$1' ($2)"; head -20 "$tmp/out"; }; }
has_err() { grep -q -- "$1" "$tmp/err" && ok || { bad "stderr lacks '$1' ($2)"; head -5 "$tmp/err"; }; }
json() { python3 -c "import json,sys; d=json.load(open('$tmp/out')); sys.exit(0 if ($1) else 1)" && ok || { bad "json: $1 ($2)"; head -c 600 "$tmp/out"; echo; }; }
command -v python3 >/dev/null || { echo "stack_ops_test: python3 missing; skipped"; exit 77; }
cd "$tmp"

# The founding example plus a user in the (exclusive) group membership.
cp "$root/examples/seed/stack.yaml" Pulumi.yaml
python3 - <<'PY'
t = open("Pulumi.yaml").read()
i = t.index("outputs:")
t = t[:i] + """  member:
    type: aws:iam:User
  members:
    type: aws:iam:GroupMembership
    properties:
      group: ${mlTeamGroup.name}
      users: ["${member.name}"]
""" + t[i:]
open("Pulumi.yaml", "w").write(t)
PY
expect_rc 0 "$bin" apply --yes --parallel 1
has "\[7/7\] created" "progress with counts"
expect_rc 0 "$bin" plan --detailed-exitcode
st() { python3 -c "import json,sys,sqlite3; c=sqlite3.connect('.iamforge/state.db'); print(c.execute(\"SELECT $1 FROM resources WHERE stack='dev' AND logical_name='$2'\").fetchone()[0])"; }
group=$(st physical_name mlTeamGroup); policy_arn=$(st physical_id mlPolicy); role=$(st physical_name mlTeamRole)

# Out of band, through the stack "hand": the managed policy edited (import + a new document), a
# user added to the exclusive membership, the group attachment removed (imported, then deleted).
cat >hand.yaml <<YAML
name: hand
runtime: yaml
resources:
  edited:
    type: aws:iam:Policy
    properties:
      name: $(st physical_name mlPolicy)
      description: Policy for Machine Learning Team
      policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
    options:
      import: $policy_arn
      retainOnDelete: true
  intruder:
    type: aws:iam:User
  intrusion:
    type: aws:iam:UserGroupMembership
    properties:
      user: \${intruder.name}
      groups: ["$group"]
YAML
expect_rc 0 "$bin" plan -f hand.yaml --stack hand
has "= edited (aws:iam:Policy): import $policy_arn" "import option in plan"
has "policy:" "import shows the diff"
has "1 to import" "import summary"
expect_rc 0 "$bin" apply -f hand.yaml --stack hand --yes
has "imported edited" "import applied"
expect_rc 0 "$bin" import aws:iam:GroupPolicyAttachment gone "$group/$policy_arn" -f hand.yaml --stack hand
has "Imported gone" "import command"
has "type: aws:iam:GroupPolicyAttachment" "import prints the declaration"
expect_rc 1 "$bin" import aws:iam:GroupPolicyAttachment gone "$group/$policy_arn" -f hand.yaml --stack hand
has_err "engine.import" "import twice"
expect_rc 1 "$bin" import aws:iam:Group nosuch nosuch-group -f hand.yaml --stack hand
has_err "does not exist" "import of nothing"
expect_rc 1 "$bin" import aws:iam:Nope x y -f hand.yaml --stack hand
expect_rc 2 "$bin" import aws:iam:Group onlytwo -f hand.yaml --stack hand
expect_rc 0 "$bin" apply -f hand.yaml --stack hand --yes
has "deleted gone" "attachment removed by hand"

# refresh sees all three; plan shows what apply puts back.
expect_rc 2 "$bin" refresh --detailed-exitcode
has "~ mlPolicy (aws:iam:Policy): drifted" "policy drift"
has "- groupRoleAttachment (aws:iam:GroupPolicyAttachment): deleted outside the stack" "attachment drift"
has "~ members (aws:iam:GroupMembership): drifted" "membership drift"
has "Refresh: 7 read, 3 drifted" "refresh summary"
expect_rc 2 "$bin" plan --detailed-exitcode
has "~ mlPolicy (aws:iam:Policy): update" "plan puts the policy back"
has "+ groupRoleAttachment (aws:iam:GroupPolicyAttachment): create" "plan puts the attachment back"
has "~ members (aws:iam:GroupMembership): update" "plan puts the membership back"
expect_rc 0 "$bin" apply --yes
expect_rc 0 "$bin" refresh --detailed-exitcode --format json
json 'd["drift"] == [] and d["read"] == 7' "refresh json after apply"
expect_rc 0 "$bin" plan --detailed-exitcode

# plan --refresh folds drift in (a deleted user, as `hand` sees it gone from its own stack too).
expect_rc 0 "$bin" destroy -f hand.yaml --stack hand --yes
has "forgotten (retainOnDelete) edited" "retainOnDelete kept the policy"
expect_rc 0 "$bin" output ml_policy_arn
[ "$(cat "$tmp/out")" = "$policy_arn" ] && ok || bad "policy survived the hand stack's destroy"
# A user deleted out of band (imported into another stack, which then drops it).
expect_rc 0 "$bin" import aws:iam:User member "$(st physical_name member)" -f hand.yaml --stack hand2
printf 'name: hand2\nruntime: yaml\nresources: {}\n' >hand2.yaml
expect_rc 0 "$bin" apply -f hand2.yaml --stack hand2 --yes
has "deleted member" "user deleted by hand"
expect_rc 2 "$bin" plan --refresh --detailed-exitcode
has "- member (aws:iam:User): deleted outside the stack" "plan --refresh shows the drift"
has "+ member (aws:iam:User): create" "plan --refresh folds it in"
has "Refresh: 7 read, 2 drifted" "plan --refresh summary (the user and the membership it left)"
expect_rc 0 "$bin" plan --refresh --format json
json 'd["refresh"]["read"] == 6 and d["summary"]["create"] == 1' "plan --refresh json"
# A failed apply (a fixed name that exists) is in history with its error.
printf 'name: hand3\nruntime: yaml\nresources:\n  g:\n    type: aws:iam:Group\n    properties:\n      name: %s\n' "$group" >hand3.yaml
expect_rc 1 "$bin" apply -f hand3.yaml --stack hand3 --yes
has_err "EntityAlreadyExists" "failed apply error"
expect_rc 0 "$bin" history --stack hand3 --format json
json 'd[-1]["result"].startswith("failed: ")' "failed apply in history"

# history: every apply, destroy, refresh and import, with what and the result.
expect_rc 0 "$bin" history
has "apply  Plan: 7 to create" "history human"
has "refresh" "history has refresh"
expect_rc 0 "$bin" history --format json
json 'len(d) >= 5 and d[0]["kind"] == "apply" and d[0]["result"] == "succeeded" and "create mlTeamRole" in d[0]["operations"]' "history json"

# apply --format json; a policy replacement (description forces it) with its attachments, create
# before delete, the old copies deleted last.
sed -i 's/Policy for Machine Learning Team/Policy for the ML team/' Pulumi.yaml
expect_rc 0 "$bin" apply --yes --format json
json 'd["ok"] and d["plan"]["summary"]["replace"] == 1 and "replace mlPolicy" in d["operations"] and "delete replaced mlPolicy" in d["operations"]' "apply json"
expect_rc 0 "$bin" plan --detailed-exitcode
expect_rc 0 "$bin" output ml_policy_arn
[ "$(cat "$tmp/out")" != "$policy_arn" ] && ok || bad "replaced policy has a new ARN"

# Config: Pulumi.<stack>.yaml and --config on top; a typed default.
mkdir cfg && cd cfg
cat >Pulumi.yaml <<'YAML'
name: cfg
runtime: yaml
config:
  team:
    type: string
    default: ml
resources:
  g:
    type: aws:iam:Group
    properties:
      name: ${team}-${pulumi.stack}
YAML
expect_rc 0 "$bin" plan --format json
json 'd["changes"][0]["properties"][0]["after"] == "ml-dev"' "config default"
printf 'config:\n  cfg:team: data\n' >Pulumi.prod.yaml
expect_rc 0 "$bin" plan --stack prod --format json
json 'd["changes"][0]["properties"][0]["after"] == "data-prod"' "Pulumi.prod.yaml"
expect_rc 0 "$bin" plan --stack prod --config team=ops --format json
json 'd["changes"][0]["properties"][0]["after"] == "ops-prod"' "--config over the file"
expect_rc 1 "$bin" plan --config novalue
printf 'config:\n  cfg:team: [\n' >Pulumi.bad.yaml
expect_rc 1 "$bin" plan --stack bad
has_err "Pulumi.bad.yaml:" "bad config file location"
cd ..

# Options: protect refuses destroy and deleting by removal; namePrefix; ignoreChanges; replacement.
mkdir opts && cd opts
trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
cat >Pulumi.yaml <<YAML
name: opts
runtime: yaml
resources:
  keep:
    type: aws:iam:Group
    options:
      protect: true
  pre:
    type: aws:iam:Role
    properties:
      namePrefix: app-
      description: first
      assumeRolePolicy: '$trust'
    options:
      ignoreChanges: [description]
YAML
expect_rc 0 "$bin" apply --yes
grep -Eq "app-[0-9]{18}[0-9a-f]{8}" <(python3 -c "import sqlite3; print(sqlite3.connect('.iamforge/state.db').execute(\"SELECT physical_name FROM resources WHERE logical_name='pre'\").fetchone()[0])") && ok || bad "namePrefix name"
sed -i 's/description: first/description: second/' Pulumi.yaml
expect_rc 0 "$bin" plan --detailed-exitcode
has "No changes." "ignoreChanges"
sed -i 's/      namePrefix: app-/      namePrefix: svc-/' Pulumi.yaml
expect_rc 2 "$bin" plan --detailed-exitcode
has "+ pre (aws:iam:Role): replace (forced by namePrefix; create before delete)" "replacement create-before-delete"
expect_rc 0 "$bin" apply --yes
has "replaced pre" "replaced"
has "deleted replaced pre" "old copy deleted after"
expect_rc 1 "$bin" destroy --yes
has_err "engine.protected" "destroy refuses protect"
python3 - <<'PY'
t = open("Pulumi.yaml").read()
t = t.replace("  keep:\n    type: aws:iam:Group\n    options:\n      protect: true\n", "")
open("Pulumi.yaml", "w").write(t)
PY
expect_rc 1 "$bin" plan
has_err "engine.protected" "removing a protected resource"
cd ..

echo "stack_ops_test: $pass passed, $fail failed"
[ "$fail" = 0 ]
