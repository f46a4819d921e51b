#!/usr/bin/env bash
# Cohort sync benchmark: `tdbraze sync cohort` against the local emulator (`tdbraze emulate`), beside the
# emulator's own capacity measured in the same run by a minimal client (loadgen.cpp), at 1, 4 and 16
# threads; then the peak memory of a 10-million-id sync (--dry-run) with a heaptrack profile. Prints a table
# and writes bench/results/sync.{json,md,svg} and the numbers in bench/README.md.
#
# Knobs (environment): IDS (1000000: ids sent for real), BIG_IDS (10000000: ids of the memory run; 0 skips
# it), THREADS (1,4,16), REPS (3), SEED, TDBRAZE (path of the CLI), HEAPTRACK=0 to skip the profile,
# PERF=0 to skip the CPU profile, QUIET_WAIT (120: seconds to wait for an idle machine before each run; 0:
# none), EMULATOR (another tdbraze to run `emulate`, e.g. a variant build) with EMULATOR_NOTE (what differs)
# and NAME (results/NAME.*; only the default, sync, updates the README), EMULATOR_NODELAY=1: the emulator
# with TCP_NODELAY on its connections (nodelay_shim.c, preloaded), results in results/sync-nodelay.*.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="$(dirname "$here")"
repo="$(dirname "$bench")"

ids="${IDS:-1000000}"
big_ids="${BIG_IDS:-10000000}"
reps="${REPS:-3}"
seed="${SEED:-20251130}"
tdbraze="${TDBRAZE:-$repo/build/native/bin/tdbraze}"
data="$bench/data"

say() { printf 'bench/sync: %s\n' "$*" >&2; }

if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" -eq 0 ]; then
    say "installing GNU time"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
  else
    say "/usr/bin/time is missing: sudo apt-get install time"; exit 2
  fi
fi
if [ ! -x "$tdbraze" ]; then
  say "building the native CLI"
  (cd "$repo" && cmake --preset native >/dev/null && cmake --build --preset native)
fi

mkdir -p "$data"
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
generator="$bench/cohort/generate_table.py"
make_table() {  # rows, path
  if [ ! -s "$2" ] || [ ! -s "$2.meta.json" ] || [ "$generator" -nt "$2" ]; then
    say "generating $1 ids"
    python3 "$generator" --rows "$1" --seed "$seed" --no-device-share 1 --duplicate-share 0 -o "$2.tmp"
    mv "$2.tmp.meta.json" "$2.meta.json"
    mv "$2.tmp" "$2"
  fi
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

# The binary under test is copied first, once it has not changed for a few seconds: a rebuild in another
# shell halfway through the runs would otherwise mix two versions in one set of numbers.
snapshot="$(mktemp -d "$data/under-test.XXXXXX")"
trap 'rm -rf "$snapshot"' EXIT
for _ in $(seq 60); do
  [ $(( $(date +%s) - $(stat -c %Y "$tdbraze") )) -ge 5 ] && break
  sleep 2
done
cp "$tdbraze" "$snapshot/"

say "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the numbers are only meaningful on an idle machine)"
python3 "$here/harness.py" --bench-dir "$bench" --tdbraze "$snapshot/$(basename "$tdbraze")" --tdbraze-origin "$tdbraze" \
  --loadgen "$loadgen" --table "$table" --users "$users" "${big_args[@]}" --work-dir "$snapshot/work" \
  ${EMULATOR:+--emulator "$EMULATOR"} "${emulator_args[@]}" --emulator-note "$note" --name "$name" \
  --threads "${THREADS:-1,4,16}" --reps "$reps" --perf "${PERF:-1}" --heaptrack "${HEAPTRACK:-1}" --quiet-wait "${QUIET_WAIT:-120}"
