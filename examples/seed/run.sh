#!/usr/bin/env bash
# The main job: validate and simulate the founding example's policy, then apply its stack.
set -u
bin=${1:-build/release/src/cli/iamforge}
here=$(dirname "$0")
echo "== iamforge validate examples/seed/ml-policy.json"
"$bin" validate "$here/ml-policy.json"
echo
echo "== can an ML engineer read a training object?"
"$bin" simulate --policy "$here/ml-policy.json" --principal arn:aws:sts::111122223333:assumed-role/mlTeamRole/job-17 \
  --action s3:GetObject --resource arn:aws:s3:::ml-datasets-vision/train/0001.jpg
echo
echo "== can it list the bucket? (no: ListBucket acts on the bucket ARN, which the policy never names)"
"$bin" simulate --policy "$here/ml-policy.json" --principal arn:aws:sts::111122223333:assumed-role/mlTeamRole/job-17 \
  --action s3:ListBucket --resource arn:aws:s3:::ml-datasets-vision
echo
echo "== can it terminate any instance? (yes: Resource \"*\", flagged above)"
"$bin" simulate --policy "$here/ml-policy.json" --principal arn:aws:sts::111122223333:assumed-role/mlTeamRole/job-17 \
  --action ec2:TerminateInstances --resource arn:aws:ec2:us-east-1:111122223333:instance/i-0abc
echo
# The founding stack, applied to the embedded local IAM in a scratch copy under build/ (state and
# the local IAM live in build/seed-stack/.iamforge/); a second run reports no changes.
scratch=$(realpath -m "$here/../../build/seed-stack")
mkdir -p "$scratch"
cp "$here/stack.yaml" "$scratch/Pulumi.yaml"
echo "== iamforge apply --yes (examples/seed/stack.yaml in build/seed-stack/)"
abs_bin=$(realpath "$bin")
(cd "$scratch" && "$abs_bin" apply --yes 2>"$scratch/apply.err") || { cat "$scratch/apply.err" >&2; exit 1; }
