#!/usr/bin/env bash
# Builds the extra configuration CI tests besides build/ (docs/testing.md "Build variants"),
# only as far as its tests need: the libraries, vs_unit_tests and the fuzz targets.
# Usage: scripts/build-variant.sh sanitize DIR
#   sanitize  clang, ASan + UBSan (-fno-sanitize-recover=all), line tables only: one build for the
#             sanitized unit tests and every fuzz target. The layers the fuzz targets link have
#             libFuzzer coverage and -O1 (the fuzzers' speed); the rest is -O0 (compile time).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: build-variant.sh sanitize DIR}
dir=${2:?usage: build-variant.sh sanitize DIR}
launcher=()
command -v ccache >/dev/null &&
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
case $kind in
  sanitize)
    # -O0 where only the unit tests run: ASan and UBSan check as much there, and the backend at
    # -O1 is most of a sanitized compile's time. -O1 (the sanitizers' usual level) where the
    # fuzzers spend their time (VS_FUZZED_LAYERS). Line tables are enough for the reports'
    # file:line and cost a fraction of full debug info.
    flags="-O0 -gline-tables-only"
    CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_FLAGS_DEBUG="$flags" -DCMAKE_CXX_FLAGS_DEBUG="$flags" -DVS_FUZZ=ON \
      -DVS_FUZZ_LAYER_FLAGS=-O1 -DVS_FAULT_INJECTION=ON "${launcher[@]}" >/dev/null
    targets=(vs_unit_tests vs_fuzz_targets) ;;
  *) echo "build-variant.sh: unknown variant \"$kind\" (sanitize)" >&2; exit 2 ;;
esac
log=$dir/variant-build.log
cmake --build "$dir" -j"$(nproc)" --target "${targets[@]}" 2>&1 | tee "$log"
echo "build-variant.sh: $kind: $(grep -c 'warning:' "$log" || true) compiler warnings (see $log)"
