#!/usr/bin/env bash
# Fuzzes with libFuzzer and AddressSanitizer.
#   usage: scripts/fuzz.sh [SECONDS=60] [ndjson|convert]
#   ndjson  (default) the NDJSON record parser alone, ~125,000 inputs a second
#   convert the whole conversion, NDJSON file in, Parquet file out, checking that no line is
#           lost and the output is complete (LAKECONV_FUZZ=1 target, ~100 inputs a second)
# Builds Fuzz/FuzzNDJSON.swift with the LakeJSON sources (`swiftc -sanitize=fuzzer,address`;
# sanitizer flags stay out of Package.swift), replays every saved crash in Fixtures/fuzz/crashes
# (regressions must stay fixed), then fuzzes for SECONDS seeded with JSONTestSuite and the NDJSON
# fixtures. A new crash is copied to Fixtures/fuzz/crashes/ and the script fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
target="${2:-ndjson}"
work="${TMPDIR:-/tmp}/lakeconv-fuzz-$target"
mkdir -p "$work/corpus" "$root/Fixtures/fuzz/crashes"
if [ "$target" = convert ]; then
  (cd "$root" && LAKECONV_FUZZ=1 swift build --sanitize=fuzzer --sanitize=address --scratch-path .build-fuzz --product lakeconv-fuzz-convert)
  binary="$root/.build-fuzz/debug/lakeconv-fuzz-convert"
  cp "$root"/Fixtures/ndjson/*.ndjson "$root"/Fixtures/adversarial/*.ndjson "$work/corpus/"
else
  binary="$work/fuzz-ndjson"
  swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name FuzzNDJSON \
    "$root"/Sources/LakeJSON/*.swift "$root/Fuzz/FuzzNDJSON.swift" -o "$binary"
  cp "$root"/Fixtures/JSONTestSuite/test_parsing/* "$work/corpus/"
fi
# One seed per fixture line.
i=0
for f in "$root"/Fixtures/ndjson/*.ndjson; do
  while IFS= read -r line; do i=$((i + 1)); printf '%s' "$line" > "$work/corpus/fixture-$i"; done < "$f"
done
crashes=("$root"/Fixtures/fuzz/crashes/$target-*)
if [ -e "${crashes[0]}" ]; then
  echo "fuzz: replaying ${#crashes[@]} saved crash(es)"
  "$binary" -runs=0 "${crashes[@]}"
fi
cd "$work"
rm -f crash-* leak-* timeout-* oom-*
status=0
"$binary" -max_total_time="$seconds" -max_len=$([ "$target" = convert ] && echo 8192 || echo 65536) -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 corpus 2>&1 \
  | grep -E "^#[0-9]+ +DONE|stat::number_of_executed_units|ERROR|SUMMARY" || status=$?
found=(crash-* leak-* timeout-* oom-*)
if [ -e "${found[0]}" ]; then
  for f in "${found[@]}"; do cp "$f" "$root/Fixtures/fuzz/crashes/$target-$f"; done
  echo "fuzz: FAILED, ${#found[@]} finding(s) saved to Fixtures/fuzz/crashes/"
  exit 1
fi
echo "fuzz: no crash in ${seconds}s"
