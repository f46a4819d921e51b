#!/usr/bin/env bash
# Runs every benchmark of tdbraze against the tools a user would pick instead. Each one installs what it
# needs (ajv from npm into bench/node_modules, GNU time), generates its input into bench/data/ and writes
# its numbers to bench/results/. Arguments and environment are passed through (see currents/run.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/currents/run.sh" "$@"
