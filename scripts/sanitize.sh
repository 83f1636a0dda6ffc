#!/usr/bin/env bash
# Runs the Swift test suite under AddressSanitizer and the converter and dataset tests (the
# concurrent pipeline) under ThreadSanitizer, each in its own build folder.
#   usage: scripts/sanitize.sh [address|thread|all=all]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
which="${1:-all}"
export LAKECONV_PYTHON="$root/.venv/bin/python"
export LSAN_OPTIONS="suppressions=$root/Tests/lsan-suppressions.txt:print_suppressions=0"
if [ "$which" = address ] || [ "$which" = all ]; then
  echo "== AddressSanitizer: whole swift test suite"
  swift build --build-tests --sanitize=address --scratch-path .build-asan
  swift test --skip-build --sanitize=address --scratch-path .build-asan
fi
if [ "$which" = thread ] || [ "$which" = all ]; then
  echo "== ThreadSanitizer: converter, dataset and partitioning tests (parallel parse, encode, commit)"
  swift build --build-tests --sanitize=thread --scratch-path .build-tsan
  swift test --skip-build --sanitize=thread --scratch-path .build-tsan --filter "ConverterTests|DatasetTests|BigIntegerTests|SinglePassInferenceTests"
fi
