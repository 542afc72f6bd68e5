#!/usr/bin/env bash
# Shared bench helpers: a temp prefix for our guests, peers' bundles, hyperfine to JSON, medians.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_DIR=$(cd "$BENCH_DIR/.." && pwd)
VS_BIN=${VS_BIN:-$SRC_DIR/build/bin}
export PATH="$VS_BIN:$PATH"
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
mkdir -p "$RESULTS"

# Our guests live under a throwaway prefix and cgroup parent, never the host's /etc/vservers.
bench_prefix() {
  export VSERVER_PREFIX=${VSERVER_PREFIX:-$(mktemp -d /tmp/vs-bench.XXXXXX)}
  export VSERVER_CGROUP_PARENT=${VSERVER_CGROUP_PARENT:-vsbench-$$}
}

# An OCI bundle whose rootfs is a copy of a skeleton guest's root; process = ARGS.
make_oci_bundle() {  # dir rootfs-src args...
  local dir=$1 src=$2; shift 2
  mkdir -p "$dir"
  cp -a "$src" "$dir/rootfs"
  (cd "$dir" && runc spec)
  local args
  args=$(printf '%s\n' "$@" |
    python3 -c 'import json,sys; print(json.dumps([l.rstrip("\n") for l in sys.stdin]))')
  python3 - "$dir/config.json" "$args" <<'PY'
import json, sys
p, args = sys.argv[1], json.loads(sys.argv[2])
c = json.load(open(p))
c["process"]["args"] = args
c["process"]["terminal"] = False
c["root"]["readonly"] = False
# No CAP_SYS_RESOURCE here: keep rlimits within the host's hard limits.
c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]
json.dump(c, open(p, "w"), indent=1)
PY
}

# Runs hyperfine and stores JSON as $RESULTS/<tag>.json.
hf() {  # tag hyperfine-args...
  local tag=$1; shift
  hyperfine --style basic --export-json "$RESULTS/$tag.json" "$@" >&2
}

# Prints "name median_ms" for every command of the given result files.
medians() {
  python3 - "$@" <<'PY'
import json, sys, statistics
for f in sys.argv[1:]:
    for r in json.load(open(f))["results"]:
        print(f'{r["command"]}\t{statistics.median(r["times"])*1000:.2f}')
PY
}

# bench_lan NS: the test LAN of the network benches, a netns NS holding bridge br0 with
# 10.88.0.1/24; that subnet exists only there, so no packet leaves it.
bench_lan() {
  ip netns add "$1"
  ip -n "$1" link set lo up
  ip -n "$1" link add br0 type bridge
  ip -n "$1" link set br0 up
  ip -n "$1" addr add 10.88.0.1/24 dev br0
}
