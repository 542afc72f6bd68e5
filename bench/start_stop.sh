#!/usr/bin/env bash
# Bench: cold start+stop of a reaper-style guest, and exec into a running guest, side by
# side with crun, runc and LXC in one run. Ours twice: `bstart` is a user-namespaced guest
# (build's default), `bclassic` the same tree built with --no-userns.
# Usage: [ROUNDS=N] bench/start_stop.sh [RUNS]
# ROUNDS > 1 splits the start+stop runs into N rounds that take turns (vserver, crun, lxc, runc,
# then again) and pools the times: on a shared machine whose load drifts, a peer measured only
# later would otherwise see a different machine. The medians are of the pooled times. runc and
# crun container names carry the PID, so two runs at once do not collide.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
runs=${1:-30}
rounds=${ROUNDS:-1}
per_round=$(( (runs + rounds - 1) / rounds ))
bench_prefix
work=$(mktemp -d /tmp/vs-bench-peers.XXXXXX)
lxcpath=$work/lxc
# Production /run is a tmpfs: mirror it, so state-file fsyncs cost what they cost there.
mkdir -p "$VSERVER_PREFIX/run"
mount -t tmpfs -o mode=0755 vs-bench-run "$VSERVER_PREFIX/run"
cleanup() {
  vserver bstart stop >/dev/null 2>&1 || true
  vserver bstart delete --force >/dev/null 2>&1 || true
  vserver bclassic stop >/dev/null 2>&1 || true
  vserver bclassic delete --force >/dev/null 2>&1 || true
  runc delete -f bench-runc-$$-exec >/dev/null 2>&1 || true
  lxc-stop -P "$lxcpath" -n bench-lxc -k >/dev/null 2>&1 || true
  lxc-destroy -P "$lxcpath" -n bench-lxc >/dev/null 2>&1 || true
  if [ -n "${crun_ns_pid:-}" ]; then kill "$crun_ns_pid" 2>/dev/null || true; fi
  umount "$VSERVER_PREFIX/run" 2>/dev/null || true
  rm -rf "$work" "$VSERVER_PREFIX"
}
trap cleanup EXIT

vserver bstart build -m skeleton --initstyle reaper --userns >/dev/null
vserver bclassic build -m skeleton --initstyle reaper --no-userns >/dev/null
root=$VSERVER_PREFIX/var/lib/vservers/bstart
make_oci_bundle "$work/bundle" "$root" /bin/sleep 1000000

# LXC: same busybox tree, unconfined (no AppArmor here), no network to match the others.
mkdir -p "$lxcpath/bench-lxc"
cp -a "$root" "$lxcpath/bench-lxc/rootfs"
cat > "$lxcpath/bench-lxc/config" <<CFG
lxc.uts.name = bench-lxc
lxc.rootfs.path = dir:$lxcpath/bench-lxc/rootfs
lxc.apparmor.profile = unconfined
lxc.net.0.type = empty
lxc.init.cmd = /bin/sleep 1000000
lxc.mount.auto = proc:mixed sys:ro
lxc.prlimit.nofile = 1024
CFG

# crun 1.8 refuses this hybrid layout, so it runs in a mount namespace without cgroup2's mount.
in_crun_ns() {
  unshare -m --propagation private bash -c 'umount /sys/fs/cgroup/unified 2>/dev/null; '"$1"
}

echo "== start + stop ($((per_round * rounds)) runs each, $rounds round(s))" >&2
rm -f "$RESULTS"/start-*.json
for r in $(seq "$rounds"); do
  hf "start-vserver.r$r" -r "$per_round" -w 3 "vserver bstart start && vserver bstart stop"
  hf "start-vsclassic.r$r" -r "$per_round" -w 3 "vserver bclassic start && vserver bclassic stop"
  in_crun_ns "hyperfine --style basic --export-json $RESULTS/start-crun.r$r.json \
    -r $per_round -w 3 \
    'crun run -d --bundle $work/bundle bench-crun-$$ >/dev/null && crun delete -f bench-crun-$$'" \
    >&2
  hf "start-lxc.r$r" -r "$per_round" -w 3 \
    "lxc-start -P $lxcpath -n bench-lxc -d && lxc-stop -P $lxcpath -n bench-lxc -k"
  hf "start-runc.r$r" -r "$per_round" -w 3 \
    "runc run -d --bundle $work/bundle bench-runc-$$ >/dev/null && runc delete -f bench-runc-$$"
done
# One file per tool with the pooled times of all rounds (what `medians` reads below).
python3 - "$RESULTS" <<'PY'
import glob, json, os, sys
res = sys.argv[1]
for tool in ("vserver", "vsclassic", "crun", "lxc", "runc"):
    pooled = None
    for p in sorted(glob.glob(f"{res}/start-{tool}.r*.json")):
        r = json.load(open(p))["results"][0]
        if pooled is None:
            pooled = r
        else:
            pooled["times"] += r["times"]
        os.remove(p)
    json.dump({"results": [pooled]}, open(f"{res}/start-{tool}.json", "w"))
PY

echo "== exec /bin/true into a running guest" >&2
vserver bstart start
vserver bclassic start
init_pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["init_pid"])' \
  "$VSERVER_PREFIX/run/vservers/bstart/state.json")
runc run -d --bundle "$work/bundle" bench-runc-$$-exec >/dev/null
lxc-start -P "$lxcpath" -n bench-lxc -d
hf exec-vserver -r "$runs" -w 3 "vserver bstart exec /bin/true"
hf exec-vsclassic -r "$runs" -w 3 "vserver bclassic exec /bin/true"
hf exec-nsenter -r "$runs" -w 3 "nsenter -t $init_pid -a /bin/true"
hf exec-runc -r "$runs" -w 3 "runc exec bench-runc-$$-exec /bin/true"
hf exec-lxc -r "$runs" -w 3 "lxc-attach -P $lxcpath -n bench-lxc -- /bin/true"
in_crun_ns "crun run -d --bundle $work/bundle bench-crun-$$-exec >/dev/null &&
  hyperfine --style basic --export-json $RESULTS/exec-crun.json -r $runs -w 3 \
  'crun exec bench-crun-$$-exec /bin/true'; crun delete -f bench-crun-$$-exec" >&2

# Resident host processes per running guest: processes outside the guest's cgroup that exist
# only because the guest runs (a monitor, a shim, conmon). Ours must be zero.
resident=$(python3 - "$VSERVER_PREFIX" <<'PY'
import os, sys
parent = os.environ["VSERVER_CGROUP_PARENT"]
n = 0
for p in os.listdir("/proc"):
    if not p.isdigit(): continue
    try:
        cg = open(f"/proc/{p}/cgroup").read()
        cmd = open(f"/proc/{p}/cmdline").read()
    except OSError:
        continue
    if f"/{parent}/" in cg: continue
    if "vserver" in cmd.split("\0")[0]: n += 1
print(n)
PY
)
echo "resident host processes for the running guest: $resident"
medians "$RESULTS"/start-*.json "$RESULTS"/exec-*.json | tee "$RESULTS/start_stop.tsv"
