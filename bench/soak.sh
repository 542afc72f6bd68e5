#!/usr/bin/env bash
# E44 soak: CYCLES start/exec/stop cycles of one veth guest; what the host holds before and after
# (mountinfo lines, cgroups, /run/netns entries, veths, processes and fds of ours, zombies) and the
# maximum RSS of each vserver command over the first and the last 50 cycles (there is no resident
# manager, so the commands' own peaks are what could grow). Usage: bench/soak.sh [CYCLES]
#
# The guest lives under a temp VSERVER_PREFIX (run dir on a tmpfs, as /run is) and a random
# cgroup parent; its veth's host end goes into a bridge in a network namespace made here, and
# every vserver command runs in that namespace (the host's own network is never touched).
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
cycles=${1:-1000}
bench_prefix
NS=vssoak-$$
work=$(mktemp -d /tmp/vs-soak.XXXXXX)
mkdir -p "$VSERVER_PREFIX/run"
mount -t tmpfs -o mode=0755 vs-soak-run "$VSERVER_PREFIX/run"
ip netns add "$NS"
N=(nsenter "--net=/run/netns/$NS")
"${N[@]}" ip link set lo up
"${N[@]}" ip link add br0 type bridge
"${N[@]}" ip link set br0 up
v() { "${N[@]}" "$VS_BIN/vserver" "$@"; }
cleanup() {
  v soak stop >/dev/null 2>&1 || true
  v soak delete --force >/dev/null 2>&1 || true
  ip netns del "$NS" 2>/dev/null || true
  umount "$VSERVER_PREFIX/run" 2>/dev/null || true
  rm -rf "$work" "$VSERVER_PREFIX"
}
trap cleanup EXIT

v soak build -m skeleton --initstyle reaper --interface eth0=br0:192.0.2.10/24 >/dev/null

# Host-wide figures; other users of the machine move some of them (zombies, total fds), which is
# why the ones of our own (cgroup parent, processes named vserver/vs-init, prefix mounts) are
# listed apart.
snapshot() {
  # Ours: processes whose environment carries this run's VSERVER_PREFIX (every vserver command
  # and whatever it could leave behind on the host), except this script and its own children.
  local ours=0 ourfds=0 p
  for p in /proc/[0-9]*; do
    [[ ${p#/proc/} == "$$" || ${p#/proc/} == "$BASHPID" ]] && continue
    grep -qaF "VSERVER_PREFIX=$VSERVER_PREFIX" "$p/environ" 2>/dev/null || continue
    [[ $(cat "$p/comm" 2>/dev/null) == bash ]] && continue
    ours=$((ours + 1))
    # shellcheck disable=SC2012 # a count of entries: no name is parsed
    ourfds=$((ourfds + $(ls "$p/fd" 2>/dev/null | wc -l)))
  done
  # shellcheck disable=SC2012 # a count of entries: no name is parsed
  printf '%s\n' \
    "mountinfo_lines $(wc -l </proc/self/mountinfo)" \
    "prefix_mounts $(grep -c -F "$VSERVER_PREFIX" /proc/self/mountinfo || true)" \
    "cgroups_host $(find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | wc -l)" \
    "cgroups_ours $(find /sys/fs/cgroup -mindepth 1 -type d -path "*/$VSERVER_CGROUP_PARENT/*" \
      2>/dev/null | wc -l)" \
    "run_netns $(ls /run/netns 2>/dev/null | wc -l)" \
    "veths_in_bench_ns $("${N[@]}" ip -o link show type veth | wc -l)" \
    "veths_host $(ip -o link show type veth | wc -l)" \
    "our_processes $ours" \
    "our_process_fds $ourfds" \
    "zombies_host $(awk '$3 == "Z"' /proc/[0-9]*/stat 2>/dev/null | wc -l)" \
    "run_dir_files $(find "$VSERVER_PREFIX/run" -type f | wc -l)"
  find "$VSERVER_PREFIX/run" -type f -printf '%P\n' | sort >"$work/files.$1"
}

snapshot before >"$work/before"
# Max RSS (KiB) of each command, one line per cycle: start exec stop.
: >"$work/rss"
for i in $(seq "$cycles"); do
  s=$(/usr/bin/time -f %M "${N[@]}" "$VS_BIN/vserver" soak start 2>&1 >/dev/null | tail -1)
  e=$(/usr/bin/time -f %M "${N[@]}" "$VS_BIN/vserver" soak exec true 2>&1 >/dev/null | tail -1)
  t=$(/usr/bin/time -f %M "${N[@]}" "$VS_BIN/vserver" soak stop 2>&1 >/dev/null | tail -1)
  echo "$s $e $t" >>"$work/rss"
  if (( i % 100 == 0 )); then echo "cycle $i" >&2; fi
done
snapshot after >"$work/after"

echo "== $cycles start/exec/stop cycles of one veth guest"
join "$work/before" "$work/after" | awk '{printf "%-22s before %6s after %6s\n", $1, $2, $3}'
echo "run dir files after: $(tr '\n' ' ' <"$work/files.after")"
python3 - "$work/rss" <<'PY'
import sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
first, last = rows[:50], rows[-50:]
for i, name in enumerate(("start", "exec", "stop")):
    print(f"max RSS of {name:5}: first 50 cycles {max(r[i] for r in first)} KiB, "
          f"last 50 {max(r[i] for r in last)} KiB")
PY
