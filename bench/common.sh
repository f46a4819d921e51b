# Sourced by bench/*/run.sh once they have set `here` (their own folder): the paths, the tools and the copy of
# the binary under test that every benchmark needs before it runs its harness.
# shellcheck shell=bash disable=SC2154,SC2034  # `here` comes from the sourcing script, which uses what is set here
bench="$(dirname "$here")"
repo="$(dirname "$bench")"
data="$bench/data"
tdbraze="${TDBRAZE:-$repo/build/native/bin/tdbraze}"

say() { printf 'bench/%s: %s\n' "$(basename "$here")" "$*" >&2; }

as_root_install() {  # package, what for
  if [ "$(id -u)" -eq 0 ]; then
    say "installing $1 ($2)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
  else
    say "$1 is missing ($2): sudo apt-get install $1"; exit 2
  fi
}

# GNU time reports peak memory; Debian ships it as its own package. Then the CLI, when it was never built.
need_time_and_tdbraze() {
  [ -x /usr/bin/time ] || as_root_install time "GNU time reports peak memory"
  if [ ! -x "$tdbraze" ]; then
    say "building the native CLI"
    (cd "$repo" && cmake --preset native >/dev/null && cmake --build --preset native)
  fi
  mkdir -p "$data"
}

# The Node peers (ajv, DuckDB) from bench/package-lock.json, installed again when one of them is missing (a
# checkout from before DuckDB was added has ajv only).
need_bench_node_modules() {
  command -v node >/dev/null || { say "node is missing (scripts/setup.sh installs it)"; exit 2; }
  if [ ! -d "$bench/node_modules/ajv" ] || [ ! -d "$bench/node_modules/@duckdb/node-api" ]; then
    say "installing ajv and DuckDB (npm ci)"
    (cd "$bench" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# A table of cohort/generate_table.py, regenerated when the generator changed since, so that a stale table is
# never measured.
make_cohort_table() {  # rows, seed, path, more generator arguments...
  local rows="$1" seed="$2" path="$3" generator="$bench/cohort/generate_table.py"
  shift 3
  if [ ! -s "$path" ] || [ ! -s "$path.meta.json" ] || [ "$generator" -nt "$path" ]; then
    say "generating $rows rows"
    python3 "$generator" --rows "$rows" --seed "$seed" "$@" -o "$path.tmp"
    mv "$path.tmp.meta.json" "$path.meta.json"
    mv "$path.tmp" "$path"
  fi
}

# The binaries under test are copied first: a rebuild in another shell halfway through the runs would
# otherwise mix two versions in one set of numbers. Sets `snapshot` (removed on exit) and `harness_args`,
# which also carry the knobs every harness takes: REPS (3) and QUIET_WAIT (120).
snapshot_tdbraze() {
  snapshot="$(mktemp -d "$data/under-test.XXXXXX")"
  trap 'rm -rf "$snapshot"' EXIT
  copy_settled "$snapshot" "$tdbraze"
  harness_args=(--bench-dir "$bench" --tdbraze "$snapshot/$(basename "$tdbraze")" --tdbraze-origin "$tdbraze"
                --reps "${REPS:-3}" --quiet-wait "${QUIET_WAIT:-120}")
}

# Copies files once none of them has changed for a few seconds, so that files built together (a .js and its
# .wasm) come from the same build.
copy_settled() {  # destination, files...
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

say_load_average() {
  say "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (the numbers are only meaningful on an idle machine)"
}
