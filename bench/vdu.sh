#!/usr/bin/env bash
# Bench: vdu --all over N guests of the cached debootstrap template on a loop-mounted btrfs,
# side by side with `du -s` and `btrfs filesystem du -s` over the same roots, in one hyperfine
# run (warm cache: dropping caches would slow every other user of the machine). Half the guests
# are extracted from the template (their own copies), half are `build -m clone` of the first
# (btrfs snapshots), so there is sharing to find. Also prints the figures each tool reports.
# Usage: bench/vdu.sh [N] [RUNS]   (fixture: scripts/fixtures.sh, built if missing)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
n=${1:-10}
runs=${2:-10}
bench_prefix
WORK=$(mktemp -d /tmp/vs-bench-vdu.XXXXXX)
LOOP=

cleanup() {
  set +e
  mountpoint -q "$WORK/mnt" && umount "$WORK/mnt"
  [[ -n $LOOP ]] && losetup -d "$LOOP"
  rm -rf "$WORK" "$VSERVER_PREFIX"
}
trap cleanup EXIT

fixture=$("$SRC_DIR/scripts/fixtures.sh" "$(dirname "$VS_BIN")" | tail -1)
truncate -s 6G "$WORK/fs.img"
LOOP=$(losetup -f --show "$WORK/fs.img")
mkfs.btrfs -q "$LOOP" >/dev/null 2>&1
mkdir "$WORK/mnt"
mount "$LOOP" "$WORK/mnt"
G=$WORK/mnt/guests
half=$(((n + 1) / 2))
echo "building $n guests ($half from the template, $((n - half)) clones of g1)" >&2
for i in $(seq 1 "$n"); do
  if ((i <= half)); then
    vserver "g$i" build -m template --rootdir "$G" -- -t "$fixture" >/dev/null
  else
    vserver "g$i" build -m clone --rootdir "$G" -- --source g1 >/dev/null
  fi
done
sync
roots=$(printf "$G/g%s " $(seq 1 "$n"))

echo "== figures" >&2
vdu -H --all
echo "du -s (hard links once, shared extents once per file):"
# shellcheck disable=SC2086 # $roots is a blank-separated list of paths without blanks
du -sch $roots | tail -1
echo "btrfs filesystem du -s of the guests' parent:"
btrfs filesystem du -s "$G"
echo "df (used on the filesystem):"
df -h --output=used "$WORK/mnt" | tail -1

hf "vdu-$n" --warmup 2 --runs "$runs" -N \
  -n "vdu --all" "env VSERVER_PREFIX=$VSERVER_PREFIX $VS_BIN/vdu --all" \
  -n "du -s" "du -s $roots" \
  -n "btrfs filesystem du -s" "btrfs filesystem du -s $roots"
medians "$RESULTS/vdu-$n.json"
