#!/usr/bin/env bash
# Unification on btrfs: 10 trees of the Debian 12 minbase fixture on a loop btrfs, shared by
# vhashify and by its peers (jdupes -rB, jdupes -L, rdfind -makehardlinks, duperemove -rd), each
# on a fresh filesystem; space left (df after sync) and time, as ratios, in one run. Then the
# speed-up of a vhashify rerun over the unchanged trees (the hash cache).
#
# Usage: bench/unify.sh [TREES]   (default 10; VS_BIN=<build>/bin picks the build)
# Needs root; apt-get installs the peers. Everything lives under a temporary dir and is removed
# on exit, also when interrupted.
source "$(dirname "$0")/lib.sh"
trees=${1:-10}
[[ $EUID -eq 0 ]] || { echo "bench/unify.sh: needs root" >&2; exit 2; }
for p in jdupes rdfind duperemove; do
  command -v "$p" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$p" >&2
done
fixture=$(VS_BIN=$VS_BIN bash "$SRC_DIR/scripts/fixtures.sh" "$(dirname "$VS_BIN")" | tail -1)

work=$(mktemp -d /tmp/vs-bench-unify.XXXXXX)
loop=
cleanup() {
  mountpoint -q "$work/mnt" && umount "$work/mnt"
  [[ -n $loop ]] && losetup -d "$loop"
  rm -rf "$work"
}
# EXIT also runs when bash dies of SIGINT or SIGTERM; a trap on those would run cleanup and
# then carry on with the next step over the removed work dir.
trap cleanup EXIT
truncate -s $((trees * 300 + 1024))M "$work/fs.img"
loop=$(losetup -f --show "$work/fs.img")
prefix=$work/prefix
mkdir -p "$work/mnt"

used_mib() {
  sync
  btrfs filesystem sync "$work/mnt" >/dev/null
  df -B1M --output=used "$work/mnt" | tail -1 | tr -d ' '
}

# fresh: a new btrfs holding the trees as plain directories (hard links work between them),
# each also a guest of a throwaway config tree (for vhashify); prints MiB used.
fresh() {
  mountpoint -q "$work/mnt" && umount "$work/mnt"
  mkfs.btrfs -q -f "$loop" >/dev/null
  mount "$loop" "$work/mnt"
  rm -rf "$prefix"
  mkdir -p "$prefix/etc/vservers/.defaults/apps/vunify" "$prefix/var/lib"
  [[ -z $open_all ]] || echo '+/*' >"$prefix/etc/vservers/.defaults/apps/vunify/exclude"
  ln -s "$work/mnt" "$prefix/var/lib/vservers"
  local i
  for ((i = 1; i <= trees; i++)); do
    mkdir "$work/mnt/g$i" "$prefix/etc/vservers/g$i"
    tar --numeric-owner --xattrs --xattrs-include='*' -I zstd -xf "$fixture" -C "$work/mnt/g$i"
    echo $((40000 + i)) >"$prefix/etc/vservers/g$i/context"
  done
  used_mib
}

declare -A left secs
open_all=
timed() {  # name command...
  local name=$1; shift
  local before t0 t1
  before=$(fresh)
  base=$before
  t0=$(date +%s.%N)
  "$@" >"$work/$name.out" 2>&1 || { echo "$name failed:" >&2; tail -5 "$work/$name.out" >&2; }
  t1=$(date +%s.%N)
  left[$name]=$(used_mib)
  secs[$name]=$(echo "$t1 - $t0" | bc)
}

export VSERVER_PREFIX=$prefix
g=$(for ((i = 1; i <= trees; i++)); do echo -n "g$i "; done)
# vhashify's default rules keep /etc, /var, /home, /root private; "all" opens every top-level
# directory (the peers see everything), dpkg conffiles stay private either way.
timed vhashify vhashify --json $g
rerun_t0=$(date +%s.%N); vhashify --json $g >"$work/rerun.out"; rerun_t1=$(date +%s.%N)
rerun=$(echo "$rerun_t1 - $rerun_t0" | bc)
open_all=1
timed vhashify-all vhashify --json $g
open_all=
timed "jdupes -rB" jdupes -q -rB "$work/mnt"
timed "jdupes -L" jdupes -q -rL "$work/mnt"
timed "rdfind -makehardlinks" rdfind -outputname "$work/rdfind.txt" -makehardlinks true "$work/mnt"
timed "duperemove -rd -b 4k" duperemove -q -rd -b 4k "$work/mnt"

one=$(echo "scale=1; $base / $trees" | bc)
echo
echo "$trees trees, $base MiB before (one tree $one MiB)"
echo
echo "| tool | MiB left | x one tree | seconds | time vs vhashify-all |"
echo "|---|---|---|---|---|"
for n in vhashify vhashify-all "jdupes -rB" "jdupes -L" "rdfind -makehardlinks" \
         "duperemove -rd -b 4k"; do
  printf '| %s | %s | %.2f | %.1f | %.2f |\n' "$n" "${left[$n]}" \
    "$(echo "${left[$n]} / $one" | bc -l)" "${secs[$n]}" \
    "$(echo "${secs[$n]} / ${secs[vhashify-all]}" | bc -l)"
done
printf '\nvhashify rerun over unchanged trees: %.2f s, %.1fx faster than the first run (%.1f s)\n' \
  "$rerun" "$(echo "${secs[vhashify]} / $rerun" | bc -l)" "${secs[vhashify]}"
