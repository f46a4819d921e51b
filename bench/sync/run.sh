#!/usr/bin/env bash
# Cohort sync benchmark: `tdbraze sync cohort` against the local emulator (`tdbraze emulate`), beside the
# emulator's own capacity measured in the same run by a minimal client (loadgen.cpp), at 1, 4 and 16
# threads; then the peak memory of a 10-million-id sync (--dry-run, then sent for real: BIG_SEND=0 skips that)
# with a heaptrack profile. Prints a table
# and writes bench/results/sync.{json,md,svg} and the numbers in bench/README.md.
#
# Knobs (environment): IDS (1000000: ids sent for real), BIG_IDS (10000000: ids of the memory run; 0 skips
# it), THREADS (1,4,16), REPS (3), SEED, TDBRAZE (path of the CLI), HEAPTRACK=0 to skip the profile,
# PERF=0 to skip the CPU profile, AT_LIMIT=0 to skip the runs at Braze's rate limit (about 15 s each), QUIET_WAIT (120: seconds to wait for an idle machine before each run; 0:
# none), EMULATOR (another tdbraze to run `emulate`, e.g. a variant build) with EMULATOR_NOTE (what differs)
# and NAME (results/NAME.*; only the default, sync, updates the README), EMULATOR_NODELAY=1: the emulator
# with TCP_NODELAY on its connections (nodelay_shim.c, preloaded), results in results/sync-nodelay.*,
# PYTHON=0 to skip the peer (python_sync.py: what a user would write instead, Python + requests, run by
# Debian's /usr/bin/python3 with python3-requests, or REQUESTS_PYTHON).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../common.sh"

ids="${IDS:-1000000}"
big_ids="${BIG_IDS:-10000000}"
seed="${SEED:-20251130}"

need_time_and_tdbraze
python_peer="${PYTHON:-1}"
python_requests="${REQUESTS_PYTHON:-/usr/bin/python3}"
if [ "$python_peer" != 0 ]; then
  # The peer is Debian's requests, run by Debian's python3 (not a python3 from pyenv or a venv earlier on PATH).
  "$python_requests" -c 'import requests' 2>/dev/null || as_root_install python3-requests "the Python peer"
fi
# The minimal client. Built here, not by the project's CMake: it is a measuring instrument, not part of
# tdbraze, and needs only libcurl and nlohmann/json, which the native build needs anyway.
loadgen="$data/sync-loadgen"
if [ ! -x "$loadgen" ] || [ "$here/loadgen.cpp" -nt "$loadgen" ]; then
  say "building loadgen"
  c++ -O2 -std=c++17 -pthread "$here/loadgen.cpp" -o "$loadgen.tmp" -lcurl
  mv "$loadgen.tmp" "$loadgen"
fi

# Tables of distinct user ids only (no device ids, no repeated users), so that N rows are N ids, with the
# cohort benchmark's generator and its ignored columns; the emulator's users are exactly those ids.
make_table() {  # rows, path
  make_cohort_table "$1" "$seed" "$2" --no-device-share 1 --duplicate-share 0
}
table="$data/sync-${ids}ids-seed${seed}.csv"
users="$data/sync-${ids}ids-seed${seed}.users.jsonl"
make_table "$ids" "$table"
if [ ! -s "$users" ] || [ "$table" -nt "$users" ] || [ "$here/make_users.py" -nt "$users" ]; then
  python3 "$here/make_users.py" "$table" -o "$users.tmp"
  mv "$users.tmp" "$users"
fi
emulator_args=()
name="${NAME:-sync}"
note="${EMULATOR_NOTE:-}"
if [ "${EMULATOR_NODELAY:-0}" != 0 ]; then
  shim="$data/nodelay_shim.so"
  if [ ! -f "$shim" ] || [ "$here/nodelay_shim.c" -nt "$shim" ]; then
    cc -O2 -shared -fPIC "$here/nodelay_shim.c" -o "$shim" -ldl
  fi
  emulator_args=(--emulator-preload "$shim")
  name="${NAME:-sync-nodelay}"
  note="${EMULATOR_NOTE:-TCP_NODELAY on every accepted connection (bench/sync/nodelay_shim.c preloaded); otherwise unchanged}"
fi
big_args=()
if [ "$big_ids" != 0 ]; then
  big="$data/sync-${big_ids}ids-seed${seed}.csv"
  make_table "$big_ids" "$big"
  big_args=(--big-table "$big")
fi

snapshot_tdbraze
say_load_average
python3 "$here/harness.py" "${harness_args[@]}" \
  --loadgen "$loadgen" --table "$table" --users "$users" "${big_args[@]}" --work-dir "$snapshot/work" \
  ${EMULATOR:+--emulator "$EMULATOR"} "${emulator_args[@]}" --emulator-note "$note" --name "$name" \
  --threads "${THREADS:-1,4,16}" --perf "${PERF:-1}" --heaptrack "${HEAPTRACK:-1}" --big-send "${BIG_SEND:-1}" \
  --at-limit "${AT_LIMIT:-1}" --python-peer "$python_peer" --python "$python_requests"
# This benchmark's goals of issue 25, met or missed (all of them in results/goals.md and README.md).
python3 "$bench/goals.py" --only sync
