#!/usr/bin/env bash
# The C++ style is settled by clang-format (.clang-format at the root): lists every file that differs from
# it and fails, or with --fix rewrites them. Run by the test suite (ctest: code_format).
set -euo pipefail
cd "$(dirname "$0")/.."
clang_format=${CLANG_FORMAT:-$(command -v clang-format-14 || command -v clang-format)}
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' '*.c' '*.h' 2>/dev/null ||
                          find core native web tests bench -name '*.[ch]pp')
if [ "${1:-}" = "--fix" ]; then
  "$clang_format" -i "${files[@]}"
  exit 0
fi
bad=0
for f in "${files[@]}"; do
  if ! "$clang_format" "$f" | cmp -s - "$f"; then
    echo "format: $f differs from .clang-format (scripts/check_format.sh --fix rewrites it)"
    bad=1
  fi
done
[ "$bad" = 0 ] && echo "format: ${#files[@]} files match .clang-format"
exit "$bad"
