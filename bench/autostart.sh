#!/usr/bin/env bash
# N marked skeleton guests (default 1000, reaper style: vs-init as PID 1, nothing else) started
# one after another (`vserver NAME start` in a loop) and then as a group (`vserver-autostart
# start`, NUMPARALLEL=J, default 6); each start followed by the group's stop. Prints wall time,
# CPU time (user+sys of every process involved) and CPU/wall (how many cores were busy), and
# writes $RESULTS/autostart.txt. Every guest is stopped and removed at the end, also on failure.
# Usage: bench/autostart.sh [N] [J]
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
N=${1:-1000}
J=${2:-6}
bench_prefix
ETC=$VSERVER_PREFIX/etc/vservers
VDIR=$VSERVER_PREFIX/var/lib/vservers

cleanup() {
  set +e
  vserver-autostart -j "$J" stop bench >/dev/null 2>&1
  # Anything still running (a failed stop) goes the ordinary way, one by one.
  for c in "$ETC"/g*; do
    [[ -d $c ]] || continue
    vserver "$(basename "$c")" running 2>/dev/null &&
      vserver "$(basename "$c")" stop >/dev/null 2>&1
  done
  local left
  left=$(grep -c -F "$VSERVER_PREFIX" /proc/self/mountinfo)
  [[ $left -eq 0 ]] || echo "autostart bench: $left mounts left under $VSERVER_PREFIX" >&2
  for d in /sys/fs/cgroup/*/"$VSERVER_CGROUP_PARENT" /sys/fs/cgroup/"$VSERVER_CGROUP_PARENT"; do
    [[ -d $d ]] || continue
    find "$d" -depth -mindepth 1 -type d -exec rmdir {} \; 2>/dev/null
    rmdir "$d" 2>/dev/null || echo "autostart bench: cgroup $d left" >&2
  done
  rm -rf "$VSERVER_PREFIX"
}
trap cleanup EXIT

# One guest built the ordinary way, then N copies with their own name, context, root and links
# (build for each would measure build, not start).
vserver tmpl build -m skeleton --initstyle reaper >/dev/null
echo bench >"$ETC/tmpl/apps/init/mark"
for i in $(seq 1 "$N"); do
  g=g$i
  cp -a "$ETC/tmpl" "$ETC/$g"
  echo "$g" >"$ETC/$g/name"
  echo $((40000 + i)) >"$ETC/$g/context"
  ln -sfn "$VDIR/$g" "$ETC/$g/vdir"
  ln -sfn "$VSERVER_PREFIX/var/cache/vservers/$g" "$ETC/$g/cache"
  ln -sfn "$VSERVER_PREFIX/run/vservers/$g" "$ETC/$g/run"
  cp -a "$VDIR/tmpl" "$VDIR/$g"
done
rm -rf "$ETC/tmpl" "$VDIR/tmpl" "$VSERVER_PREFIX/var/cache/vservers/tmpl" \
  "$VSERVER_PREFIX/run/vservers/tmpl"

# utime stime cutime cstime of this shell (a subshell: BASHPID), in ticks: the children it
# waited for, and theirs, count.
cpu() { awk '{print $14+$15+$16+$17}' "/proc/$1/stat"; }
# Busy ticks of the whole machine (/proc/stat: all but idle and iowait): the guests' inits and
# the kernel's work for them are not our children. Other users of the machine count too.
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
HZ=$(getconf CLK_TCK)
measure() {  # label command...
  local label=$1 t0 t1 c0 c1 b0 b1 me=$BASHPID
  shift
  c0=$(cpu "$me")
  b0=$(busy)
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  c1=$(cpu "$me")
  b1=$(busy)
  awk -v l="$label" -v w="$(echo "$t1 - $t0" | bc)" -v c="$((c1 - c0))" -v hz="$HZ" -v n="$N" \
    -v b="$((b1 - b0))" \
    'BEGIN { printf "%-32s wall %6.1f s %6.1f ms/guest  cpu %5.1f s  machine busy %4.2f cores\n",
             l, w, w * 1000 / n, c / hz, b / hz / w }'
}
running_count() { vserver-autostart status bench | grep -c ': running$' || true; }
one_by_one() { for i in $(seq 1 "$N"); do vserver "g$i" start; done; }

{
  echo "autostart bench: $N reaper guests, $(nproc) cores, $(uname -r)"
  measure "start one after another" one_by_one
  echo "  running: $(running_count)"
  measure "stop (vserver-autostart -j $J)" vserver-autostart -j "$J" stop bench
  echo "  running: $(running_count)"
  measure "start (vserver-autostart -j $J)" vserver-autostart -j "$J" start bench
  echo "  running: $(running_count)"
  measure "stop (vserver-autostart -j $J)" vserver-autostart -j "$J" stop bench
  echo "  running: $(running_count)"
} | tee "$RESULTS/autostart.txt"
