#!/usr/bin/env bash
# Currents validation benchmark: tdbraze (native, and WebAssembly in Node and Chromium when built) against the obvious
# peer, JSON.parse + ajv in Node, on the same generated payload. Prints a table and writes
# bench/results/currents.{json,md} and the numbers in bench/README.md.
#
# Knobs (environment): SIZE_MB (100), REPS (3), COPIES (5: the payload this many times through a pipe, for
# memory), SEED, NOW, ENVELOPE=0 to skip the single-envelope measurement, WASM=0 to skip WebAssembly,
# CHROMIUM=0 to skip WebAssembly in Chromium (it needs /usr/bin/chromium and tests/browser's playwright-core),
# TDBRAZE (path of the CLI), SITE (the WebAssembly site, build/wasm/site), QUIET_WAIT (120: seconds to wait
# for an idle machine before each run; 0: none).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="$(dirname "$here")"
repo="$(dirname "$bench")"

size_mb="${SIZE_MB:-100}"
reps="${REPS:-3}"
copies="${COPIES:-5}"
seed="${SEED:-20241123}"
now="${NOW:-1793491200}"  # 2026-11-01T00:00:00Z; the payload's times are in the year before it
tdbraze="${TDBRAZE:-$repo/build/native/bin/tdbraze}"
site="${SITE:-$repo/build/wasm/site}"
data="$bench/data"

say() { printf 'bench/currents: %s\n' "$*" >&2; }

# GNU time reports peak memory; Debian ships it as its own package.
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" -eq 0 ]; then
    say "installing GNU time"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
  else
    say "/usr/bin/time is missing: sudo apt-get install time"; exit 2
  fi
fi
command -v node >/dev/null || { say "node is missing (scripts/setup.sh installs it)"; exit 2; }

if [ ! -d "$bench/node_modules/ajv" ]; then
  say "installing ajv (npm ci)"
  (cd "$bench" && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ ! -x "$tdbraze" ]; then
  say "building the native CLI"
  (cd "$repo" && cmake --preset native >/dev/null && cmake --build --preset native)
fi

mkdir -p "$data"
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

# The binaries under test are copied first: a rebuild in another shell halfway through the runs would
# otherwise mix two versions in one set of numbers.
snapshot="$(mktemp -d "$data/under-test.XXXXXX")"
trap 'rm -rf "$snapshot"' EXIT
# Copies files once none of them has changed for a few seconds, so that a .js and its .wasm come from the
# same build.
copy_settled() {
  local dest="$1"; shift
  for _ in $(seq 60); do
    local newest; newest="$(stat -c %Y "$@" | sort -n | tail -1)"
    if [ $(( $(date +%s) - newest )) -ge 5 ]; then
      cp "$@" "$dest/"
      [ "$(stat -c %Y "$@" | sort -n | tail -1)" = "$newest" ] && return 0
    fi
    sleep 2
  done
  say "$* keep changing (a build running?); copying them anyway"
  cp "$@" "$dest/"
}
copy_settled "$snapshot" "$tdbraze"
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

say "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the numbers are only meaningful on an idle machine)"
python3 "$here/harness.py" --bench-dir "$bench" --tdbraze "$snapshot/$(basename "$tdbraze")" --tdbraze-origin "$tdbraze" \
  ${wasm_args[@]:+--site-origin "$site"} --payload "$payload" \
  "${envelope_args[@]}" --schema "$data/currents.schema.json" --schema-strict "$data/currents.strict.schema.json" \
  "${wasm_args[@]}" --now "$now" --reps "$reps" --copies "$copies" --seed "$seed" --quiet-wait "${QUIET_WAIT:-120}"
