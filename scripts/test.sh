#!/usr/bin/env bash
# Quick start, command 2 (and CI's .ci/run): the whole test suite.
#   1. installs what is missing (apt packages, the reader venv): no test may pass without the readers
#   2. builds the release binary the Python interop tests drive
#   3. the interop checkers' own self-tests (they must pass good output and fail broken output)
#   4. Python interop tests: conversions read back by pyarrow and DuckDB against a reference
#      parse, JSONTestSuite, gzip, partitioned datasets, SIGKILL crash safety
#   5. a 60-second fuzz smoke of the NDJSON parser (scripts/fuzz.sh; run it longer by hand)
#   6. swift test: unit, golden-byte, kernel, end-to-end and writer interop tests
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/install-deps.sh
export LAKECONV_PYTHON="$root/.venv/bin/python"
echo "== build"
swift build -c release --product lakeconv
export LAKECONV_BIN="$root/.build/release/lakeconv"
echo "== interop checker self-tests"
"$LAKECONV_PYTHON" Tests/Interop/selftest_checker.py
"$LAKECONV_PYTHON" -m pytest -q -p no:cacheprovider Tests/Interop/selftest_conversion.py
echo "== interop tests (Python readers)"
"$LAKECONV_PYTHON" -m pytest -q -p no:cacheprovider Tests/Interop/test_conversion.py Tests/Interop/test_crash_safety.py Tests/Interop/test_disk_full.py Tests/Interop/test_adversarial.py \
    Tests/Interop/test_datasets.py Tests/Interop/test_catalog.py
echo "== fuzz smoke (NDJSON parser, libFuzzer + AddressSanitizer)"
bash scripts/fuzz.sh 60
echo "== swift test"
swift build --build-tests
swift test --skip-build
