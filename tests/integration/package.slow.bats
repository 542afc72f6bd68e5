#!/usr/bin/env bats
# The Debian packages as a user gets them: a build configured for packaging (no test seams,
# beside the test build so ccache answers nearly every compile: scripts/build.sh --package),
# `cpack -G DEB`, then `apt-get install ./vserver-ng_*.deb` in a chroot made from the cached
# bookworm minbase fixture (scripts/fixtures.sh): dependencies resolve from the chroot's own apt
# sources (the host's mirror: slow, needs the network). Mounts live in a private mount namespace
# that ends with each command; the chroot is removed in teardown_file.

bats_require_minimum_version 1.5.0

setup_file() {
  [[ $EUID -eq 0 ]] || skip "needs root"
  command -v cpack >/dev/null && command -v unshare >/dev/null || skip "no cpack or unshare"
  export FIXTURE
  FIXTURE=$(VS_BIN=$VS_BIN bash "$VS_SOURCE_DIR/scripts/fixtures.sh" "$VS_BUILD_DIR" | tail -1)
  [[ -s $FIXTURE ]]
  export DEB_BUILD=${VS_DEB_BUILD_DIR:-$VS_BUILD_DIR-deb}
  # The test build's compile flags without its seam and suites (scripts/build.sh --package):
  # ccache answers every compile but the seam's library, where a fresh CI machine would otherwise
  # compile the whole tree a second time. The README's RelWithDebInfo differs only in the
  # optimisation and debug-info levels, which neither cpack nor the install sees.
  bash "$VS_SOURCE_DIR/scripts/build.sh" "$DEB_BUILD" --package >"$DEB_BUILD.log" 2>&1 ||
    { tail -20 "$DEB_BUILD.log" >&2; return 1; }
  rm -f "$DEB_BUILD"/*.deb
  (cd "$DEB_BUILD" && cpack -G DEB >cpack.log 2>&1) ||
    { tail -20 "$DEB_BUILD/cpack.log" >&2; return 1; }
  export CH
  CH=$(mktemp -d /tmp/vs-package-XXXXXX)
  tar -I zstd --numeric-owner -xf "$FIXTURE" -C "$CH"
  cp /etc/resolv.conf "$CH/etc/resolv.conf"
  mkdir "$CH/debs"
  cp "$DEB_BUILD"/*.deb "$CH/debs/"
}

teardown_file() {
  # Nothing is mounted in the chroot outside in_chroot's private namespace; check, then remove.
  if [[ -n ${CH:-} && -d $CH ]]; then
    if grep -qF " $CH" /proc/self/mountinfo; then
      echo "# mounts left under $CH" >&3
    else
      rm -rf "$CH"
    fi
  fi
  return 0
}

# in_chroot CMD...: CMD in the chroot with /proc and /dev, in a mount namespace of its own.
in_chroot() {
  unshare --mount --propagation private -- sh -c '
    ch=$1; shift
    mount -t proc proc "$ch/proc" && mount --rbind /dev "$ch/dev" && exec chroot "$ch" "$@"
  ' _ "$CH" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

version() { "$DEB_BUILD/bin/vserver" --version | cut -d' ' -f3; }

@test "cpack: vserver-ng and vserver-ng-dbgsym, named NAME_VERSION_ARCH.deb, with their fields" {
  local v arch
  v=$(version)
  arch=$(dpkg --print-architecture)
  [[ -f $DEB_BUILD/vserver-ng_${v}_$arch.deb ]]
  [[ -f $DEB_BUILD/vserver-ng-dbgsym_${v}_$arch.deb ]]
  local deb=$DEB_BUILD/vserver-ng_${v}_$arch.deb
  [[ $(dpkg-deb -f "$deb" Version) == "$v" ]]
  run -0 dpkg-deb -f "$deb" Depends
  [[ $output == *procps* && $output == *libc6* ]]
  [[ $(dpkg-deb -f "$deb" Recommends) == *debootstrap* ]]
  [[ $(dpkg-deb -f "$deb" Maintainer) == *'<'*'@'*'>' ]]
  [[ $(dpkg-deb -f "$deb" Section) == admin ]]
  [[ $(dpkg-deb -f "$DEB_BUILD/vserver-ng-dbgsym_${v}_$arch.deb" Depends) == "vserver-ng (= $v)" ]]
  # Installed-Size counts each tool link once, not as another copy of vserver (CPack's figure).
  local kib files
  kib=$(dpkg-deb -f "$deb" Installed-Size)
  files=$(dpkg-deb -c "$deb" | awk '/^-/ {s += $3} END {print int(s / 1024)}')
  ((kib >= files && kib < files + files / 10 + 200))
  # No test seam in what users get.
  ! tar -xOf <(dpkg-deb --fsys-tarfile "$deb") ./usr/sbin/vserver | grep -q VSERVER_FAULT
}

@test "cpack refuses the test build (VSERVER_FAULT seam)" {
  grep -q '^VS_FAULT_INJECTION:BOOL=ON' "$VS_BUILD_DIR/CMakeCache.txt" ||
    skip "the test build has no seam"
  local out
  out=$(mktemp -d /tmp/vs-cpack-XXXXXX)
  run cpack -G DEB --config "$VS_BUILD_DIR/CPackConfig.cmake" -B "$out"
  rm -rf "$out"
  [[ $status -ne 0 ]]
  [[ $output == *"VSERVER_FAULT test seam"* ]]
}

@test "apt-get install ./vserver-ng_*.deb in a bookworm chroot: dependencies, binaries, man" {
  in_chroot apt-get update -q >/dev/null
  local v arch
  v=$(version)
  arch=$(dpkg --print-architecture)
  run -0 in_chroot apt-get install -y -q "./debs/vserver-ng_${v}_$arch.deb" \
    "./debs/vserver-ng-dbgsym_${v}_$arch.deb" man-db
  run -0 in_chroot dpkg-query -W -f '${Status}' vserver-ng vserver-ng-dbgsym
  [[ $output == "install ok installedinstall ok installed" ]]
  # Recommends came along.
  run -0 in_chroot dpkg-query -W -f '${Status}\n' debootstrap rsync busybox-static
  [[ $(grep -c "install ok installed" <<<"$output") == 3 ]]
  run -0 in_chroot vserver --version
  [[ $output == "vserver (vserver-ng) $(version)" ]]
  run -0 in_chroot vtop --version
  [[ $output == "vtop (vserver-ng) $(version)" ]]
  run -0 in_chroot vkill --help
  [[ $output == "vkill: "* ]]
  run -0 in_chroot man -w vserver
  [[ $output == /usr/share/man/man8/vserver.8* ]]
  run -0 in_chroot man -w 5 vserver-config
  run -0 in_chroot sh -c 'MANWIDTH=80 man --warnings vps 2>&1 >/dev/null'
  [[ -z $output ]]
  # Files under /etc are conffiles: an admin's edits survive upgrades.
  run -0 in_chroot dpkg-query -W -f '${Conffiles}' vserver-ng
  local etc
  etc=$(dpkg-deb -c "$DEB_BUILD/vserver-ng_${v}_$arch.deb" |
    awk '$6 ~ /^\.\/etc\/.*[^\/]$/ {print substr($6, 2)}')
  [[ -n $etc ]]
  for f in $etc; do [[ $output == *" $f "* ]]; done
  [[ -f $CH/usr/share/bash-completion/completions/vserver ]]
  [[ $(readlink "$CH/usr/share/bash-completion/completions/vkill") == vserver ]]
  # The dbgsym's file is the one the installed binary's build id names.
  local id
  id=$(readelf -n "$CH/usr/sbin/vserver" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
  [[ -f $CH/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug ]]
}

@test "apt-get purge: nothing of the package is left" {
  in_chroot dpkg-query -W vserver-ng >/dev/null 2>&1 || skip "not installed (previous test failed)"
  run -0 in_chroot apt-get purge -y -q vserver-ng vserver-ng-dbgsym
  for f in vserver vps vs-init vkill vtop vpstree vserver-stat; do [[ ! -e $CH/usr/sbin/$f ]]; done
  [[ ! -e $CH/usr/share/man/man8/vserver.8 && ! -e $CH/usr/share/doc/vserver-ng ]]
  [[ ! -e $CH/usr/share/bash-completion/completions/vserver ]]
  [[ ! -e $CH/etc/default/vservers-default && ! -e $CH/etc/init.d/vservers-default ]]
  [[ ! -e $CH/usr/lib/debug/.build-id ]] || [[ -z $(find "$CH/usr/lib/debug/.build-id" -type f) ]]
}
