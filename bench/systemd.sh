#!/usr/bin/env bash
# Bench: boot of a Debian 12 systemd guest (the bookworm-systemd fixture, scripts/fixtures.sh
# --systemd) under vserver-ng (init style systemd, in its user namespace), systemd-nspawn -b and
# lxc-start, the tools taking turns round by round. Boot: from the start command until
# `systemctl is-system-running` inside answers running or degraded, asked every 10 ms through
# each tool's own way in (vserver exec, nsenter, lxc-attach). Stop: from the stop request
# (vserver stop; SIGTERM to nspawn, which halts the container; lxc-stop with SIGRTMIN+3) until
# the tool returned and the guest is gone. nspawn and LXC run the same tree without a user
# namespace (their defaults); ours maps it. Medians and the ratios are of this one run.
# Usage: bench/systemd.sh [ROUNDS]   (default 10; VS_BUILD_DIR: where the fixture is cached)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
rounds=${1:-10}
build_dir=${VS_BUILD_DIR:-$SRC_DIR/build}
for t in systemd-nspawn nsenter lxc-start lxc-attach; do
  command -v "$t" >/dev/null || { echo "bench/systemd.sh: $t not installed" >&2; exit 1; }
done
fixture=$(VS_BIN=$VS_BIN bash "$SRC_DIR/scripts/fixtures.sh" "$build_dir" --systemd | tail -1)
bench_prefix
work=$(mktemp -d /tmp/vs-bench-systemd.XXXXXX)
lxcpath=$work/lxc
nsp=""
# nspawn makes its payload/ and supervisor/ cgroups beside itself: it runs in cgroups of its own
# (the hierarchies systemd uses: cgroup2, and name=systemd on hybrid hosts), removed at the end.
nspawn_cgs=()
if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
  nspawn_cgs=("/sys/fs/cgroup/$VSERVER_CGROUP_PARENT-nspawn")
else
  for h in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
    [[ -d $h ]] && nspawn_cgs+=("$h/$VSERVER_CGROUP_PARENT-nspawn")
  done
fi
cleanup() {
  vserver bsd stop >/dev/null 2>&1 || true
  vserver bsd delete --force >/dev/null 2>&1 || true
  if [[ -n $nsp ]]; then kill "$nsp" 2>/dev/null || true; wait "$nsp" 2>/dev/null || true; fi
  lxc-stop -P "$lxcpath" -n bsd-lxc -k >/dev/null 2>&1 || true
  local d
  for d in "${nspawn_cgs[@]}"; do
    if [[ -d $d ]]; then find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done
  rm -rf "$work" "$VSERVER_PREFIX"
}
trap cleanup EXIT

vserver bsd build -m template -- -t "$fixture" >/dev/null
# nspawn's and LXC's tree: the fixture as is (host ids), one copy used by each in turn.
mkdir "$work/tree"
tar --numeric-owner --xattrs --xattrs-include='*' --acls -I zstd -C "$work/tree" -xf "$fixture"
mkdir -p "$lxcpath/bsd-lxc"
cat >"$lxcpath/bsd-lxc/config" <<CFG
lxc.uts.name = bsd-lxc
lxc.rootfs.path = dir:$work/tree
lxc.apparmor.profile = unconfined
lxc.net.0.type = empty
lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed
lxc.signal.halt = SIGRTMIN+3
CFG

now_ns() { date +%s%N; }
# until_running CMD...: asks CMD systemctl is-system-running until running or degraded (60 s).
until_running() {
  local s
  for _ in $(seq 6000); do
    s=$("$@" systemctl is-system-running 2>/dev/null) || true
    [[ $s == running || $s == degraded ]] && return 0
    sleep 0.01
  done
  echo "bench/systemd.sh: no running state from: $* (last: $s)" >&2
  return 1
}

boot_vserver() { vserver bsd start; until_running vserver bsd exec; }
stop_vserver() { vserver bsd stop; }
for d in "${nspawn_cgs[@]}"; do mkdir -p "$d"; done
boot_nspawn() {
  # --keep-unit: no transient scope (there may be no systemd on the host to make one).
  bash -c 'for d in "$@"; do echo $$ >"$d/cgroup.procs"; done
    exec systemd-nspawn -D "$0" -b --register=no --keep-unit -M bsd-nspawn -q' \
    "$work/tree" "${nspawn_cgs[@]}" </dev/null >"$work/nspawn.log" 2>&1 &
  nsp=$!
  # The container's PID 1: nspawn's child in another pid namespace (nspawn first forks a helper
  # in ours, which exits once it made the container).
  local leader="" c
  for _ in $(seq 6000); do
    for c in $(pgrep -P "$nsp"); do
      [[ $(readlink "/proc/$c/ns/pid" 2>/dev/null) != "$(readlink /proc/self/ns/pid)" ]] &&
        [[ -e /proc/$c/ns/pid ]] && leader=$c
    done
    [[ -n $leader ]] && break
    sleep 0.01
  done
  until_running nsenter -t "$leader" -a
}
stop_nspawn() { kill -TERM "$nsp"; wait "$nsp" || true; nsp=""; }
boot_lxc() {
  lxc-start -P "$lxcpath" -n bsd-lxc -d
  until_running lxc-attach -P "$lxcpath" -n bsd-lxc --
}
stop_lxc() { lxc-stop -P "$lxcpath" -n bsd-lxc -t 60; }

declare -A boot stop
tools=(vserver nspawn lxc)
printf 'round' >&2
for t in "${tools[@]}"; do printf '\t%s boot\t%s stop' "$t" "$t" >&2; done
echo >&2
for r in $(seq "$rounds"); do
  printf '%s' "$r" >&2
  for t in "${tools[@]}"; do
    t0=$(now_ns)
    "boot_$t"
    t1=$(now_ns)
    "stop_$t"
    t2=$(now_ns)
    boot[$t]+="$(((t1 - t0) / 1000)) "
    stop[$t]+="$(((t2 - t1) / 1000)) "
    printf '\t%.1f\t%.1f' "$(bc <<<"scale=1; ($t1 - $t0) / 1000000")" \
      "$(bc <<<"scale=1; ($t2 - $t1) / 1000000")" >&2
  done
  echo >&2
done

python3 - "$RESULTS/systemd.json" "${boot[vserver]}" "${stop[vserver]}" "${boot[nspawn]}" \
  "${stop[nspawn]}" "${boot[lxc]}" "${stop[lxc]}" <<'PY'
import json, statistics, sys
out, *cols = sys.argv[1:]
names = ["vserver", "nspawn", "lxc"]
res = {}
for i, n in enumerate(names):
    b = [int(x) / 1000 for x in cols[2 * i].split()]
    s = [int(x) / 1000 for x in cols[2 * i + 1].split()]
    res[n] = {"boot_ms": b, "stop_ms": s,
              "boot_median_ms": statistics.median(b), "stop_median_ms": statistics.median(s)}
json.dump(res, open(out, "w"), indent=1)
print("tool\tboot median ms\tstop median ms")
for n in names:
    print(f'{n}\t{res[n]["boot_median_ms"]:.1f}\t{res[n]["stop_median_ms"]:.1f}')
for n in names[1:]:
    print(f'vserver/{n}\tboot {res["vserver"]["boot_median_ms"] / res[n]["boot_median_ms"]:.2f}'
          f'\tstop {res["vserver"]["stop_median_ms"] / res[n]["stop_median_ms"]:.2f}')
PY
