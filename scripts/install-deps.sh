#!/usr/bin/env bash
# Installs every Debian package vserver-ng needs to build, run and test (fresh Debian 12, root).
# Usage: scripts/install-deps.sh [--bench]   (--bench adds the peers measured in bench/)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# clang compiles the BPF programs, and with libclang-rt-14-dev (its sanitizer and libFuzzer
# runtimes) the sanitize/fuzz build (scripts/build-variant.sh). ccache: the package test's build
# shares the test build's compiles (scripts/build.sh --package).
build=(cmake ninja-build g++ clang libclang-rt-14-dev pkg-config git ccache
       libfmt-dev nlohmann-json3-dev libseccomp-dev libcap-dev libarchive-dev
       libnl-3-dev libbpf-dev libxxhash-dev libncurses-dev libgtest-dev libgmock-dev
       libzstd-dev liblz4-dev libacl1-dev)   # the last three: .a files for a static vserver
# lxcfs: virt_mem/virt_cpu/virt_load (start runs its own instance; the package's service is unused).
# uidmap: newuidmap/newgidmap, through which vsrun maps a rootless caller's /etc/subuid ranges.
run=(busybox-static debootstrap lxcfs rsync openssh-client openssh-server iproute2 zstd xz-utils
     bzip2 btrfs-progs xfsprogs e2fsprogs acl attr libcap2-bin procps psmisc util-linux kmod uidmap)
# libnss-extrausers: an NSS module for hosttools.bats's user-name test (enabled only inside
# that test's own mount namespace).
# python3-jsonschema: the --json outputs are validated against docs/json/*.schema.json.
# The shell scripts of bench/ and scripts/ are checked by shellcheck (docs.bats).
test=(bats tmux qemu-system-x86 qemu-utils cpio jq libnss-extrausers python3-jsonschema
      shellcheck)
bench=(hyperfine crun runc lxc systemd-container bubblewrap jdupes duperemove rdfind bc iperf3 time)

pkgs=("${build[@]}" "${run[@]}" "${test[@]}")
[[ "${1:-}" == "--bench" ]] && pkgs+=("${bench[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
