#!/usr/bin/env bash
# Builds the libFuzzer targets of the core (clang-14, ASan + UBSan) and runs each for SECONDS (default 60)
# from a seed corpus made of the test fixtures. A finding is written to build/fuzz/findings/; add it to
# tests/fuzz/regressions/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
work=build/fuzz/corpus
mkdir -p "$work"/currents "$work"/cohort "$work"/sql build/fuzz/findings
cp tests/fixtures/currents/* tests/fuzz/regressions/currents-* "$work"/currents/
for f in tests/fixtures/cohort/*.csv tests/fixtures/cohort/*.json*; do (printf '\000'; cat "$f") > "$work/cohort/$(basename "$f")"; done
cp tests/fuzz/regressions/cohort-* "$work"/cohort/
printf 'SELECT external_id AS user_ids FROM t' > "$work"/sql/braze
printf 'WITH a AS (SELECT x AS device_ids FROM t) SELECT * FROM (SELECT a.* FROM a) b' > "$work"/sql/nested
for target in currents:fuzz_currents cohort:fuzz_cohort_table sql:fuzz_sql; do
  corpus=${target%%:*}
  binary=${target##*:}
  echo "fuzz: $binary for ${seconds}s"
  build/fuzz/tests/fuzz/"$binary" -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 \
    -artifact_prefix=build/fuzz/findings/"$binary"- "$work/$corpus" 2>&1 | grep -E "stat::number_of_executed_units|ERROR|SUMMARY" || true
done
if ls build/fuzz/findings/* >/dev/null 2>&1; then
  echo "fuzz: findings in build/fuzz/findings" >&2
  exit 1
fi
