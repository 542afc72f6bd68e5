#!/usr/bin/env bash
# Installs the container engines that drive an OCI runtime in tests/integration/
# vsrun_engines.slow.bats and bench/vsrun.sh: podman + conmon, containerd (ctr and its CRI plugin),
# runc, crun, catatonit (the pause image's init), the python gRPC modules of the CRI client and
# busybox-static (the image).
# Idempotent: installs only what is missing; it never starts, enables or configures an engine
# (the tests and the bench run each engine under a prefix of their own, tests/engines/lib.bash).
# Usage: scripts/engines-setup.sh
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# golang-github-containers-common brings podman's default policy.json and seccomp profile.
# python3-grpc-tools holds protoc (grpc_tools.protoc): the CRI stubs are generated at test time
# from tests/engines/cri.proto.
pkgs=(podman conmon golang-github-containers-common containerd runc crun catatonit
      python3-grpcio python3-grpc-tools python3-protobuf busybox-static util-linux jq)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  # Without recommends: no buildah, fuse-overlayfs or slirp4netns (root podman uses the kernel's
  # overlayfs and the tests use the host network), and containerd's package service stays unused.
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}"
fi
# The Debian packages enable containerd's service; the tests never use the machine's own daemon
# (they start theirs on their own socket), so it is left as the admin has it.
