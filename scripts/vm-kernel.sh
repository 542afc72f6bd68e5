#!/usr/bin/env bash
# Fetches Debian's own kernel for the test VM without installing it, and keeps only vmlinuz and the
# modules tests/vm/modules.list names (plus their dependency closure).
# Usage: scripts/vm-kernel.sh CACHE_DIR   -> prints the kernel dir (vmlinuz, config, lib/modules/V)
# Env: VS_VM_KERNEL_PKG=linux-image-6.1.0-N-amd64 pins the package (default: what linux-image-amd64
#      currently depends on, so security updates are picked up without editing this file).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:?usage: vm-kernel.sh CACHE_DIR}
list=$src/tests/vm/modules.list
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

log() { echo "vm-kernel: $*" >&2; }

resolve_pkg() {
  # The metapackage names the current ABI: linux-image-amd64 Depends: linux-image-6.1.0-N-amd64.
  apt-cache depends linux-image-amd64 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
}

pkg=${VS_VM_KERNEL_PKG:-}
if [[ -z $pkg ]]; then
  pkg=$(resolve_pkg)
  if [[ -z $pkg ]]; then
    apt-get update -qq >&2 || true
    pkg=$(resolve_pkg)
  fi
fi
if [[ -z $pkg ]]; then
  # Offline and never fetched: reuse the newest kernel already in the cache.
  # shellcheck disable=SC2012 # Debian package names hold no blanks or newlines
  pkg=$(ls -1d "$cache"/linux-image-*/ 2>/dev/null | sort -V | tail -n1 | xargs -r basename)
  [[ -n $pkg ]] || { log "cannot resolve linux-image-amd64 (no apt lists?)"; exit 77; }
  log "apt cannot resolve linux-image-amd64; using cached $pkg"
fi

kdir=$cache/$pkg
# The stamp records the module list and this script, so editing either re-trims.
want_stamp="$pkg $(cat "$list" "$0" | sha256sum | cut -d' ' -f1)"
if [[ -f $kdir/stamp && "$(cat "$kdir/stamp")" == "$want_stamp" && -f $kdir/vmlinuz ]]; then
  echo "$kdir"
  exit 0
fi

# shellcheck disable=SC2012 # Debian package file names hold no blanks or newlines
deb=$(ls -1 "$cache"/"${pkg}"_*.deb 2>/dev/null | tail -n1 || true)
if [[ -z $deb ]]; then
  log "downloading $pkg"
  # apt-get download writes into the current directory.
  (cd "$cache" && apt-get download -q "$pkg" >&2) || {
    log "apt-get download $pkg failed"
    exit 77
  }
  # shellcheck disable=SC2012 # Debian package file names hold no blanks or newlines
  deb=$(ls -1 "$cache"/"${pkg}"_*.deb | tail -n1)
fi

tmp=$(mktemp -d "$cache/.extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log "extracting $(basename "$deb")"
dpkg-deb -x "$deb" "$tmp/full"
# shellcheck disable=SC2012 # kernel release names hold no blanks or newlines
kver=$(ls -1 "$tmp/full/lib/modules" | head -n1)
[[ -n $kver && -f $tmp/full/boot/vmlinuz-$kver ]] || { log "no vmlinuz in $deb"; exit 1; }
# The package ships no modules.dep (postinst makes it); build it to resolve the closure.
depmod -b "$tmp/full" "$kver"

out=$tmp/out
mkdir -p "$out/lib/modules/$kver"
cp "$tmp/full/boot/vmlinuz-$kver" "$out/vmlinuz"
cp "$tmp/full/boot/config-$kver" "$out/config"
for f in modules.builtin modules.builtin.modinfo modules.order; do
  [[ -f $tmp/full/lib/modules/$kver/$f ]] &&
    cp "$tmp/full/lib/modules/$kver/$f" "$out/lib/modules/$kver/"
done
mods=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list")
for m in $mods; do
  # --show-depends prints "insmod PATH" for the module and each dependency, or "builtin NAME".
  modprobe -d "$tmp/full" -S "$kver" --show-depends "$m" |
    awk '$1 == "insmod" {print $2}' |
    while read -r ko; do
      rel=${ko#"$tmp/full/"}
      mkdir -p "$out/$(dirname "$rel")"
      cp "$ko" "$out/$rel"
    done
done
# modules.dep (+ .bin indexes for kmod's modprobe after switch_root) for the trimmed tree.
depmod -b "$out" "$kver"
# The VM's init loads modules with busybox insmod, which knows neither modules.dep nor softdeps
# (libcrc32c needs crc32c loaded first): write the order kmod resolves, once per module.
for m in $mods; do
  modprobe -d "$out" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | sed "s|^$out/lib/modules/$kver/||" | awk '!seen[$0]++' >"$out/load-order"
echo "$want_stamp" >"$out/stamp"
echo "$kver" >"$out/kver"
rm -rf "$kdir"
mv "$out" "$kdir"
log "kernel $kver ready in $kdir ($(du -sh "$kdir" | cut -f1))"
echo "$kdir"
