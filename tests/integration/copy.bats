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
  add_hooks "$(guest_cfg src)"
  run "$VS_BIN/vserver-copy" src dst --json
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(dst)
  [[ $output == *"\"method\":\"$2\""* ]]
  check_all_types "$(guest_root dst)" "$deep"
  [[ "$(cat "$(guest_cfg dst)/context")" != "$(cat "$(guest_cfg src)/context")" ]]
  [[ "$(readlink "$(guest_cfg dst)/vdir")" == "$(guest_root dst)" ]]
  [[ ! -d $(guest_cfg dst)/interfaces ]] || [[ -z "$(ls "$(guest_cfg dst)/interfaces")" ]]
  # The hooks are the copy's own files, not links to the source's.
  check_hooks "$(guest_cfg src)" "$(guest_cfg dst)"
  run vs dst start
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ "$(vs dst exec hostname)" == dst ]]
  [[ "$(cat "$WORK/ran.dst")" == "pre-start dst"$'\n'sourced ]]
}

@test "vserver-copy on btrfs: a subvolume snapshot with every file type and a new identity" {
  copy_round btrfs btrfs-snapshot
  [[ "$(stat -c %i "$(guest_root dst)")" == 256 ]]
}

@test "vserver SRC copy DEST on ext4: a clone with every file type and a new identity" {
  copy_round ext4 clone
  # Progress: on a terminal (script(1)'s pty) the clone draws a line with bytes of the total
  # and the rate; nothing of it when stderr is no terminal.
  head -c 8M /dev/urandom > "$(guest_root src)/blob"
  script -qec "$VS_BIN/vserver-copy src tty1" /dev/null > "$WORK/tty.out" 2>&1
  VS_GUESTS+=(tty1)
  grep -qE 'copy src: [0-9.]+ [KMG]?i?B / [0-9.]+ [KMG]iB \([0-9]+%\), [0-9.]+ [KMG]?i?B/s' \
      "$WORK/tty.out" || { cat -v "$WORK/tty.out"; return 1; }
  cmp "$(guest_root src)/blob" "$(guest_root tty1)/blob"
  run "$VS_BIN/vserver-copy" src tty2
  VS_GUESTS+=(tty2)
  [[ $status -eq 0 && $output != *$'\r'* && $output != *'copy src:'* ]] ||
      { echo "$output"; return 1; }
}

@test "vserver-copy on XFS: the clone shares its data (reflinks), hard links stay links" {
  mount_roots_fs xfs
  make_guest src
  VS_GUESTS+=(src)
  head -c 64M /dev/urandom > "$(guest_root src)/big"
  ln "$(guest_root src)/big" "$(guest_root src)/big.link"
  sync -f "$ROOTS"
  local before after
  before=$(df -k --output=used "$ROOTS" | tail -1)
  run "$VS_BIN/vserver-copy" src dst --json
  [[ $status -eq 0 && $output == *'"method":"clone"'* ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(dst)
  sync -f "$ROOTS"
  after=$(df -k --output=used "$ROOTS" | tail -1)
  # 64 MiB copied would be 65536 KiB more; reflinked, the data blocks are shared.
  (( after - before < 16384 )) || { echo "used $before -> $after KiB"; return 1; }
  cmp "$(guest_root src)/big" "$(guest_root dst)/big"
  [[ "$(stat -c %i "$(guest_root dst)/big")" == "$(stat -c %i "$(guest_root dst)/big.link")" ]]
  [[ "$(stat -c %i "$(guest_root dst)/big")" != "$(stat -c %i "$(guest_root src)/big")" ]]
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

@test "vserver-copy's util-vserver options: -h -V -v -i -d -r, bundles; -R and bad values refused" {
  run "$VS_BIN/vserver-copy" -h
  [[ $status -eq 0 && $output == *'-d, --domain DOMAIN'* && $output == *'-r, --vsroot DIR'* ]]
  run "$VS_BIN/vserver-copy" -V
  [[ $status -eq 0 && $output == 'vserver-copy (vserver-ng) '* ]]
  make_guest c1
  VS_GUESTS+=(c1)
  vs c1 config set apps/init/mark default
  local r; r=$(guest_root c1)
  # The guest's etc/hosts and etc/hostname are symlinks to host files: rewritten in the copy,
  # never followed.
  echo host-hosts > "$WORK/host-hosts"
  echo host-hostname > "$WORK/host-hostname"
  ln -sfn "$WORK/host-hosts" "$r/etc/hosts"
  ln -sfn "../../../../../../../../$WORK/host-hostname" "$r/etc/hostname"
  run "$VS_BIN/vserver-copy" -R c1 c5
  [[ $status -eq 2 && $output == *'-R: rsh is not supported'*'--ssh CMD'* ]]
  run "$VS_BIN/vserver-copy" -d example.org c1 c5
  [[ $status -eq 2 && $output == *'give it one with -i/--ip'* ]]
  run "$VS_BIN/vserver-copy" -d 'bad domain' -i 192.0.2.40 c1 c5
  [[ $status -eq 2 && $output == *'"bad domain": not a DNS domain'* ]]
  run "$VS_BIN/vserver-copy" -r relative/dir c1 c5
  [[ $status -eq 2 && $output == *'-r/--vsroot "relative/dir": an absolute directory'* ]]
  run "$VS_BIN/vserver-copy" -qv c1 c5
  [[ $status -eq 2 && $output == *'exclude each other'* ]]
  [[ ! -e $(guest_cfg c5) && ! -e $(guest_root c5) ]]
  # util-vserver's order (options first), a bundle with a value, the long forms.
  local dir=$VSERVER_PREFIX/srv/roots
  run "$VS_BIN/vserver-copy" -vi192.0.2.40 --domain example.org --vsroot "$dir/" c1 c5
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(c5)
  [[ $output == *"copy c1: $r to $dir/c5"* ]]
  [[ "$(readlink "$(guest_cfg c5)/vdir")" == "$dir/c5" && ! -e $(guest_root c5) ]]
  grep -rqx 192.0.2.40 "$(guest_cfg c5)/interfaces"
  # Like util-vserver's ONBOOT=no: the copy is in no autostart group.
  [[ ! -e $(guest_cfg c5)/apps/init/mark && $output == *'apps/init/mark "default" not copied'* ]]
  [[ ! -L $dir/c5/etc/hosts && "$(cat "$dir/c5/etc/hostname")" == c5 ]]
  grep -qx $'192.0.2.40\tc5.example.org\tc5' "$dir/c5/etc/hosts"
  [[ "$(cat "$WORK/host-hosts")" == host-hosts && "$(cat "$WORK/host-hostname")" == host-hostname ]]
  [[ -L $r/etc/hosts ]]
  [[ -z "$(ls -a "$dir" | grep '^\.build-')" ]]
}
