#!/usr/bin/env bash
# Currents validation benchmark: tdbraze (native, and WebAssembly in Node and Chromium when built) against the obvious
# peer, JSON.parse + ajv in Node, and the fastest parser, simdjson (one thread, parsing only), on the same
# generated payload. Prints a table and writes bench/results/currents.{json,md} and the numbers in
# bench/README.md.
#
# Knobs (environment): SIZE_MB (100), REPS (3), COPIES (5: the payload this many times through a pipe, for
# memory), SEED, NOW, ENVELOPE=0 to skip the single-envelope measurement, WASM=0 to skip WebAssembly,
# CHROMIUM=0 to skip WebAssembly in Chromium (it needs /usr/bin/chromium and tests/browser's playwright-core),
# SIMDJSON=0 to skip simdjson (Debian's libsimdjson-dev, installed when missing),
# TDBRAZE (path of the CLI), SITE (the WebAssembly site, build/wasm/site), QUIET_WAIT (120: seconds to wait
# for an idle machine before each run; 0: none).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../common.sh"

size_mb="${SIZE_MB:-100}"
copies="${COPIES:-5}"
seed="${SEED:-20241123}"
now="${NOW:-1793491200}"  # 2026-11-01T00:00:00Z; the payload's times are in the year before it
site="${SITE:-$repo/build/wasm/site}"

need_time_and_tdbraze
need_bench_node_modules

simdjson_args=()
if [ "${SIMDJSON:-1}" != 0 ]; then
  [ -f /usr/include/simdjson.h ] || as_root_install libsimdjson-dev "simdjson, the parsing reference"
  simdjson_parse="$data/simdjson-parse"
  if [ ! -x "$simdjson_parse" ] || [ "$here/simdjson_parse.cpp" -nt "$simdjson_parse" ]; then
    say "building simdjson_parse"
    # No -pthread: simdjson then compiles parse_many without its look-ahead thread (one thread, as the goal says).
    c++ -O3 -std=c++17 "$here/simdjson_parse.cpp" -o "$simdjson_parse.tmp" -lsimdjson
    mv "$simdjson_parse.tmp" "$simdjson_parse"
  fi
  simdjson_args=(--simdjson "$simdjson_parse")
fi

payload="$data/currents-${size_mb}mb-seed${seed}.jsonl"
envelope="$data/currents-${size_mb}mb-seed${seed}-envelope.json"
generator="$here/generate_payload.py"
# Regenerated when the generator or the catalogue changed since, so a stale payload is never measured.
stale() { [ ! -s "$1" ] || [ "$generator" -nt "$1" ] || [ "$repo/assets/currents-catalogue.json" -nt "$1" ]; }
if stale "$payload"; then
  say "generating $size_mb MB of JSON Lines"
  python3 "$generator" --size-mb "$size_mb" --seed "$seed" --now "$now" -o "$payload.tmp"
  mv "$payload.tmp" "$payload"
fi
envelope_args=()
if [ "${ENVELOPE:-1}" != 0 ]; then
  if stale "$envelope"; then
    say "generating one $size_mb MB envelope"
    python3 "$generator" --size-mb "$size_mb" --seed "$seed" --now "$now" --pretty -o "$envelope.tmp"
    mv "$envelope.tmp" "$envelope"
  fi
  envelope_args=(--envelope "$envelope")
fi

python3 "$here/make_schema.py" -o "$data/currents.schema.json"
python3 "$here/make_schema.py" --strict --now "$now" -o "$data/currents.strict.schema.json"

snapshot_tdbraze
wasm_args=()
if [ "${WASM:-1}" != 0 ] && [ -f "$site/tdbraze.js" ] && [ -f "$site/tdbraze.wasm" ]; then
  # worker.js too: Chromium runs the module through the page's own Worker.
  mkdir "$snapshot/site" && copy_settled "$snapshot/site" "$site/tdbraze.js" "$site/tdbraze.wasm" "$site/worker.js"
  wasm_args=(--site "$snapshot/site")
  if [ "${CHROMIUM:-1}" != 0 ]; then
    if [ -x "${TDBRAZE_CHROMIUM:-/usr/bin/chromium}" ] && [ -d "$repo/tests/browser/node_modules/playwright-core" ]; then
      wasm_args+=(--chromium 1)
    else
      say "no chromium or no playwright-core (tests/browser: npm ci): skipping WebAssembly in Chromium"
    fi
  fi
elif [ "${WASM:-1}" != 0 ]; then
  say "no WebAssembly build in $site: skipping it (scripts/build.sh builds it)"
fi

say_load_average
python3 "$here/harness.py" "${harness_args[@]}" \
  ${wasm_args[@]:+--site-origin "$site"} --payload "$payload" \
  "${envelope_args[@]}" --schema "$data/currents.schema.json" --schema-strict "$data/currents.strict.schema.json" \
  "${wasm_args[@]}" "${simdjson_args[@]}" --now "$now" --copies "$copies" --seed "$seed"
# This benchmark's goals of issue 25, met or missed (all of them in results/goals.md and README.md).
python3 "$bench/goals.py" --only currents
