#!/usr/bin/env bash
# The main job until the stack engine lands: validate and simulate the founding example's policy.
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
