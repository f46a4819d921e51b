#!/bin/sh
# native/build_info.cmake names the commit "unknown" for a source tree that is not a git checkout of its own,
# even when it sits inside another repository (a source package unpacked in a work tree).
# Usage: build_info_test.sh CMAKE BUILD_INFO_SCRIPT WORK_DIR
set -eu
cmake=$1 script=$2 work=$3
rm -rf "$work" && mkdir -p "$work/plain" "$work/repo/src"
git -C "$work/repo" init -q
for source in "$work/plain" "$work/repo/src"; do
  "$cmake" -DSOURCE_DIR="$source" -DOUTPUT="$work/out.inc" -P "$script"
  grep -q 'kBuildCommit = "unknown";' "$work/out.inc" || { echo "FAIL: $source:"; cat "$work/out.inc"; exit 1; }
done
echo "ok: unknown outside a checkout of the source"
rm -rf "$work"
