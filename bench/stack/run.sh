#!/usr/bin/env bash
# Issue 3's stack benchmark: a generated stack of 10,000 resources (2,000 each of roles, managed
# policies, role attachments, groups, users) on the embedded local IAM.
# Prints: first apply (s, operations/s), plan with no changes (s), plan after editing 100 policies,
# and peak RSS of each command, against the targets (plan < 2 s, apply < 30 s, peak < 500 MB).
# Usage: bench/stack/run.sh IAMFORGE [TEAMS]
set -euo pipefail
bin=$(realpath "$1"); teams=${2:-2000}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
python3 "$here/generate.py" "$teams" > Pulumi.yaml
n=$((teams * 5))
# AWS's default account quotas (1,000 roles, 300 groups) are below this stack; raise them as an
# account owner would with Service Quotas.
"$bin" local quota RolesPerAccount=5000 GroupsPerAccount=5000 PoliciesPerAccount=5000 >/dev/null

measure() {  # label, command...: prints "label: S s, peak RSS M MB"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || { echo "$label failed:"; tail -5 "$tmp/err" "$tmp/out"; exit 1; }
  read -r secs kb <"$tmp/time"
  echo "$label: ${secs} s, peak RSS $((kb / 1024)) MB"
  last_secs=$secs
}
echo "stack: $n resources ($teams teams), $(wc -c <Pulumi.yaml) bytes of YAML"
measure "plan (empty state)     " "$bin" plan
measure "apply (first)          " "$bin" apply --yes
python3 -c "print(f'apply: {$n / $last_secs:,.0f} operations/s (target: first apply < 30 s)')"
measure "plan (no changes)      " "$bin" plan --detailed-exitcode
grep -q "No changes" "$tmp/out" || { echo "plan after apply is not empty"; tail "$tmp/out"; exit 1; }
echo "(target: plan with no changes < 2 s, peak RSS < 500 MB)"
python3 "$here/generate.py" "$teams" --edit 100 > Pulumi.yaml
measure "plan (100 policies changed)" "$bin" plan
grep -q "100 to update" "$tmp/out" || { echo "expected 100 updates"; tail -3 "$tmp/out"; exit 1; }
measure "apply (100 updates)    " "$bin" apply --yes
measure "destroy                " "$bin" destroy --yes
