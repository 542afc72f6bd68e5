#!/usr/bin/env bash
# Configures and builds into build/ (binaries in build/bin/). Usage: scripts/build.sh [BUILD_DIR]
# Extra cmake options come from VS_CMAKE_ARGS (e.g. VS_CMAKE_ARGS=-DCMAKE_BUILD_TYPE=Release).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
launcher=()
# ccache, when installed, lets several work trees of one checkout share their compiles.
command -v ccache >/dev/null &&
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
# shellcheck disable=SC2086
# The test build: a user's Release build (-O3, the level at which GCC 12 warns most) plus line
# tables for backtraces; warnings are errors, and the VSERVER_FAULT seam the crash tests use is in.
rel="-O3 -DNDEBUG -g1"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="$rel" \
  -DCMAKE_CXX_FLAGS_RELEASE="$rel" -DVS_WERROR=ON -DVS_FAULT_INJECTION=ON "${launcher[@]}" \
  ${VS_CMAKE_ARGS:-} >/dev/null
cmake --build "$dir" -j"$(nproc)"
