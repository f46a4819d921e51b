#!/usr/bin/env bash
# Builds the Debian package build/tdbraze_VERSION_ARCH.deb with CPack: builds only what it holds (tdbraze with
# its man page and bash completion, tdbraze-desktop, the web site of the WebAssembly build), then packs the
# installed tree; Depends comes from the libraries the binaries link (dpkg-shlibdeps). Install it with
# `sudo apt install ./build/tdbraze_*.deb`. Needs what scripts/setup.sh installs (dpkg-dev, emscripten).
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs  # Debian's emscripten finds its node modules here

command -v dpkg-shlibdeps >/dev/null || { echo "tdbraze: package.sh needs dpkg-shlibdeps: run scripts/setup.sh" >&2; exit 2; }
command -v emcmake >/dev/null || { echo "tdbraze: package.sh needs emscripten for the web site: run scripts/setup.sh" >&2; exit 2; }

cmake --preset native >/dev/null
cmake --build --preset native -j2 --target tdbraze tdbraze-desktop
emcmake cmake --preset wasm >/dev/null
cmake --build --preset wasm -j2 --target tdbraze_site

cpack --config build/native/CPackConfig.cmake -B build/package >/dev/null
deb=$(ls -t build/package/tdbraze_*.deb | head -n 1)
mv "$deb" build/
echo "package: build/$(basename "$deb")"
dpkg-deb -f "build/$(basename "$deb")" Package Version Depends
