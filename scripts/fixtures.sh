#!/usr/bin/env bash
# Builds the slow test fixtures once and caches them under BUILD_DIR/fixtures/, so tests create
# further Debian guests with `vserver NAME build -m template -- -t FIXTURE` in seconds.
#   bookworm-minbase.tar.zst: `vserver build -m debootstrap -- -d bookworm -- --variant=minbase`
#   (sysv style: with sysv-rc), packed with numeric owners, xattrs and ACLs, .debs left out.
#   bookworm-systemd.tar.zst (only with --systemd): the same plus systemd-sysv, so /sbin/init is
#   systemd (the systemd init style's tests); its own tarball and lock, built only when asked.
# The mirror is the host's own apt source (vserver's default); nothing here names a mirror.
# Usage: scripts/fixtures.sh [BUILD_DIR] [--rebuild] [--systemd]   (BUILD_DIR default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=build
rebuild=0
flavour=minbase
for a in "$@"; do
  case $a in
    --rebuild) rebuild=1 ;;
    --systemd) flavour=systemd ;;
    *) build_dir=$a ;;
  esac
done
build_dir=$(realpath "$build_dir")
bin=${VS_BIN:-$build_dir/bin}
out=$build_dir/fixtures
mkdir -p "$out"
fixture=$out/bookworm-$flavour.tar.zst
include=()
lock=$out/.lock
if [[ $flavour == systemd ]]; then
  include=(--include=systemd-sysv)
  lock=$out/.lock-systemd
fi

# One builder per fixture at a time: concurrent test files wait for the first one's result.
exec 9>"$lock"
flock 9
if [[ -f $fixture && $rebuild -eq 0 ]]; then
  echo "$fixture"
  exit 0
fi

prefix=$(mktemp -d /tmp/vs-fixture-XXXXXX)
cleanup() {
  # debootstrap mounts /proc and /sys in the target while it runs; vserver's rollback detaches
  # them on failure, this catches an interrupted run.
  { grep -o " ${prefix}[^ ]*" /proc/self/mounts || true; } | sort -r |
    while read -r m; do umount -l "$m" || true; done
  rm -rf "$prefix"
  return 0
}
trap cleanup EXIT
VSERVER_PREFIX=$prefix "$bin/vserver" --silent fixture build -m debootstrap \
  -- -d bookworm -- --variant=minbase "${include[@]}" >&2
root=$prefix/var/lib/vservers/fixture
tar --numeric-owner --xattrs --xattrs-include='*' --acls \
  --exclude='./var/cache/apt/archives/*.deb' \
  -C "$root" -I 'zstd -3 -T0 -q' -cf "$fixture.tmp" .
mv "$fixture.tmp" "$fixture"
echo "$fixture"
