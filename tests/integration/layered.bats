#!/usr/bin/env bats
# Layered clones (build -m clone --layered, src/store/layered_root.hpp) on an XFS (reflink=1)
# made on a loop device by each test and removed in teardown: one shared base per unchanged
# reference, an overlay root per guest, mounted again on demand, isolated, removed with the last
# guest. Every test is host_only: overlayfs and XFS behave the same under either cgroup version.

bats_require_minimum_version 1.5.0
load lib
load unify_lib

base_dirs() { find "$MNT/guests/.layers/base" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
layer_dirs() { find "$MNT/guests/.layers/guests" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
mounted() { findmnt -n -t overlay --mountpoint "$(root "$1")" >/dev/null; }
used_kib() { sync -f "$MNT" && df -k --output=used "$MNT" | tail -1; }

# A stat and content listing of a tree: any change of a name, mode, owner, size, inode or byte.
tree_sum() {
  (cd "$1" && find . -printf '%p %y %m %U %G %s %i %T@\n' | sort &&
    find . -type f -exec md5sum {} + | sort) | md5sum
}

# layered NAME [REF]: a layered clone of REF (default ref) on $MNT.
layered() {
  run vs "$1" build -m clone --no-userns --rootdir "$MNT/guests" -- --source "${2:-ref}" --layered
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=("$1")
}

# ref_guest: the reference, a classic skeleton guest with the test files, a big file and many
# small ones (what a per-tree copy pays for: an inode each, directory blocks).
ref_guest() {
  [[ -n ${MNT:-} ]] || mkfs_loop xfs
  run vs ref build -m skeleton --no-userns --rootdir "$MNT/guests"
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(ref)
  local r=$MNT/guests/ref i
  mkdir -p "$r/usr/share/t" "$r/usr/share/dir"
  cp "$WORK"/data/f* "$r/usr/share/t/"
  echo ref >"$r/usr/share/dir/name"
  head -c 16M /dev/urandom >"$r/usr/share/big"
  ln "$r/usr/share/t/f1" "$r/usr/share/t/f1.link"
  for i in $(seq 1 40); do
    mkdir "$r/usr/share/many$i"
    (cd "$r/usr/share/many$i" && for j in $(seq 1 50); do echo "$i $j" >"f$j"; done)
  done
}

@test "ext4: --layered is refused before anything is made, naming the filesystem" {
  host_only
  mkfs_loop ext4
  skel ref
  run vs c1 build -m clone --no-userns --rootdir "$MNT/guests" -- --source ref --layered
  [[ $status -ne 0 ]]
  [[ $output == *"--layered"*"ext4"*"reflink"* ]] || { echo "$output"; return 1; }
  [[ ! -e $(guest_cfg c1) && ! -e $MNT/guests/c1 && ! -e $MNT/guests/.layers ]]
  run vs c2 build -m rsync --no-userns --rootdir "$MNT/guests" -- --source "$(root ref)" --layered
  [[ $status -ne 0 && $output == *"--layered"* ]]
}

@test "dlimits are refused on a layered root with the reason" {
  host_only
  ref_guest
  layered c1
  mkdir -p "$(guest_cfg c1)/dlimits/0"
  echo "$(root c1)" >"$(guest_cfg c1)/dlimits/0/directory"
  echo 100000 >"$(guest_cfg c1)/dlimits/0/space_total"
  echo 1000 >"$(guest_cfg c1)/dlimits/0/inodes_total"
  run vs c1 start
  [[ $status -ne 0 && $output == *"c1"*"layered root"* ]] || { echo "$output"; false; }
}

@test "user-namespaced layered clone: root owns its files, a write is stored as 0 in its upper" {
  host_only
  ref_guest
  run vs c1 build -m clone --rootdir "$MNT/guests" -- --source ref --layered
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(c1)
  layered c2
  local base sr s2 sb up=$MNT/guests/.layers/guests/c1.1/upper r
  r=$(root c1)
  base=$(find "$MNT/guests/.layers/base" -mindepth 2 -maxdepth 2 -name tree)
  [[ $(base_dirs) == 1 ]]
  sr=$(tree_sum "$(root ref)") s2=$(tree_sum "$(root c2)") sb=$(tree_sum "$base")
  vs c1 start
  local inside outside count
  read -r inside outside count </proc/"$(init_pid c1)"/uid_map
  [[ $inside == 0 && $outside -ge 65536 && $count == 65536 ]]
  run vs c1 exec stat -c %u:%g /etc/passwd /usr/share/t/f1
  [[ $output == $'0:0\n0:0' ]] || { echo "$output"; false; }
  vs c1 exec sh -c 'set -e; echo x >/etc/vs-userns-test; echo changed >>/usr/share/t/f2
    mkdir /usr/share/newdir; mv /usr/share/dir /usr/share/dir.moved'
  run vs c1 exec stat -c %u:%g /etc/vs-userns-test /usr/share/t/f2
  [[ $output == $'0:0\n0:0' ]] || { echo "$output"; false; }
  # Stored with the ids of a classic guest, in c1's own upper dir.
  [[ $(stat -c %u:%g "$up/etc/vs-userns-test" "$up/usr/share/t/f2" "$up/usr/share/newdir") == \
    $'0:0\n0:0\n0:0' ]]
  [[ $(tree_sum "$(root ref)") == "$sr" && $(tree_sum "$base") == "$sb" ]]
  [[ $(tree_sum "$(root c2)") == "$s2" ]]
  # Running: the guest's own overlay is at its root path, where every host tool finds it.
  [[ $(findmnt -n -o SOURCE --mountpoint "$r") == vserver-ng-userns ]]
  run vdu c1
  [[ $status -eq 0 && $output == *c1* ]] || { echo "$output"; false; }
  run vfiles c1 --reference ref
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  run vhashify --json c1
  [[ $status -eq 0 && $(json '.guests[0].errors | length') == 0 ]] || { echo "$output"; false; }
  run vs c1 exec cat /etc/vs-userns-test
  [[ $output == x ]]
  vs c1 stop
  # Stopped: that overlay is gone and the host's own is back, ids as stored; unmounted (a
  # reboot), a tool mounts it again.
  [[ $(findmnt -n -o SOURCE --mountpoint "$r") == vserver-ng ]]
  umount "$r"
  run vdu c1
  [[ $status -eq 0 && $output == *c1* ]] || { echo "$output"; false; }
  [[ $(findmnt -n -o SOURCE --mountpoint "$r") == vserver-ng ]]
  [[ $(stat -c %u:%g "$r/etc/vs-userns-test") == 0:0 && $(cat "$r/etc/vs-userns-test") == x ]]
  run vs c1 backup "$WORK/c1.tar"
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  [[ $(tar --numeric-owner -tvf "$WORK/c1.tar" |
    awk '$NF == "root/etc/vs-userns-test" {print $2}') == 0/0 ]]
  # Started again over the host's overlay (unmounted first), and again after it was unmounted.
  vs c1 start
  run vs c1 exec sh -c 'stat -c %u:%g /usr/share/t/f2; cat /usr/share/dir.moved/name'
  [[ $output == $'0:0\nref' ]] || { echo "$output"; false; }
  vs c1 stop
  umount "$r"
  vs c1 start
  vs c1 stop
  [[ $(tree_sum "$(root ref)") == "$sr" && $(tree_sum "$base") == "$sb" ]]
  [[ $(tree_sum "$(root c2)") == "$s2" ]]
  VSERVER_QUIET=1 vs c1 delete
  [[ ! -e $(guest_cfg c1) && ! -e $r && ! -e $MNT/guests/.layers/guests/c1.1 ]]
  [[ $(base_dirs) == 1 && $(layer_dirs) == 1 ]]
}

@test "user-namespaced layered clone: a busy root, a running or dead guest's root for copies" {
  host_only
  ref_guest
  run vs c1 build -m clone --rootdir "$MNT/guests" -- --source ref --layered
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(c1)
  local r pid
  r=$(root c1)
  mounted c1
  # A host process in the host's overlay: start cannot unmount it, and says who to ask.
  (cd "$r" && exec sleep 300) &
  pid=$!
  run vs c1 start
  kill "$pid"
  wait "$pid" || true
  [[ $status -ne 0 && $output == *"c1"*"busy"*"fuser -vm"* ]] || { echo "$output"; false; }
  [[ $(findmnt -n -o SOURCE --mountpoint "$r") == vserver-ng ]]
  # A start failing after the guest's overlay was made takes it away again (with fault points).
  if grep -q VSERVER_FAULT "$VS"; then
    run env VSERVER_FAULT=after-net:fail "$VS" c1 start
    [[ $status -ne 0 ]]
    [[ $(findmnt -n -o SOURCE --mountpoint "$r") != vserver-ng-userns ]]
  fi
  vs c1 start
  vs c1 exec sh -c 'echo y >/etc/vs-dead-test'
  # Copies record owners: refused while the root shows the ids of the guest's namespace.
  run vs c1 backup "$WORK/c1.tar"
  [[ $status -ne 0 && $output == *"user-namespaced start"*"stop"* ]] || { echo "$output"; false; }
  [[ ! -s $WORK/c1.tar ]]
  # No host uid maps to the disk through its layers: a private copy made there is refused too.
  run vhashify --undo c1
  [[ $status -ne 0 && $output == *"user-namespaced start"*"EOVERFLOW"* ]] ||
    { echo "$output"; false; }
  # The guest dies without stop: its overlay stays for the tools that read through it ...
  kill -KILL "$(init_pid c1)"
  run vdu c1
  [[ $status -eq 0 && $output == *c1* ]] || { echo "$output"; false; }
  run vs c1 backup "$WORK/c1.tar"
  [[ $status -ne 0 && $output == *"user-namespaced start"* ]] || { echo "$output"; false; }
  # ... and the next start cleans up after it; stop puts the host's overlay back.
  vs c1 start
  run vs c1 exec cat /etc/vs-dead-test
  [[ $output == y ]]
  vs c1 stop
  [[ $(findmnt -n -o SOURCE --mountpoint "$r") == vserver-ng ]]
  run vs c1 backup "$WORK/c1.tar"
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  # Dead again, and `stop` cleans up: the host's overlay comes back for the next tool.
  vs c1 start
  kill -KILL "$(init_pid c1)"
  vs c1 stop
  [[ $(findmnt -n -o SOURCE --mountpoint "$r") == vserver-ng ]]
  run vserver-copy c1 c1copy --vsroot "$MNT/guests"
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  VS_GUESTS+=(c1copy)
  [[ $(stat -c %u:%g "$MNT/guests/c1copy/etc/vs-dead-test") == 0:0 ]]
}

@test "XFS: 10 layered clones share one base (df), and a hashify afterwards changes nothing" {
  host_only
  local u0 u1 u2 i
  mkfs_loop xfs
  u0=$(used_kib)
  ref_guest
  u1=$(used_kib)
  for i in $(seq 1 10); do layered "c$i"; done
  u2=$(used_kib)
  [[ $(base_dirs) == 1 && $(layer_dirs) == 10 ]]
  for i in $(seq 1 10); do mounted "c$i"; done
  # The reference and its 10 clones against the reference alone. A per-tree reflink copy pays
  # an inode per file and the directory blocks per clone: above 1.5 with this tree.
  local ref_kib=$(( u1 - u0 )) all_kib=$(( u2 - u0 ))
  echo "ref ${ref_kib} KiB, with 10 layered clones ${all_kib} KiB"
  (( all_kib * 100 <= ref_kib * 110 )) || { echo "ratio above 1.10"; return 1; }
  run vhashify --json --all
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $(json .shared_files) == 0 && $(json .shared_bytes) == 0 ]] || { echo "$output"; false; }
  [[ $(json '[.guests[].errors | length] | add') == 0 ]] || { echo "$output"; false; }
  [[ $(json '.guests[] | select(.name == "c7") | .method') == dedupe ]]
  (( $(json '.guests[] | select(.name == "c7") | .already_shared') > 0 ))
  (( $(used_kib) <= u2 + 1024 ))
  # vdu counts a layered guest on the XFS below: the base's data and inodes shared with the
  # other clones (and the data with the reference), each physical byte once in the total.
  run vdu --json ref c1 c2
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  local t='.trees[] | select(.name == "c1")'
  (( $(json "$t.exclusive_bytes") < 1048576 )) || { echo "$output"; false; }
  (( $(json "$t.shared_bytes") > 16 * 1048576 )) || { echo "$output"; false; }
  (( $(json "$t.shared_inodes") > 2000 )) || { echo "$output"; false; }
  (( $(json .total.allocated_bytes) * 10 < $(json '.trees[0].allocated_bytes') * 12 ))
}

@test "btrfs: layered clones share one base there too; a write stays the guest's own, userns too" {
  host_only
  mkfs_loop btrfs
  ref_guest
  layered c1
  layered c2
  [[ $(base_dirs) == 1 ]] && mounted c1 && mounted c2
  echo mine >>"$(root c1)/usr/share/dir/name"
  [[ $(cat "$(root c2)/usr/share/dir/name") == ref ]]
  [[ $(cat "$(root ref)/usr/share/dir/name") == ref ]]
  run vhashify --json --all
  [[ $status -eq 0 && $(json .shared_files) == 0 ]] || { echo "$output"; false; }
  # A user-namespaced clone of the same base: btrfs layers can be idmapped too.
  run vs c3 build -m clone --rootdir "$MNT/guests" -- --source ref --layered
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(c3)
  [[ $(base_dirs) == 1 ]]
  vs c3 start
  vs c3 exec sh -c 'echo c3 >/usr/share/dir/name'
  run vs c3 exec stat -c %u:%g /usr/share/dir/name
  [[ $output == 0:0 ]] || { echo "$output"; false; }
  vs c3 stop
  [[ $(stat -c %u:%g "$MNT/guests/.layers/guests/c3.1/upper/usr/share/dir/name") == 0:0 ]]
  [[ $(cat "$(root c2)/usr/share/dir/name") == ref ]]
  [[ $(cat "$(root c3)/usr/share/dir/name") == c3 ]]
  VSERVER_QUIET=1 vs c3 delete
  VSERVER_QUIET=1 vs c1 delete
  VSERVER_QUIET=1 vs c2 delete
  [[ $(base_dirs) == 0 ]]
}

@test "isolation: what one layered guest does reaches no other clone, the base or the reference" {
  host_only
  ref_guest
  layered c1
  layered c2
  local base sr s2 sb
  base=$(find "$MNT/guests/.layers/base" -mindepth 2 -maxdepth 2 -name tree)
  sr=$(tree_sum "$(root ref)") s2=$(tree_sum "$(root c2)") sb=$(tree_sum "$base")
  vs c1 start
  vs c1 exec sh -c '
    set -e
    echo changed >>/usr/share/t/f2
    : >/usr/share/t/f3
    chmod 600 /usr/share/t/f4
    chown 1:1 /usr/share/t/f5
    mv /usr/share/t/f6 /usr/share/t/f6.moved
    rm /usr/share/big
    echo written >/usr/share/t/f1.link
    mkdir /usr/share/newdir
    mv /usr/share/dir /usr/share/dir.moved
    mv /usr/share/many1 /usr/share/newdir/many1'
  vs c1 stop
  # c1 sees its own changes, hard links kept across the copy-up (index=on).
  local r=$MNT/guests/c1
  [[ $(tail -c 8 "$r/usr/share/t/f2") == changed && ! -s $r/usr/share/t/f3 ]]
  [[ $(stat -c '%a' "$r/usr/share/t/f4") == 600 && $(stat -c '%u' "$r/usr/share/t/f5") == 1 ]]
  [[ -f $r/usr/share/t/f6.moved && ! -e $r/usr/share/t/f6 && ! -e $r/usr/share/big ]]
  [[ $(cat "$r/usr/share/t/f1") == written ]]
  [[ $(cat "$r/usr/share/dir.moved/name") == ref && ! -e $r/usr/share/dir ]]
  [[ -f $r/usr/share/newdir/many1/f1 ]]
  [[ $(tree_sum "$(root ref)") == "$sr" ]]
  [[ $(tree_sum "$(root c2)") == "$s2" ]]
  [[ $(tree_sum "$base") == "$sb" ]]
  # hashify --undo: c2's private copies go to its own layer; nothing else changes.
  run vs c2 hashify --undo --json
  [[ $status -eq 0 && $(json '.guests[0].errors | length') == 0 ]] || { echo "$output"; false; }
  [[ -f $MNT/guests/.layers/guests/c2.1/upper/usr/share/big ]]
  cmp "$(root c2)/usr/share/big" "$(root ref)/usr/share/big"
  [[ $(tree_sum "$(root ref)") == "$sr" && $(tree_sum "$base") == "$sb" ]]
}

@test "delete: the base stays while a clone uses it, goes with the last; the reference stays" {
  host_only
  ref_guest
  layered c1
  layered c2
  local sr
  sr=$(tree_sum "$(root ref)")
  VSERVER_QUIET=1 vs c1 delete
  [[ ! -e $(guest_cfg c1) && ! -e $MNT/guests/c1 ]]
  ! mounted c1
  [[ $(base_dirs) == 1 && $(layer_dirs) == 1 ]]
  [[ -f $MNT/guests/c2/usr/share/t/f1 ]]
  # The last one with a config that no longer loads: delete --force still finds its layers.
  echo bad >"$(guest_cfg c2)/context"
  VSERVER_QUIET=1 vs c2 delete --force
  [[ $(base_dirs) == 0 && $(layer_dirs) == 0 && ! -e $MNT/guests/c2 ]]
  [[ $(tree_sum "$(root ref)") == "$sr" ]]
  # The reference changed: a new clone gets a new base, and the first clone's base stays for it.
  layered c3
  # Its root is a mount point, which build --force's exchange cannot move.
  run vs c3 build -m skeleton --no-userns --force --rootdir "$MNT/guests"
  [[ $status -ne 0 && $output == *"layered root"*"delete it first"* ]] || { echo "$output"; false; }
  mounted c3
  echo more >"$(root ref)/usr/share/dir/name"
  layered c4
  [[ $(base_dirs) == 2 ]]
  [[ $(cat "$MNT/guests/c3/usr/share/dir/name") == ref ]]
  [[ $(cat "$MNT/guests/c4/usr/share/dir/name") == more ]]
}

@test "unmounted (a reboot): start and every host tool mount the root again" {
  host_only
  ref_guest
  layered c1
  layered c2
  local r
  r=$(root c1)
  umount "$r"
  ! mounted c1
  vs c1 start
  mounted c1
  # Running, its root detached on the host: a tool is refused, never a second overlay.
  umount -l "$r"
  run vdu c1
  [[ $status -ne 0 && $output == *"in use by another overlay"* ]] || { echo "$output"; false; }
  vs c1 stop
  ! mounted c1
  run vdu c1
  [[ $status -eq 0 && $output == *c1* ]] || { echo "$output"; return 1; }
  mounted c1
  umount "$r"
  run vfiles c1 --reference ref
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  mounted c1
  umount "$r"
  run vhashify --json c1
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  mounted c1
  umount "$r"
  run vserver-copy c1 c1copy --vsroot "$MNT/guests"
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(c1copy)
  mounted c1
  # The copy holds the whole tree as a plain root.
  [[ ! -e $(guest_cfg c1copy)/layered && -f $MNT/guests/c1copy/usr/share/t/f1 ]]
  ! mounted c1copy
  umount "$r"
  run vs c1 backup "$WORK/c1.tar"
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  mounted c1
  tar -tf "$WORK/c1.tar" | grep -q 'usr/share/t/f1$'
  umount "$r"
  run vs c1b build -m clone --no-userns --rootdir "$MNT/guests" -- --source c1
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(c1b)
  mounted c1
  [[ -f $MNT/guests/c1b/usr/share/t/f1 ]]
  umount "$r"
  VSERVER_QUIET=1 vs c1 delete
  [[ ! -e $MNT/guests/c1 && $(layer_dirs) == 1 && $(base_dirs) == 1 ]]
}

@test "a layered build that fails or is killed leaves nothing half-made" {
  host_only
  require_fault_injection
  ref_guest
  local point
  for point in build:base-copied build:layers-made build:after-config; do
    run env VSERVER_FAULT=$point:fail "$VS" c1 build -m clone --no-userns \
      --rootdir "$MNT/guests" -- --source ref --layered
    [[ $status -ne 0 ]] || { echo "$point: $output"; false; }
    [[ ! -e $(guest_cfg c1) && ! -e $MNT/guests/c1 ]] || { echo "$point: made"; false; }
    [[ $(base_dirs) == 0 && $(layer_dirs) == 0 ]] || { echo "$point: layers left"; false; }
    [[ -z $(findmnt -n -t overlay -R "$MNT") ]]
  done
  # A base in use is kept when a second clone's build fails.
  layered c1
  run env VSERVER_FAULT=build:layers-made:fail "$VS" c2 build -m clone --no-userns \
    --rootdir "$MNT/guests" -- --source ref --layered
  [[ $status -ne 0 && $(base_dirs) == 1 && $(layer_dirs) == 1 ]]
  VSERVER_QUIET=1 vs c1 delete
  VS_GUESTS=(ref)
  # Killed: the next operation on the name clears what is left.
  for point in build:base-copied build:layers-made between-renames; do
    [[ $point == between-renames ]] && point=build:between-renames
    run env VSERVER_FAULT=$point:kill "$VS" c1 build -m clone --no-userns \
      --rootdir "$MNT/guests" -- --source ref --layered
    [[ $status -eq 137 ]] || { echo "$point: $status $output"; false; }
    layered c1
    [[ $(base_dirs) == 1 && $(layer_dirs) == 1 ]] || { echo "$point: leftovers"; false; }
    VSERVER_QUIET=1 vs c1 delete
    VS_GUESTS=(ref)
    [[ $(base_dirs) == 0 && $(layer_dirs) == 0 ]]
  done
}

@test "dpkg in a layered Debian guest: install and upgrade stay its own" {
  host_only
  command -v dpkg-deb >/dev/null || skip "dpkg-deb not installed"
  FIXTURE=$(VS_BIN=$VS_BIN bash "$VS_SOURCE_DIR/scripts/fixtures.sh" "$VS_BUILD_DIR" | tail -1)
  [[ -f $FIXTURE ]] || skip "no debootstrap fixture"
  mkfs_loop xfs
  run vs dref build -m template --no-userns --rootdir "$MNT/guests" -- -t "$FIXTURE"
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(dref)
  echo reaper >"$(guest_cfg dref)/apps/init/style"
  layered d1 dref
  layered d2 dref
  local d
  for d in 1 2; do
    mkdir -p "$WORK/deb-$d/DEBIAN" "$WORK/deb-$d/usr/share/vs-layered"
    printf 'Package: vs-layered\nVersion: %s\nArchitecture: all\n%s\n%s\n' "$d" \
      'Maintainer: t <t@t.invalid>' 'Description: layered test' >"$WORK/deb-$d/DEBIAN/control"
    echo "version $d" >"$WORK/deb-$d/usr/share/vs-layered/version"
    dpkg-deb --root-owner-group -Zgzip -b "$WORK/deb-$d" "$(root d1)/root/vsl_$d.deb" >/dev/null
  done
  local s2 sr
  s2=$(tree_sum "$(root d2)") sr=$(tree_sum "$(root dref)")
  vs d1 start
  vs d1 exec dpkg -i /root/vsl_1.deb >/dev/null
  vs d1 exec dpkg -i /root/vsl_2.deb >/dev/null
  vs d1 exec dpkg -s vs-layered | grep -q '^Version: 2'
  vs d1 exec dpkg -r vs-layered >/dev/null
  vs d1 stop
  [[ $(tree_sum "$(root d2)") == "$s2" && $(tree_sum "$(root dref)") == "$sr" ]]
  ! grep -q vs-layered "$(root d2)/var/lib/dpkg/status"
}
