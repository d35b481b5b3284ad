#!/usr/bin/env bash
# Installs every build and test dependency from Debian's packages when missing.
# Idempotent and quiet when everything is already there. Exit codes: 0 ok, 1 install failed.
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config
  g++ clang-14 libclang-rt-14-dev
  libcli11-dev libjemalloc-dev libyaml-cpp-dev libsqlite3-dev sqlite3
  libgtest-dev libgmock-dev libbenchmark-dev
  nodejs npm python3
  libcurl4-openssl-dev libssl-dev libexpat1-dev  # aws target (issue 4): HTTPS, SigV4, XML
  libmicrohttpd-dev awscli  # iamforge serve (issue 4): HTTP server; the AWS CLI v2 its e2e test drives
  python3-boto3  # boto3 for the serve, apidiff and moto tests (Debian's python3)
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from outside Debian (e.g. a preinstalled Node 20); accept working binaries.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# moto's server, for the aws target's integration tests (tests/aws/moto_test.cpp). From PyPI, so it
# may fail offline: the tests then skip loudly, and the build is unaffected.
if ! command -v moto_server >/dev/null 2>&1; then
  echo "setup: installing moto[server] with pip" >&2
  if ! python3 -m pip install -q --disable-pip-version-check --retries 1 --timeout 15 'moto[server]' >/dev/null 2>&1 &&
     ! python3 -m pip install -q --disable-pip-version-check --retries 1 --timeout 15 --user --break-system-packages 'moto[server]' >/dev/null 2>&1; then
    echo "################################################################################" >&2
    echo "# setup: WARNING: could not install moto[server] (no PyPI access?)." >&2
    echo "# The aws target's integration tests against moto_server will be SKIPPED." >&2
    echo "# Install it by hand: python3 -m pip install 'moto[server]'" >&2
    echo "################################################################################" >&2
  fi
fi
