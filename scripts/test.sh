#!/usr/bin/env bash
# Runs every test: builds first, then the native suite (Catch2 under ctest) and the WebAssembly suite (Node).
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs

scripts/build.sh
ctest --preset native -j2
ctest --preset wasm
