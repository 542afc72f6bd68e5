#!/usr/bin/env bats
# vserver-copy SRC DEST (src/transfer/copy.cpp): a btrfs snapshot or a reflink/clone copy with
# every file type, a new identity, refusals that leave nothing behind.

bats_require_minimum_version 1.5.0
load lib
load build_helpers
load transfer_helpers

setup() { transfer_setup copy; }
teardown() { transfer_teardown; }

copy_round() {
  mount_roots_fs "$1"
  make_guest src
  VS_GUESTS+=(src)
  # cp (the clone) cannot copy a path longer than PATH_MAX; a snapshot can.
  local deep=nodeep
  [[ $2 == btrfs-snapshot ]] && deep=deep
  make_all_types "$(guest_root src)" "$deep"
  run "$VS_BIN/vserver-copy" src dst --json
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(dst)
  [[ $output == *"\"method\":\"$2\""* ]]
  check_all_types "$(guest_root dst)" "$deep"
  [[ "$(cat "$(guest_cfg dst)/context")" != "$(cat "$(guest_cfg src)/context")" ]]
  [[ "$(readlink "$(guest_cfg dst)/vdir")" == "$(guest_root dst)" ]]
  [[ ! -d $(guest_cfg dst)/interfaces ]] || [[ -z "$(ls "$(guest_cfg dst)/interfaces")" ]]
  run vs dst start
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ "$(vs dst exec hostname)" == dst ]]
}

@test "vserver-copy on btrfs: a subvolume snapshot with every file type and a new identity" {
  copy_round btrfs btrfs-snapshot
  [[ "$(stat -c %i "$(guest_root dst)")" == 256 ]]
}

@test "vserver SRC copy DEST on ext4: a clone with every file type and a new identity" {
  copy_round ext4 clone
}

@test "copy refuses an existing name, a running source and a taken address; nothing left" {
  make_guest c1
  VS_GUESTS+=(c1)
  run vs c1 ip add 192.0.2.30/24
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  make_guest c2
  VS_GUESTS+=(c2)
  run vs c1 copy c2
  [[ $status -eq 2 && $output == *'guest c2 already exists'* ]]
  run vs c1 copy c3 --ip 192.0.2.30/24
  [[ $status -eq 2 && $output == *'192.0.2.30 is already guest c1'* ]]
  [[ ! -e $(guest_cfg c3) && ! -e $(guest_root c3) ]]
  run vs c1 start
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  run vs c1 copy c3
  [[ $status -eq 2 && $output == *'running; stop it first'* ]]
  vs c1 stop
  run vs c1 copy c3 --ip 192.0.2.31/24 -q
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(c3)
  grep -rqx 192.0.2.31 "$(guest_cfg c3)/interfaces"
  if grep -q VSERVER_FAULT "$VS"; then
    run env VSERVER_FAULT=transfer:between-renames:fail "$VS" c1 copy c4
    [[ $status -ne 0 ]]
    [[ ! -e $(guest_cfg c4) && ! -e $(guest_root c4) ]]
    [[ -z "$(ls -a "$VSERVER_PREFIX/var/lib/vservers" | grep '^\.build-')" ]]
  fi
}
