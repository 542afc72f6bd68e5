#!/usr/bin/env bash
# Bench: start+stop of a guest with one veth interface on a test bridge, side by side with
# lxc-start (same veth setup) and crun (new netns, no interface) in one run.
# Everything runs in a throwaway network namespace holding the bridge; no packet leaves it.
# Usage: bench/net_start.sh [RUNS]
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
runs=${1:-30}
bench_prefix
work=$(mktemp -d /tmp/vs-bench-net.XXXXXX)
lxcpath=$work/lxc
ns=vsbench-$$
# Production /run is a tmpfs: mirror it, so state-file writes cost what they cost there.
mkdir -p "$VSERVER_PREFIX/run"
mount -t tmpfs -o mode=0755 vs-bench-run "$VSERVER_PREFIX/run"
# nsenter --net, not `ip netns exec`: the latter remounts /sys in a new mount namespace, which
# hides /sys/fs/cgroup and so the cgroups every runtime here needs.
N=(nsenter "--net=/run/netns/$ns")
# crun 1.8 refuses this hybrid layout, so it runs in a mount namespace without cgroup2's mount.
# LXC checks the bridge in /sys/class/net, which shows the host's netns after nsenter: give it a
# mount namespace with this netns' sysfs net entries bound over the host's.
in_lxc_ns() {
  local sh='mkdir -p '"$work"'/sysfs && mount -t sysfs sysfs '"$work"'/sysfs'
  sh+=' && mount --bind '"$work"'/sysfs/class/net /sys/class/net'
  sh+=' && mount --bind '"$work"'/sysfs/devices/virtual/net /sys/devices/virtual/net && '"$1"
  "${N[@]}" unshare -m --propagation private bash -c "$sh"
}
in_crun_ns() {
  "${N[@]}" unshare -m --propagation private bash -c \
    'umount /sys/fs/cgroup/unified 2>/dev/null; '"$1"
}

cleanup() {
  if [[ -e /run/netns/$ns ]]; then
    "${N[@]}" "$VS_BIN/vserver" bnet stop >/dev/null 2>&1 || true
    "${N[@]}" "$VS_BIN/vserver" bnonet stop >/dev/null 2>&1 || true
    in_lxc_ns "lxc-stop -P $lxcpath -n bench-lxc-net -k" >/dev/null 2>&1 || true
    in_crun_ns "crun delete -f bench-crun-net" >/dev/null 2>&1 || true
  fi
  "$VS_BIN/vserver" bnet delete --force >/dev/null 2>&1 || true
  "$VS_BIN/vserver" bnonet delete --force >/dev/null 2>&1 || true
  lxc-destroy -P "$lxcpath" -n bench-lxc-net >/dev/null 2>&1 || true
  ip netns del "$ns" 2>/dev/null || true
  for h in /sys/fs/cgroup/*/"$VSERVER_CGROUP_PARENT" \
           /sys/fs/cgroup/unified/"$VSERVER_CGROUP_PARENT"; do
    [[ -d $h ]] && find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  umount "$VSERVER_PREFIX/run" 2>/dev/null || true
  rm -rf "$work" "$VSERVER_PREFIX"
}
trap cleanup EXIT

# The test LAN: bridge br0 in the bench netns; 10.88.0.0/24 exists only there.
bench_lan "$ns"

# Ours: veth (the default mode on a bridge), guest end eth0 = 10.88.0.2/24.
"${N[@]}" "$VS_BIN/vserver" bnet build -m skeleton --initstyle reaper \
  --interface eth0=br0:10.88.0.2/24 >/dev/null
root=$VSERVER_PREFIX/var/lib/vservers/bnet
# The same guest without an interface (its own netns with lo only): the difference between the
# two is what the veth costs, apart from the generic start/stop path.
"${N[@]}" "$VS_BIN/vserver" bnonet build -m skeleton --initstyle reaper >/dev/null

# LXC: same busybox tree and the same veth configuration.
mkdir -p "$lxcpath/bench-lxc-net"
cp -a "$root" "$lxcpath/bench-lxc-net/rootfs"
cat > "$lxcpath/bench-lxc-net/config" <<CFG
lxc.uts.name = bench-lxc-net
lxc.rootfs.path = dir:$lxcpath/bench-lxc-net/rootfs
lxc.apparmor.profile = unconfined
lxc.net.0.type = veth
lxc.net.0.link = br0
lxc.net.0.name = eth0
lxc.net.0.flags = up
lxc.net.0.ipv4.address = 10.88.0.3/24
lxc.init.cmd = /bin/sleep 1000000
lxc.mount.auto = proc:mixed sys:ro
lxc.prlimit.nofile = 1024
CFG

# crun: runc's default spec already has a new network namespace; crun puts only lo in it
# (interfaces are a CNI/engine job), so it does less work than the other two.
make_oci_bundle "$work/bundle" "$root" /bin/sleep 1000000

# Sanity: each one really gets its interface.
"${N[@]}" "$VS_BIN/vserver" bnet start
"${N[@]}" "$VS_BIN/vserver" bnet exec ip -4 -o addr show eth0 | grep -q 10.88.0.2/24
"${N[@]}" busybox ping -c1 -W2 10.88.0.2 >/dev/null
"${N[@]}" "$VS_BIN/vserver" bnet stop
in_lxc_ns "lxc-start -P $lxcpath -n bench-lxc-net -d"
lxc_ok=0
for _ in $(seq 50); do
  "${N[@]}" busybox ping -c1 -W1 10.88.0.3 >/dev/null 2>&1 && { lxc_ok=1; break; }
  sleep 0.1
done
in_lxc_ns "lxc-stop -P $lxcpath -n bench-lxc-net -k"
[[ $lxc_ok == 1 ]] || { echo "lxc guest does not answer on 10.88.0.3" >&2; exit 1; }

echo "== start + stop with one veth on br0 ($runs runs each)" >&2
"${N[@]}" hyperfine --style basic --export-json "$RESULTS/netstart-vserver.json" -r "$runs" -w 3 \
  "vserver bnet start && vserver bnet stop" "vserver bnonet start && vserver bnonet stop" >&2
in_lxc_ns "hyperfine --style basic --export-json $RESULTS/netstart-lxc.json -r $runs -w 3 \
  'lxc-start -P $lxcpath -n bench-lxc-net -d && lxc-stop -P $lxcpath -n bench-lxc-net -k'" >&2
in_crun_ns "hyperfine --style basic --export-json $RESULTS/netstart-crun.json -r $runs -w 3 \
  'crun run -d --bundle $work/bundle bench-crun-net >/dev/null && crun delete -f bench-crun-net'" \
  >&2

medians "$RESULTS"/netstart-{vserver,lxc,crun}.json | tee "$RESULTS/net_start.tsv"
python3 - "$RESULTS/netstart-vserver.json" "$RESULTS/netstart-lxc.json" <<'PY'
import json, sys, statistics
med = lambda r: statistics.median(r["times"]) * 1000
ours = json.load(open(sys.argv[1]))["results"]
lxc = med(json.load(open(sys.argv[2]))["results"][0])
veth, nonet = med(ours[0]), med(ours[1])
print(f"veth part (vserver veth - vserver no interface): {veth - nonet:.1f} ms")
print(f"vserver / lxc median ratio: {veth / lxc:.2f} (target <= 0.60)")
PY
