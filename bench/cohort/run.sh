#!/usr/bin/env bash
# Cohort benchmark: `tdbraze validate cohort` and `tdbraze plan cohort` on a generated 10-million-row Treasure
# Data query result (CSV), beside pandas (read_csv + drop_duplicates, Debian's python3-pandas), DuckDB
# (count(DISTINCT) from read_csv on two threads, npm @duckdb/node-api) and a `cut | sort -u` pipeline, in the
# same run. Prints a table and writes bench/results/cohort.{json,md} and the numbers in bench/README.md.
#
# Knobs (environment): ROWS (10000000), REPS (3), SEED, TDBRAZE (path of the CLI), QUIET_WAIT (120: seconds
# to wait for an idle machine before each run; 0: none), USECOLS=0 to skip pandas with usecols, SHELL_PEER=0
# to skip sort -u, DUCKDB=0 to skip DuckDB, PERF=0 to skip the profile, PANDAS_PYTHON (/usr/bin/python3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../common.sh"

rows="${ROWS:-10000000}"
seed="${SEED:-20251124}"
python_pandas="${PANDAS_PYTHON:-/usr/bin/python3}"

need_time_and_tdbraze
# The peer is Debian's pandas, run by Debian's python3 (not a python3 from pyenv or a venv earlier on PATH).
"$python_pandas" -c 'import pandas' 2>/dev/null || as_root_install python3-pandas "the peer"
if [ "${DUCKDB:-1}" != 0 ]; then need_bench_node_modules; fi

table="$data/cohort-${rows}rows-seed${seed}.csv"
make_cohort_table "$rows" "$seed" "$table"

snapshot_tdbraze
say_load_average
python3 "$here/harness.py" "${harness_args[@]}" \
  --table "$table" --python "$python_pandas" --plan-dir "$snapshot/plan" \
  --usecols "${USECOLS:-1}" --shell-peer "${SHELL_PEER:-1}" --duckdb "${DUCKDB:-1}" \
  --perf "${PERF:-1}"
# This benchmark's goals of issue 25, met or missed (all of them in results/goals.md and README.md).
python3 "$bench/goals.py" --only cohort
