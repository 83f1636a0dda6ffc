#!/usr/bin/env bash
# Installs what lakeconv needs and is missing, idempotently:
#   - Debian packages: pkg-config, libsnappy-dev, zlib1g-dev, libzstd-dev (sudo when not root)
#   - .venv/ with the independent Parquet readers the interop tests use (requirements-interop.txt)
# Sourced by setup-and-run-sample.sh and test.sh; safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

apt_packages=(pkg-config libsnappy-dev zlib1g-dev libzstd-dev)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "lakeconv setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python="${PYTHON:-python3}"
venv="$root/.venv"
if ! "$venv/bin/python" -c "import pyarrow, duckdb, polars, fastparquet" >/dev/null 2>&1; then
  echo "lakeconv setup: creating $venv with the interop readers (pyarrow, duckdb, polars, fastparquet)"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$root/requirements-interop.txt"
fi
