#!/usr/bin/env bash
# Bench: vserver-stat over N running guests, side by side with LXC gathering the same
# figures for N running containers, in one hyperfine run. Both sides run the same busybox root
# (a copy of a `vserver NAME build -m skeleton` guest) with its busybox /sbin/init as PID 1.
# Usage: bench/vserver_stat.sh [N] [RUNS]
#
# LXC: lxcpath under the temp prefix, `lxc.apparmor.profile = unconfined` (no AppArmor here),
# `lxc.net.0.type = empty`, cgroups under a random parent of our own. Cleanup (trap EXIT) stops
# and destroys every container and guest this script made and removes their cgroups.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
n=${1:-100}
runs=${2:-20}
bench_prefix
LXCPATH=$VSERVER_PREFIX/lxc
LXC_PARENT=vsbench-lxc-$$
mkdir -p "$LXCPATH"
guests=()
containers=()

cleanup() {
  set +e
  echo "cleanup: stopping ${#guests[@]} guests and ${#containers[@]} containers" >&2
  printf '%s\n' "${containers[@]}" |
    xargs -r -P 8 -I{} lxc-stop -P "$LXCPATH" -n {} -k >/dev/null 2>&1
  printf '%s\n' "${containers[@]}" |
    xargs -r -P 8 -I{} lxc-destroy -P "$LXCPATH" -n {} >/dev/null 2>&1
  printf '%s\n' "${guests[@]}" | xargs -r -P 8 -I{} "$VS_BIN/vserver" {} stop >/dev/null 2>&1
  local d
  for d in /sys/fs/cgroup/*/"$LXC_PARENT" /sys/fs/cgroup/"$LXC_PARENT" \
           /sys/fs/cgroup/*/"$VSERVER_CGROUP_PARENT" /sys/fs/cgroup/"$VSERVER_CGROUP_PARENT"; do
    [[ -d $d ]] || continue
    find "$d" -depth -mindepth 1 -type d -exec rmdir {} \; 2>/dev/null
    rmdir "$d" 2>/dev/null || echo "cleanup: could not remove $d" >&2
  done
  rm -rf "$VSERVER_PREFIX"
}
trap cleanup EXIT

"$VS_BIN/vserver" template build -m skeleton --initstyle plain >/dev/null
root=$VSERVER_PREFIX/var/lib/vservers/template

echo "building and starting $n guests" >&2
for i in $(seq 1 "$n"); do
  "$VS_BIN/vserver" "g$i" build -m skeleton --initstyle plain >/dev/null 2>&1
  guests+=("g$i")
  "$VS_BIN/vserver" "g$i" start
done

echo "creating and starting $n LXC containers" >&2
for i in $(seq 1 "$n"); do
  c=c$i
  mkdir -p "$LXCPATH/$c"
  cp -a "$root" "$LXCPATH/$c/rootfs"
  cat >"$LXCPATH/$c/config" <<EOF
lxc.uts.name = $c
lxc.rootfs.path = dir:$LXCPATH/$c/rootfs
lxc.apparmor.profile = unconfined
lxc.net.0.type = empty
lxc.init.cmd = /sbin/init
lxc.mount.auto = proc:mixed sys:ro cgroup:mixed
lxc.tty.max = 0
lxc.pty.max = 4
lxc.console.path = none
lxc.cgroup.dir.container = $LXC_PARENT/$c
lxc.cgroup.dir.monitor = $LXC_PARENT/$c.monitor
EOF
  containers+=("$c")
  lxc-start -P "$LXCPATH" -n "$c" -d
done
sleep 2
running_vs=$("$VS_BIN/vserver-stat" | awk 'NR > 2' | wc -l)
running_lxc=$(lxc-ls -P "$LXCPATH" --running | wc -w)
echo "running: $running_vs guests, $running_lxc containers" >&2

# The LXC side: lxc-info is the tool that reports figures (init PID, CPU use, memory use, ...),
# one container per call, so gathering them for every container is a loop over lxc-ls.
# lxc-ls -f -F also prints memory (RAM) in one call, but no cpu time.
mkdir -p "$VSERVER_PREFIX/bin"
cat >"$VSERVER_PREFIX/bin/lxc-info-all" <<EOF
#!/bin/sh
for c in \$(lxc-ls -P "$LXCPATH" --running); do lxc-info -P "$LXCPATH" -n "\$c" -S -p -H; done
EOF
chmod +x "$VSERVER_PREFIX/bin/lxc-info-all"

hf vserver_stat_100 --warmup 2 --runs "$runs" -N \
  "$VS_BIN/vserver-stat" \
  "$VS_BIN/vserver-stat --json" \
  "$VSERVER_PREFIX/bin/lxc-info-all" \
  "lxc-ls -P $LXCPATH -f -F NAME,STATE,PID,RAM"

{
  # shellcheck disable=SC2012 # a count of entries: no name is parsed
  echo "guests=$running_vs containers=$running_lxc" \
    "processes=$(ls -d /proc/[0-9]* 2>/dev/null | wc -l)"
  medians "$RESULTS/vserver_stat_100.json" | sed "s|$LXCPATH|LXCPATH|; s|$VSERVER_PREFIX/bin/||"
} | tee "$RESULTS/vserver_stat.txt"
