#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 (as root) and runs every test suite: unit, priv,
# integration, the cgroup-v2 VM, then the sanitize build variant and the fuzz
# targets, which build their own dirs under build/variants (docs/testing.md).
# Suites run two at a time (VS_TEST_JOBS, default 2): each integration suite works under its own
# prefix, cgroup parent and network namespaces; the VM and the variant build, which use every
# core, are RUN_SERIAL (tests/CMakeLists.txt, tests/variants/CMakeLists.txt).
# Usage: scripts/test.sh [ctest args...], e.g. scripts/test.sh -L unit, scripts/test.sh -LE vm
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build
cd build
ctest --output-on-failure -j"${VS_TEST_JOBS:-2}" "$@"
