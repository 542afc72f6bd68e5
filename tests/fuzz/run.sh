#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time from its checked-in seed corpus.
# Usage: tests/fuzz/run.sh BUILD_DIR NAME [SECONDS]   (SECONDS: $VS_FUZZ_SECONDS, else 12)
# New inputs go to BUILD_DIR/fuzz/NAME/corpus (kept between runs, so each run goes further),
# a crashing input to BUILD_DIR/fuzz/NAME/crash-*: the failure message names it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILD_DIR NAME [SECONDS]}
name=${2:?usage: run.sh BUILD_DIR NAME [SECONDS]}
secs=${3:-${VS_FUZZ_SECONDS:-12}}
bin=$build/bin/${name}_fuzz
seeds=$here/corpus/$name
work=$build/fuzz/$name
[[ -x $bin ]] || { echo "run.sh: no $bin (scripts/build-variant.sh sanitize $build)" >&2; exit 2; }
[[ -d $seeds ]] || { echo "run.sh: no seed corpus $seeds" >&2; exit 2; }
mkdir -p "$work/corpus"
# -timeout: one input taking 10 s is a hang; -rss_limit_mb: a parser's allocation bomb fails.
# The dictionary-free default mutators are enough for these text formats.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exec "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus" "$seeds"
