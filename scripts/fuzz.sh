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
mkdir -p "$work"/currents "$work"/cohort "$work"/sql "$work"/emulator build/fuzz/findings
cp tests/fixtures/currents/* tests/fuzz/regressions/currents-* "$work"/currents/
for f in tests/fixtures/cohort/*.csv tests/fixtures/cohort/*.json*; do (printf '\000'; cat "$f") > "$work/cohort/$(basename "$f")"; done
cp tests/fuzz/regressions/cohort-* "$work"/cohort/
printf 'SELECT external_id AS user_ids FROM t' > "$work"/sql/braze
printf 'WITH a AS (SELECT x AS device_ids FROM t) SELECT * FROM (SELECT a.* FROM a) b' > "$work"/sql/nested
# Emulator seeds: the first byte picks the entry point (see fuzz_emulator_requests.cpp), the rest is the body.
auth='"partner_api_key":"k","client_secret":"s","cohort_id":"c"'
printf '\000{%s,"name":"Spring","created_at":"2025-11-24T09:30:00Z"}' "$auth" > "$work"/emulator/naming
printf '\001{%s,"cohort_changes":[{"user_ids":["u1"],"device_ids":["d2"]},{"aliases":[{"alias_label":"email","alias_name":"a@x"}],"should_remove":true}]}' "$auth" > "$work"/emulator/membership
printf '\002{%s,"cohort_changes":[{"user_ids":["a","b"]},{"user_ids":["a"],"should_remove":true}]}' "$auth" > "$work"/emulator/membership-open
(printf '\003'; cat tests/fixtures/currents/valid-batch.json) > "$work"/emulator/currents
printf '\005429=0.1,500=0.05,drop_before=0.02,drop_after=0.02,latency_ms=5,latency_jitter_ms=10' > "$work"/emulator/faults
printf '\006{"external_id":"u1","device_ids":["d1"],"aliases":[{"alias_label":"email","alias_name":"a@x"}]}\n{"device_ids":["d2"]}\n' > "$work"/emulator/users
(printf '\007'; cat tests/fixtures/currents/valid-batch.json) > "$work"/emulator/postback
for target in currents:fuzz_currents currents:fuzz_currents_parts cohort:fuzz_cohort_table sql:fuzz_sql emulator:fuzz_emulator_requests; do
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
