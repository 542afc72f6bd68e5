#!/usr/bin/env bash
# Unification, side by side in one run (ratios are the figures to compare; the machine is shared):
#  1. btrfs: 10 trees of the Debian 12 minbase fixture shared by vhashify and by its peers
#     (jdupes -rB, jdupes -L, rdfind -makehardlinks, duperemove -rd), each on a fresh
#     filesystem; space left (df after sync) and time (the command plus a sync of the
#     filesystem, which vhashify does itself to measure what it freed). Then the speed-up of a
#     vhashify rerun over the unchanged trees (the hash cache), three times.
#  2. ext4: the same trees, vhashify --hardlink against rdfind -makehardlinks and jdupes -L.
#  3. btrfs and XFS (reflink=1): one guest built from the fixture and TREES-1 `build -m clone`
#     of it: space against one guest, before any hashify, and what a hashify then changes; on
#     XFS also with `build -m clone --layered` (overlay roots over one shared base).
#
# Usage: bench/unify.sh [TREES]   (default 10; VS_BIN=<build>/bin picks the build;
#   VS_BASE_BIN=<another build>/bin adds that build's vhashify-all and --hardlink rows, "(base)",
#   to compare a change against the code before it within one run)
# Needs root; apt-get installs the peers. Everything lives under a temporary dir and is removed
# on exit, also when interrupted.
# shellcheck source-path=SCRIPTDIR source=lib.sh
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
prefix=$work/prefix
mkdir -p "$work/mnt"

used_kib() {
  sync -f "$work/mnt"
  df -B1K --output=used "$work/mnt" | tail -1 | tr -d ' '
}

# mkfs_mount TYPE: a fresh TYPE filesystem at $work/mnt, and an empty prefix. Each on its own
# image and loop device: a mount namespace made elsewhere on the machine while one was mounted
# keeps that filesystem (and its device) busy after our umount.
fstype=btrfs
fsno=0
mkfs_mount() {
  mountpoint -q "$work/mnt" && umount "$work/mnt"
  [[ -n $loop ]] && losetup -d "$loop"
  rm -f "$work/fs$fsno.img"
  fsno=$((fsno + 1))
  truncate -s $((trees * 300 + 1024))M "$work/fs$fsno.img"
  loop=$(losetup -f --show "$work/fs$fsno.img")
  case $1 in
    btrfs) mkfs.btrfs -q -f "$loop" >/dev/null ;;
    xfs) mkfs.xfs -q -f -m reflink=1 "$loop" ;;
    ext4) mkfs.ext4 -q -F "$loop" ;;
  esac
  mount "$loop" "$work/mnt"
  rm -rf "$prefix"
  mkdir -p "$prefix/etc/vservers/.defaults/apps/vunify" "$prefix/var/lib"
}

# fresh: a new $fstype filesystem holding the trees as plain directories (hard links work
# between them), each also a guest of a throwaway config tree (for vhashify); sets base to the
# KiB used (not a command substitution: mkfs_mount's loop device must stay known to cleanup).
fresh() {
  mkfs_mount "$fstype"
  [[ -z $open_all ]] || echo '+/*' >"$prefix/etc/vservers/.defaults/apps/vunify/exclude"
  ln -s "$work/mnt" "$prefix/var/lib/vservers"
  local i
  for ((i = 1; i <= trees; i++)); do
    mkdir "$work/mnt/g$i" "$prefix/etc/vservers/g$i"
    tar --numeric-owner --xattrs --xattrs-include='*' -I zstd -xf "$fixture" -C "$work/mnt/g$i"
    echo $((40000 + i)) >"$prefix/etc/vservers/g$i/context"
  done
  base=$(used_kib)
}

declare -A left secs cpu
open_all=
# timed NAME COMMAND...: space left, wall seconds (with the sync) and CPU seconds (user + system
# of the command, where the kernel's dedupe and hashing reads count): on a machine shared with
# other work the wall time is mostly waiting for a CPU, so both are reported.
timed() {
  local name=$1; shift
  local t0 t1
  fresh
  t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$work/$name.time" "$@" >"$work/$name.out" 2>&1 ||
    { echo "$name failed:" >&2; tail -5 "$work/$name.out" >&2; }
  sync -f "$work/mnt"
  t1=$(date +%s.%N)
  left[$name]=$(used_kib)
  secs[$name]=$(echo "$t1 - $t0" | bc)
  cpu[$name]=$(tail -1 "$work/$name.time" | awk '{print $1 + $2}')
}

# table REF NAME...: MiB left, x one tree, seconds and time against REF.
table() {
  local ref=$1; shift
  local one
  one=$(echo "scale=3; $base / $trees" | bc)
  echo
  echo "$fstype: $trees trees, $((base / 1024)) MiB before" \
    "(one tree $(echo "$one / 1024" | bc) MiB)"
  echo
  echo "| tool | MiB left | x one tree | seconds | time / $ref | CPU s | CPU / $ref |"
  echo "|---|---|---|---|---|---|---|"
  for n in "$@"; do
    printf '| %s | %s | %.2f | %.1f | %.2f | %.1f | %.2f |\n' "$n" "$((${left[$n]} / 1024))" \
      "$(echo "${left[$n]} / $one" | bc -l)" "${secs[$n]}" \
      "$(echo "${secs[$n]} / ${secs[$ref]}" | bc -l)" "${cpu[$n]}" \
      "$(echo "${cpu[$n]} / ${cpu[$ref]}" | bc -l)"
  done
}

export VSERVER_PREFIX=$prefix
g=()
for ((i = 1; i <= trees; i++)); do g+=("g$i"); done

# 1. btrfs. vhashify's default rules keep /etc, /var, /home, /root private; "all" opens every
# top-level directory (the peers see everything), dpkg conffiles stay private either way.
fstype=btrfs
timed vhashify vhashify --json "${g[@]}"
# Three reruns over the unchanged trees, each timed as the first run was (with the sync).
reruns=()
for r in 1 2 3; do
  t0=$(date +%s.%N)
  vhashify --json "${g[@]}" >"$work/rerun.out"
  sync -f "$work/mnt"
  t1=$(date +%s.%N)
  reruns+=("$(echo "$t1 - $t0" | bc)")
done
open_all=1
timed vhashify-all vhashify --json "${g[@]}"
basecmp=()
if [[ -n ${VS_BASE_BIN:-} ]]; then
  timed "vhashify-all (base)" "$VS_BASE_BIN/vhashify" --json "${g[@]}"
  basecmp=("vhashify-all (base)")
fi
open_all=
timed "jdupes -rB" jdupes -q -rB "$work/mnt"
timed "jdupes -L" jdupes -q -rL "$work/mnt"
timed "rdfind -makehardlinks" rdfind -outputname "$work/rdfind.txt" -makehardlinks true "$work/mnt"
timed "duperemove -rd -b 4k" duperemove -q -rd -b 4k "$work/mnt"
table vhashify-all vhashify vhashify-all "${basecmp[@]}" "jdupes -rB" "jdupes -L" \
  "rdfind -makehardlinks" "duperemove -rd -b 4k"
echo
for r in "${reruns[@]}"; do
  printf 'vhashify rerun over unchanged trees: %.2f s, %.1fx faster than the first run (%.1f s)\n' \
    "$r" "$(echo "${secs[vhashify]} / $r" | bc -l)" "${secs[vhashify]}"
done

# 2. ext4: hard links.
fstype=ext4
open_all=1
timed "vhashify-all --hardlink" vhashify --hardlink --json "${g[@]}"
basecmp=()
if [[ -n ${VS_BASE_BIN:-} ]]; then
  timed "vhashify-all --hardlink (base)" "$VS_BASE_BIN/vhashify" --hardlink --json "${g[@]}"
  basecmp=("vhashify-all --hardlink (base)")
fi
open_all=
timed "rdfind -makehardlinks " rdfind -outputname "$work/rdfind.txt" -makehardlinks true "$work/mnt"
timed "jdupes -L " jdupes -q -rL "$work/mnt"
table "vhashify-all --hardlink" "vhashify-all --hardlink" "${basecmp[@]}" "rdfind -makehardlinks " \
  "jdupes -L "

# 3. Guests cloned from a reference guest, before and after a hashify.
echo
echo "| filesystem | one guest MiB | $trees guests MiB | x one guest |" \
  "hashify after: files shared, MiB freed |"
echo "|---|---|---|---|---|"
for t in btrfs xfs "xfs layered"; do
  mkfs_mount "${t%% *}"
  u0=$(used_kib)
  vserver --silent g1 build -m template --rootdir "$work/mnt/guests" -- -t "$fixture"
  u1=$(used_kib)
  how=()
  [[ $t == *layered ]] && how=(--layered)
  for ((i = 2; i <= trees; i++)); do
    # --no-userns: an overlay root cannot be idmapped (build's warning about it is known).
    vserver --silent "g$i" build -m clone ${how[@]:+--no-userns} --rootdir "$work/mnt/guests" \
      -- --source g1 "${how[@]}" 2> >(grep -v 'is a classic guest' >&2)
  done
  un=$(used_kib)
  vhashify --json "${g[@]}" >"$work/clone.json"
  uh=$(used_kib)
  printf '| %s | %d | %d | %.3f | %s, %d |\n' "$t" $(((u1 - u0) / 1024)) $(((un - u0) / 1024)) \
    "$(echo "($un - $u0) / ($u1 - $u0)" | bc -l)" "$(jq .shared_files "$work/clone.json")" \
    $(((un - uh) / 1024))
  for ((i = 1; i <= trees; i++)); do vserver --silent "g$i" delete --force >/dev/null; done
done
