#!/usr/bin/env bash
# Cohort benchmark: `tdbraze validate cohort` and `tdbraze plan cohort` on a generated 10-million-row Treasure
# Data query result (CSV), beside pandas (read_csv + drop_duplicates, Debian's python3-pandas) and a
# `cut | sort -u` pipeline, in the same run. Prints a table and writes bench/results/cohort.{json,md} and the
# numbers in bench/README.md.
#
# Knobs (environment): ROWS (10000000), REPS (3), SEED, TDBRAZE (path of the CLI), QUIET_WAIT (120: seconds
# to wait for an idle machine before each run; 0: none), USECOLS=0 to skip pandas with usecols, SHELL_PEER=0
# to skip sort -u, PERF=0 to skip the profile, PANDAS_PYTHON (/usr/bin/python3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="$(dirname "$here")"
repo="$(dirname "$bench")"

rows="${ROWS:-10000000}"
reps="${REPS:-3}"
seed="${SEED:-20251124}"
tdbraze="${TDBRAZE:-$repo/build/native/bin/tdbraze}"
python_pandas="${PANDAS_PYTHON:-/usr/bin/python3}"
data="$bench/data"

say() { printf 'bench/cohort: %s\n' "$*" >&2; }

as_root_install() {  # package, what for
  if [ "$(id -u)" -eq 0 ]; then
    say "installing $1 ($2)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
  else
    say "$1 is missing ($2): sudo apt-get install $1"; exit 2
  fi
}
[ -x /usr/bin/time ] || as_root_install time "GNU time reports peak memory"
# The peer is Debian's pandas, run by Debian's python3 (not a python3 from pyenv or a venv earlier on PATH).
"$python_pandas" -c 'import pandas' 2>/dev/null || as_root_install python3-pandas "the peer"

if [ ! -x "$tdbraze" ]; then
  say "building the native CLI"
  (cd "$repo" && cmake --preset native >/dev/null && cmake --build --preset native)
fi

mkdir -p "$data"
table="$data/cohort-${rows}rows-seed${seed}.csv"
generator="$here/generate_table.py"
# Regenerated when the generator changed since, so a stale table is never measured.
if [ ! -s "$table" ] || [ ! -s "$table.meta.json" ] || [ "$generator" -nt "$table" ]; then
  say "generating $rows rows"
  python3 "$generator" --rows "$rows" --seed "$seed" -o "$table.tmp"
  mv "$table.tmp.meta.json" "$table.meta.json"
  mv "$table.tmp" "$table"
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
  --table "$table" --python "$python_pandas" --plan-dir "$snapshot/plan" --reps "$reps" \
  --usecols "${USECOLS:-1}" --shell-peer "${SHELL_PEER:-1}" --perf "${PERF:-1}" --quiet-wait "${QUIET_WAIT:-120}"
