#!/usr/bin/env bash
# Runs every benchmark of tdbraze against the tools a user would pick instead. Each one installs what it
# needs (ajv and DuckDB from npm into bench/node_modules, Debian's python3-pandas, libsimdjson-dev and
# sqlite3, GNU time), generates its input into bench/data/ and writes its numbers to bench/results/.
# Arguments and environment are passed through (see currents/run.sh, cohort/run.sh, sync/run.sh and
# delivery/run.sh); CURRENTS=0, COHORT=0, SYNC=0 or DELIVERY=0 skips one of them. Last, goals.py prints each
# performance goal of issue 25 as met or missed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ "${CURRENTS:-1}" != 0 ]; then "$here/currents/run.sh" "$@"; fi
if [ "${COHORT:-1}" != 0 ]; then "$here/cohort/run.sh" "$@"; fi
if [ "${SYNC:-1}" != 0 ]; then "$here/sync/run.sh" "$@"; fi
if [ "${DELIVERY:-1}" != 0 ]; then "$here/delivery/run.sh" "$@"; fi
# Every goal of issue 25 from what each benchmark last measured, met or missed (results/goals.{md,svg}).
python3 "$here/goals.py"
