#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 (as root) and runs every test suite.
# Usage: scripts/test.sh [ctest args...], e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build
cd build
ctest --output-on-failure "$@"
