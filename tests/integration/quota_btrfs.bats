#!/usr/bin/env bats
# Disk limits on btrfs: a guest built with --rootdir on a loop-mounted btrfs
# gets its root as a subvolume; dlimits/ becomes a qgroup limit on it, so writing past
# space_total inside the guest fails with EDQUOT while the host (and the rest of the file
# system) stays writable. The loop device and mount are the test's own and go in teardown.

bats_require_minimum_version 1.5.0
load lib
load build_helpers

setup() {
  vs_setup
  command -v mkfs.btrfs >/dev/null || skip "btrfs-progs not installed"
  export PATH="$VS_BIN:$PATH"
  WORK=$(mktemp -d /tmp/vs-quota-XXXXXX)
  truncate -s 512M "$WORK/fs.img"
  LOOP=$(losetup -f --show "$WORK/fs.img")
  echo "$LOOP" > "$WORK/loop"
  mkfs.btrfs -q "$LOOP" >/dev/null 2>&1
  mkdir "$WORK/mnt"
  mount "$LOOP" "$WORK/mnt"
}

teardown() {
  vs_teardown || true
  if [[ -n ${WORK:-} ]]; then
    mountpoint -q "$WORK/mnt" && umount "$WORK/mnt"
    [[ -f $WORK/loop ]] && losetup -d "$(cat "$WORK/loop")"
    rm -rf "$WORK"
  fi
}

# set_dlimit GUEST KIB INODES: dlimits/root on the guest's root.
set_dlimit() {
  local cfg; cfg=$(guest_cfg "$1")
  mkdir -p "$cfg/dlimits/root"
  readlink "$cfg/vdir" > "$cfg/dlimits/root/directory"
  echo "$2" > "$cfg/dlimits/root/space_total"
  echo "$3" > "$cfg/dlimits/root/inodes_total"
}

build_on_btrfs() {
  run vs "$1" build -m skeleton --rootdir "$WORK/mnt/guests"
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=("$1")
  # The guest root is its own subvolume, so it can carry its own qgroup.
  btrfs subvolume show "$WORK/mnt/guests/$1" >/dev/null
}

@test "build --rootdir on btrfs makes the root a subvolume; delete-by-rollback removes it" {
  build_on_btrfs q1
  [[ "$(stat -c %i "$WORK/mnt/guests/q1")" == 256 ]]
  # A failing build on btrfs leaves no subvolume behind.
  echo notatar > "$WORK/junk.tar"
  tar -C "$WORK" -cf "$WORK/bad.tar" junk.tar
  echo x > "$WORK/escape"
  (cd "$WORK/mnt" && tar -P -rf "$WORK/bad.tar" ../escape)
  run vs q2 build -m template --rootdir "$WORK/mnt/guests" -- -t "$WORK/bad.tar"
  [[ $status -ne 0 ]]
  [[ -z "$(btrfs subvolume list "$WORK/mnt" | grep -v 'guests/q1$')" ]] ||
      { btrfs subvolume list "$WORK/mnt"; false; }
}

@test "start applies dlimits: writing past space_total in the guest gets EDQUOT, not on the host" {
  build_on_btrfs q
  set_dlimit q 16384 100000      # 16 MiB
  run vs q start
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  run vs q exec dd if=/dev/zero of=/root/fill bs=1M count=64 conv=fsync
  [[ $status -ne 0 ]] || { echo "guest wrote past its limit: $output"; false; }
  [[ "$output" == *"Disk quota exceeded"* ]] || { echo "$output"; false; }
  # What the guest got is at most about the limit.
  used=$(du -sk "$(readlink "$(guest_cfg q)/vdir")/root/fill" | cut -f1)
  [[ $used -le 16384 ]] || { echo "wrote ${used} KiB"; false; }
  # The host writes on the same file system, outside the guest's subvolume.
  dd if=/dev/zero of="$WORK/mnt/hostfile" bs=1M count=64 conv=fsync status=none
  [[ $(stat -c %s "$WORK/mnt/hostfile") -eq $((64 << 20)) ]]
  # After freeing space the guest can write again.
  run vs q exec rm /root/fill
  run vs q exec dd if=/dev/zero of=/root/small bs=1M count=4 conv=fsync
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "a limit set by dlimit --apply holds inside the running guest (EDQUOT), host unaffected" {
  build_on_btrfs a
  run vs a start
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  set_dlimit a 16384 100000
  run vs a dlimit --apply
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  run vs a exec dd if=/dev/zero of=/root/fill bs=1M count=64 conv=fsync
  [[ $status -ne 0 && "$output" == *"Disk quota exceeded"* ]] || { echo "$output"; false; }
  dd if=/dev/zero of="$WORK/mnt/hostfile" bs=1M count=64 conv=fsync status=none
}

@test "vserver NAME dlimit --apply sets the limit now and reports usage against it" {
  build_on_btrfs d
  set_dlimit d 32768 100000
  run --separate-stderr vs d dlimit --apply --json
  [[ $status -eq 0 ]] || { echo "$output $stderr"; false; }
  [[ "$stderr" == *"inodes_total"*"not enforced"* ]]
  [[ "$(jq -r '.[0].backend' <<< "$output")" == btrfs-qgroup ]]
  [[ "$(jq -r '.[0].space_limit_bytes' <<< "$output")" == $((32768 * 1024)) ]]
  before=$(jq -r '.[0].space_used_bytes' <<< "$output")
  dd if=/dev/urandom of="$(readlink "$(guest_cfg d)/vdir")/root/blob" bs=1M count=8 conv=fsync \
    status=none
  sync
  btrfs quota rescan -w "$WORK/mnt" >/dev/null
  run --separate-stderr vs d dlimit --json
  after=$(jq -r '.[0].space_used_bytes' <<< "$output")
  [[ $((after - before)) -ge $((7 << 20)) ]] || { echo "before $before after $after"; false; }
  run --separate-stderr vs d dlimit
  [[ "$output" == *btrfs-qgroup* && "$output" == *32768* ]]
}

@test "dlimits on a directory that is not a subvolume are refused with the reason" {
  run vs p build -m skeleton --rootdir "$WORK/plain"
  [[ $status -eq 0 ]]
  VS_GUESTS+=(p)
  mkdir -p "$WORK/mnt/notsub"
  cfg=$(guest_cfg p)
  mkdir -p "$cfg/dlimits/x"
  echo "$WORK/mnt/notsub" > "$cfg/dlimits/x/directory"
  echo 1024 > "$cfg/dlimits/x/space_total"
  echo 1000 > "$cfg/dlimits/x/inodes_total"
  run vs p dlimit --apply
  [[ $status -eq 1 && "$output" == *"not a subvolume"* && "$output" == *notsub* ]] ||
      { echo "$output"; false; }
}
