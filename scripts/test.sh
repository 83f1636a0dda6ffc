#!/usr/bin/env bash
# Quick start, command 2 (and CI's .ci/run): the whole test suite.
#   1. installs what is missing (apt packages, the reader venv): no test may pass without the readers
#   2. the interop checker's own self-test (it must pass good files and fail broken ones)
#   3. swift test: unit, golden-byte, kernel, end-to-end and interop tests
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/install-deps.sh
export LAKECONV_PYTHON="$root/.venv/bin/python"
echo "== interop checker self-test"
"$LAKECONV_PYTHON" Tests/Interop/selftest_checker.py
echo "== swift test"
swift build --build-tests
swift test --skip-build
