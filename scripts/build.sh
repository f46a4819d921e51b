#!/usr/bin/env bash
# Builds the native targets (build/native) and the WebAssembly module (build/wasm). One at a time: the
# machines this runs on have two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs  # Debian's emscripten finds its node modules here

cmake --preset native >/dev/null
cmake --build --preset native

if command -v emcmake >/dev/null; then
  emcmake cmake --preset wasm >/dev/null
  cmake --build --preset wasm
else
  echo "build: emscripten not installed; skipping the WebAssembly build (run scripts/setup.sh)" >&2
fi
