#!/usr/bin/env bats
# Disk limits by ext4/XFS project quotas (project id = the guest's context). This machine's
# kernel has no quota support (shared/reference/machine-facts.md), so each test skips here
# with the kernel's reason and runs in the qemu VM (Debian's kernel), where mounting with
# prjquota works. Loop devices and mounts are the test's own and go in teardown.

bats_require_minimum_version 1.5.0
load lib
load build_helpers

setup() {
  vs_setup
  export PATH="$VS_BIN:$PATH"
  WORK=$(mktemp -d /tmp/vs-prjquota-XXXXXX)
  mkdir "$WORK/mnt"
}

teardown() {
  vs_teardown || true
  if [[ -n ${WORK:-} ]]; then
    mountpoint -q "$WORK/mnt" && umount "$WORK/mnt"
    [[ -f $WORK/loop ]] && losetup -d "$(cat "$WORK/loop")"
    rm -rf "$WORK"
  fi
}

# make_fs ext4|xfs: a 512 MiB loop (XFS wants 300 MiB at least) file system mounted at $WORK/mnt
# with project quotas on, or skip with the mount error (no CONFIG_QUOTA / XFS_QUOTA).
make_fs() {
  truncate -s 512M "$WORK/fs.img"
  LOOP=$(losetup -f --show "$WORK/fs.img")
  echo "$LOOP" > "$WORK/loop"
  case $1 in
    ext4)
      command -v mkfs.ext4 >/dev/null || skip "e2fsprogs not installed"
      mkfs.ext4 -q -O quota,project -E quotatype=prjquota "$LOOP" >/dev/null 2>&1
      opts=prjquota ;;
    xfs)
      command -v mkfs.xfs >/dev/null || skip "xfsprogs not installed"
      mkfs.xfs -q "$LOOP" >/dev/null 2>&1
      opts=prjquota ;;
  esac
  if ! err=$(mount -o "$opts" "$LOOP" "$WORK/mnt" 2>&1); then
    skip "$1 project quotas unavailable on this kernel: $err $(dmesg 2>/dev/null | tail -1)"
  fi
}

# set_dlimit GUEST KIB INODES
set_dlimit() {
  local cfg; cfg=$(guest_cfg "$1")
  mkdir -p "$cfg/dlimits/root"
  readlink "$cfg/vdir" > "$cfg/dlimits/root/directory"
  echo "$2" > "$cfg/dlimits/root/space_total"
  echo "$3" > "$cfg/dlimits/root/inodes_total"
}

check_fs() {
  local fs=$1 g=pq-$1
  make_fs "$fs"
  run vs "$g" build -m skeleton --context 41234 --rootdir "$WORK/mnt/guests"
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=("$g")
  set_dlimit "$g" 16384 2000
  # dlimit --apply tags the tree (project id = context, inherited by new files) and sets the
  # quota; start does the same through store::apply_disk_limits (quota_btrfs.bats checks that).
  run vs "$g" dlimit --apply
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  run vs "$g" start
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ "$(lsattr -pd "$WORK/mnt/guests/$g" 2>/dev/null | awk '{print $1}')" == 41234 ]] ||
    { lsattr -pd "$WORK/mnt/guests/$g"; return 1; }
  run vs "$g" exec dd if=/dev/zero of=/root/fill bs=1M count=64 conv=fsync
  # ext4 says EDQUOT; XFS reports a project limit as ENOSPC (it presents the project as a
  # file system of that size). The host write below shows the file system itself is not full.
  [[ $status -ne 0 && ( "$output" == *"Disk quota exceeded"* ||
      "$output" == *"No space left"* ) ]] ||
    { echo "space: $output"; return 1; }
  run vs "$g" exec rm -f /root/fill
  run vs "$g" exec sh -c 'mkdir /root/many && cd /root/many && i=0;
    while [ $i -lt 3000 ]; do : > f$i || exit 1; i=$((i+1)); done'
  [[ $status -ne 0 && ( "$output" == *"Disk quota exceeded"* ||
      "$output" == *"No space left"* ) ]] ||
    { echo "inodes: $output"; return 1; }
  # Well below the 3000 files tried: the inode limit stopped it, not the disk.
  [[ $(ls "$WORK/mnt/guests/$g/root/many" | wc -l) -le 2000 ]]
  # The host writes on the same file system outside the project.
  dd if=/dev/zero of="$WORK/mnt/hostfile" bs=1M count=64 conv=fsync status=none
  run --separate-stderr vs "$g" dlimit --json
  [[ "$(jq -r '.[0].backend' <<< "$output")" == project-quota ]]
  [[ "$(jq -r '.[0].space_limit_bytes' <<< "$output")" == $((16384 * 1024)) ]]
  [[ "$(jq -r '.[0].inodes_limit' <<< "$output")" == 2000 ]]
  [[ "$(jq -r '.[0].inodes_used' <<< "$output")" -ge 1000 ]]
}

@test "ext4 project quota: space and inode limits stop the guest (EDQUOT/ENOSPC), host writable" {
  check_fs ext4
}

@test "XFS project quota: space and inode limits stop the guest (EDQUOT/ENOSPC), host writable" {
  check_fs xfs
}
