#!/usr/bin/env bash
# Sets tdbraze up on a fresh Debian 12 machine: installs the Debian and npm packages it needs (skipping what
# is there), builds the native and WebAssembly targets, then validates the example payload.
# Run from anywhere; as root or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build python3 git ca-certificates
  python3-requests  # the sync benchmark's peer (bench/sync/python_sync.py)
  iproute2  # ss: a test reads the emulator's listening queue
  nlohmann-json3-dev catch2 libcli11-dev
  libcurl4-openssl-dev libsqlite3-dev libcpp-httplib-dev libssl-dev pkg-config libxxhash-dev
  libexpected-dev  # tl::expected: Result<T> of native/ (C++20 has no std::expected)
  emscripten
  chromium
  # the libFuzzer targets (scripts/fuzz.sh): clang with its fuzzer and sanitizer runtimes
  clang-14 libclang-rt-14-dev
  clang-format-14  # the C++ style (.clang-format), checked by ctest code_format
  dpkg-dev file  # scripts/package.sh: CPack's Depends from dpkg-shlibdeps, which finds the binaries with file
  python3-yaml  # the tests of action.yml and .pre-commit-hooks.yaml read them
  # the desktop app, and its tests in a virtual X server with software OpenGL
  libimgui-dev libglfw3-dev libstb-dev libgl-dev libgl1-mesa-dri fonts-dejavu-core xvfb xauth
)
# Node.js and npm: Debian's packages, unless a Node.js with npm is already there (NodeSource's nodejs ships
# npm itself and conflicts with Debian's npm package).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages already installed"
fi

# npm packages of the tests: playwright-core for the web page's browser tests drives Debian's chromium (it
# never downloads a browser); ajv and the official SARIF 2.1.0 schema (shipped in a Datadog package) check the
# SARIF logs. npm ci only when a lock file changed since the last install.
for dir in tests/browser tests/sarif; do
  if [ ! -f $dir/node_modules/.tdbraze-lock ] || ! cmp -s $dir/package-lock.json $dir/node_modules/.tdbraze-lock; then
    echo "setup: npm ci in $dir"
    (cd $dir && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    cp $dir/package-lock.json $dir/node_modules/.tdbraze-lock
  else
    echo "setup: npm packages of $dir already installed"
  fi
done

scripts/build.sh

echo
echo "setup: done. Validating the example payload:"
build/native/bin/tdbraze validate currents assets/examples/currents/td-doc-example.json || true
