#!/usr/bin/env bash
# Currents delivery benchmark: `tdbraze send currents` to the emulator's Treasure Data Postback receiver,
# beside the receiver's capacity measured in the same run by a minimal client (postclient.cpp) sending the
# same batches, at 1, 4 and 16 threads, and the peak memory of a larger send; then the SQLite flattening of
# Postback rows by tdbraze's generated SQL against the Python script a user would write instead
# (python_flatten.py). Prints a table and writes bench/results/delivery.{json,md,svg} and the numbers in
# bench/README.md.
#
# Knobs (environment): SIZE_MB (100: the payload sent for speed), BIG_SIZE_MB (300: the payload of the memory
# run; 0 skips it), FLATTEN_EVENTS (1000000: events of the flattening; 0 skips it), FLATTEN_REPS (default
# REPS), THREADS (1,4,16), REPS (3), SEED, NOW, TDBRAZE (path of the CLI), QUIET_WAIT (120: seconds to wait
# for an idle machine before each run; 0: none).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../common.sh"

size_mb="${SIZE_MB:-100}"
big_size_mb="${BIG_SIZE_MB:-300}"
flatten_events="${FLATTEN_EVENTS:-1000000}"
seed="${SEED:-20251204}"
now="${NOW:-1793491200}"  # 2026-11-01T00:00:00Z; the payloads' times are in the 6 days before it

need_time_and_tdbraze
# The flattening runs in the sqlite3 shell, as docs/currents.md shows it; the peer under Debian's python3.
[ "$flatten_events" = 0 ] || [ -x /usr/bin/sqlite3 ] || as_root_install sqlite3 "runs tdbraze's flattening SQL"
# The minimal client. Built here, not by the project's CMake: it is a measuring instrument, not part of
# tdbraze, and needs only libcurl, which the native build needs anyway.
postclient="$data/delivery-postclient"
if [ ! -x "$postclient" ] || [ "$here/postclient.cpp" -nt "$postclient" ]; then
  say "building postclient"
  c++ -O2 -std=c++17 -pthread "$here/postclient.cpp" -o "$postclient.tmp" -lcurl
  mv "$postclient.tmp" "$postclient"
fi

generator="$bench/currents/generate_payload.py"
# Regenerated when the generator or the catalogue changed since, so a stale payload is never measured.
stale() { [ ! -s "$1" ] || [ "$generator" -nt "$1" ] || [ "$repo/assets/currents-catalogue.json" -nt "$1" ]; }
make_payload() {  # path, generator arguments...
  local path="$1"; shift
  if stale "$path"; then
    say "generating $path"
    python3 "$generator" --td-postback --seed "$seed" --now "$now" "$@" -o "$path.tmp"
    mv "$path.tmp" "$path"
  fi
}
payload="$data/delivery-${size_mb}mb-seed${seed}.jsonl"
make_payload "$payload" --size-mb "$size_mb"
big_args=()
if [ "$big_size_mb" != 0 ]; then
  big="$data/delivery-${big_size_mb}mb-seed${seed}.jsonl"
  make_payload "$big" --size-mb "$big_size_mb"
  big_args=(--big-payload "$big")
fi
flatten_args=()
if [ "$flatten_events" != 0 ]; then
  capture="$data/flatten-${flatten_events}events-seed${seed}.jsonl"
  db="${capture%.jsonl}.db"
  make_payload "$capture" --events "$flatten_events"
  if [ ! -s "$db" ] || [ ! -s "$db.meta.json" ] || [ "$capture" -nt "$db" ] || [ "$here/load_postback_rows.py" -nt "$db" ]; then
    say "loading $capture into $db as Postback rows"
    python3 "$here/load_postback_rows.py" "$capture" -o "$db.tmp" --now "$now"
    mv "$db.tmp.meta.json" "$db.meta.json"
    mv "$db.tmp" "$db"
  fi
  flatten_args=(--flatten-db "$db" --flatten-reps "${FLATTEN_REPS:-0}")
fi

snapshot_tdbraze
say_load_average
python3 "$here/harness.py" "${harness_args[@]}" \
  --postclient "$postclient" --payload "$payload" "${big_args[@]}" "${flatten_args[@]}" --now "$now" \
  --threads "${THREADS:-1,4,16}" --work-dir "$snapshot/work"
