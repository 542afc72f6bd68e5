#!/usr/bin/env bats
# vserver NAME build -m clone / -m rsync: hardlinks, xattrs, ACLs, device nodes, file
# capabilities and numeric owners survive, and symlinks are copied, never followed.

bats_require_minimum_version 1.5.0
load build_helpers

setup() { build_setup; }
teardown() {
  # The btrfs of the snapshot test, even when it failed.
  if [[ -n ${WORK:-} ]] && mountpoint -q "$WORK/mnt" 2>/dev/null; then
    umount "$WORK/mnt" || umount -l "$WORK/mnt"
  fi
  [[ -f ${WORK:-/nonexistent}/loop ]] && losetup -d "$(cat "$WORK/loop")"
  build_teardown
}

@test "rsync: --source DIR keeps hardlinks, xattrs, ACLs, devices, capabilities, owners" {
  make_rich_tree $WORK/src
  run vserver r build -m rsync -- --source $WORK/src
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  check_rich_tree $VSERVER_PREFIX/var/lib/vservers/r
  [[ "$(stat -c %a $VSERVER_PREFIX/var/lib/vservers/r)" == 755 ]]
}

@test "rsync: -o options are passed, symlink-following ones refused" {
  make_rich_tree $WORK/src
  echo junk > $WORK/src/data/skip.me
  run vserver r build -m rsync -- --source $WORK/src -o --exclude=skip.me
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  [[ ! -e $VSERVER_PREFIX/var/lib/vservers/r/data/skip.me &&
      -e $VSERVER_PREFIX/var/lib/vservers/r/data/a ]]
  run vserver r2 build -m rsync -- --source $WORK/src -o --copy-links
  [[ $status -eq 2 && "$output" == *"--copy-links"* ]]
}

@test "clone: --source DIR keeps everything rsync does" {
  make_rich_tree $WORK/src
  run vserver c build -m clone -- --source $WORK/src
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  check_rich_tree $VSERVER_PREFIX/var/lib/vservers/c
}

@test "clone: --source GUEST copies that guest's root, and the copy is independent" {
  make_rich_tree $WORK/src
  run vserver orig build -m rsync -- --source $WORK/src
  [[ $status -eq 0 ]]
  run vserver copy build -m clone -- --source orig
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  check_rich_tree $VSERVER_PREFIX/var/lib/vservers/copy
  echo changed > $VSERVER_PREFIX/var/lib/vservers/copy/data/a
  [[ "$(cat $VSERVER_PREFIX/var/lib/vservers/orig/data/a)" == hello ]]
  local cfgs=$VSERVER_PREFIX/etc/vservers
  [[ "$(cat $cfgs/copy/context)" != "$(cat $cfgs/orig/context)" ]]
}

@test "clone: --source GUEST finds the root as start does: a relative vdir link, a real vdir" {
  make_rich_tree $WORK/src
  run vserver orig build -m rsync --rootdir $WORK/roots -- --source $WORK/src
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  local cfg=$VSERVER_PREFIX/etc/vservers/orig
  # A relative target is relative to the config dir (symlink(7)), not to the caller's cwd.
  ln -sfn "$(realpath --relative-to=$cfg $WORK/roots/orig)" $cfg/vdir
  run vserver c1 build -m clone -- --source orig
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  check_rich_tree $VSERVER_PREFIX/var/lib/vservers/c1
  # A real directory as vdir is the root itself.
  rm $cfg/vdir && mv $WORK/roots/orig $cfg/vdir
  run vserver c2 build -m clone -- --source orig
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  check_rich_tree $VSERVER_PREFIX/var/lib/vservers/c2
}

@test "clone: a btrfs subvolume is snapshotted; a failed snapshot leaves no new roots dir" {
  command -v mkfs.btrfs >/dev/null || skip "mkfs.btrfs not installed"
  grep -q VSERVER_FAULT "$VS_BIN/vserver" || skip "vserver built without VS_FAULT_INJECTION"
  truncate -s 256M $WORK/btrfs.img
  local dev
  dev=$(losetup -f --show $WORK/btrfs.img)
  echo "$dev" > $WORK/loop
  mkfs.btrfs -q "$dev" >/dev/null 2>&1
  mkdir $WORK/mnt && mount "$dev" $WORK/mnt
  run vserver orig build -m skeleton --rootdir $WORK/mnt/guests
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  # Into roots dirs that do not exist yet: the failed snapshot takes both levels with it.
  run env VSERVER_FAULT=build:snapshot:fail vserver c build -m clone \
      --rootdir $WORK/mnt/new/guests -- --source orig
  [[ $status -ne 0 && $output == *"injected fault at build:snapshot"* ]] ||
      { echo "$output"; false; }
  [[ ! -e $WORK/mnt/new && ! -e $VSERVER_PREFIX/etc/vservers/c ]] || { ls -R $WORK/mnt; false; }
  run vserver c build -m clone --rootdir $WORK/mnt/new/guests -- --source orig
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  btrfs subvolume show $WORK/mnt/new/guests/c | grep -Eq 'Parent UUID:[[:space:]]+[0-9a-f]{8}-'
}

@test "clone: a skeleton guest clones into a working guest with the same init style" {
  run vserver sk build -m skeleton
  [[ $status -eq 0 ]]
  run vserver sk2 build -m clone -- --source sk
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  [[ "$(chroot $VSERVER_PREFIX/var/lib/vservers/sk2 /bin/sh -c 'echo ok')" == ok ]]
  [[ "$(cat $VSERVER_PREFIX/etc/vservers/sk2/apps/init/style)" == sysv ]]
}

@test "clone/rsync: a source overlapping the new root is refused" {
  run vserver self build -m rsync --rootdir $WORK/guests -- --source $WORK
  [[ $status -eq 2 && "$output" == *overlaps* ]] || { echo "$output"; false; }
  run vserver self build -m clone --rootdir $WORK -- --source $WORK/self/x
  [[ $status -eq 2 ]]
  [[ -z "$(prefix_contents)" && -z "$(ls -A $WORK)" ]]
}
