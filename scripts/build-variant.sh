#!/usr/bin/env bash
# Builds the extra configuration CI tests besides build/ (docs/testing.md "Build variants"),
# only as far as its tests need: the libraries, vs_unit_tests and the fuzz targets.
# Usage: scripts/build-variant.sh sanitize DIR
#   sanitize  clang, ASan + UBSan (-fno-sanitize-recover=all) and libFuzzer coverage, -O1 with line
#             tables only: one build for the sanitized unit tests and every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: build-variant.sh sanitize DIR}
dir=${2:?usage: build-variant.sh sanitize DIR}
launcher=()
command -v ccache >/dev/null &&
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
case $kind in
  sanitize)
    # -O1: the sanitizers' usual level (fast enough to fuzz, quick to compile); line tables are
    # enough for the reports' file:line and cost a fraction of full debug info.
    flags="-O1 -gline-tables-only"
    CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_FLAGS_DEBUG="$flags" -DCMAKE_CXX_FLAGS_DEBUG="$flags" -DVS_FUZZ=ON \
      -DVS_FAULT_INJECTION=ON "${launcher[@]}" >/dev/null
    targets=(vs_unit_tests vs_fuzz_targets) ;;
  *) echo "build-variant.sh: unknown variant \"$kind\" (sanitize)" >&2; exit 2 ;;
esac
log=$dir/variant-build.log
cmake --build "$dir" -j"$(nproc)" --target "${targets[@]}" 2>&1 | tee "$log"
echo "build-variant.sh: $kind: $(grep -c 'warning:' "$log" || true) compiler warnings (see $log)"
