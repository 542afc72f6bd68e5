#!/usr/bin/env bash
# Configures and builds into build/ (binaries in build/bin/).
# Usage: scripts/build.sh [BUILD_DIR] [--package]
#   --package  the same compile flags without the test suites and the VSERVER_FAULT seam, as
#              cpack needs (tests/integration/package.slow.bats): beside a test build, ccache
#              answers every compile but the seam's library.
# Extra cmake options come from VS_CMAKE_ARGS (e.g. VS_CMAKE_ARGS=-DCMAKE_BUILD_TYPE=Release).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
test_build=(-DVS_FAULT_INJECTION=ON)
[[ ${2:-} == --package ]] && test_build=(-DVS_FAULT_INJECTION=OFF -DVS_BUILD_TESTS=OFF)
[[ -z ${2:-} || ${2:-} == --package ]] ||
  { echo "build.sh: unknown option '$2' (usage: build.sh [BUILD_DIR] [--package])" >&2; exit 2; }
launcher=()
# ccache, when installed, lets the build dirs of one checkout (and several work trees) share their
# compiles: paths below the checkout are hashed relative to it, and the build dir is left out of
# the hash (-g1's comp_dir then names whichever dir compiled first).
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
fi
# The test build: a user's Release build (-O3, the level at which GCC 12 warns most) plus line
# tables for backtraces; warnings are errors, and the VSERVER_FAULT seam the crash tests use is in.
rel="-O3 -DNDEBUG -g1"
# shellcheck disable=SC2086
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="$rel" \
  -DCMAKE_CXX_FLAGS_RELEASE="$rel" -DVS_WERROR=ON "${test_build[@]}" "${launcher[@]}" \
  ${VS_CMAKE_ARGS:-} >/dev/null
cmake --build "$dir" -j"$(nproc)"
