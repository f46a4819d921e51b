#!/usr/bin/env bash
# The native test suite again, built with AddressSanitizer and UndefinedBehaviorSanitizer (leaks included).
# The desktop app and its tests are left out of that build: Mesa's software OpenGL is not built for ASan.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset sanitize >/dev/null
cmake --build --preset sanitize
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset sanitize -j2
