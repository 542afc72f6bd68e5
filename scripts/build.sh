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
# The test build: warnings are errors, and the VSERVER_FAULT seam the crash tests use is in.
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVS_WERROR=ON \
  -DVS_FAULT_INJECTION=ON "${launcher[@]}" ${VS_CMAKE_ARGS:-} >/dev/null
cmake --build "$dir" -j"$(nproc)"
