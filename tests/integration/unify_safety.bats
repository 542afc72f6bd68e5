#!/usr/bin/env bats
# Unification racing a guest: vhashify paused at a fault point (VSERVER_FAULT=POINT:stop@FILE,
# src/base/fault.hpp) while the test changes a guest's file or directory, then let go. A file
# changed while hashed or before its dedupe or exchange is skipped and reported; a writer on the
# new shared inode undoes the exchange; a directory swapped for a symlink leads nowhere outside
# the guest. Skeleton guests on loop-mounted btrfs, XFS (reflink=1) and ext4 (unify_lib.bash).

bats_require_minimum_version 1.5.0
load lib
load unify_lib

# not_shared FILE...: each has its own data and inode: no shared extent, one link, not immutable.
not_shared() {
  local f
  for f; do
    ! shares_extents "$f" || { echo "$f shares extents"; return 1; }
    [[ $(stat -c %h "$f") == 1 ]] || { echo "$f has $(stat -c %h "$f") links"; return 1; }
    ! lsattr "$f" 2>/dev/null | grep -q '^....i' || { echo "$f is immutable"; return 1; }
  done
}

# shared A B: B shares A's data (the inode on ext4, extents on btrfs and XFS).
shared() {
  if [[ $(stat -f -c %T "$1") == ext2/ext3 ]]; then
    [[ $(stat -c %i "$1") == "$(stat -c %i "$2")" ]] || { echo "$2 is not $1"; return 1; }
  else
    shares_extents "$2" || { echo "$2 shares no extent"; return 1; }
  fi
}

# changed_list N: guest N's skipped files (the JSON's "changed"), sorted, on one line.
changed_list() { json ".guests[$1].changed | sort | join(\" \")"; }

# other_bytes FILE: FILE rewritten in place (same inode and size) with other bytes.
other_bytes() {
  head -c "$(stat -c %s "$1")" /dev/urandom >"$WORK/other"
  dd if="$WORK/other" of="$1" conv=notrunc status=none
}

# two_guests TYPE: guests g1 and g2 on a new TYPE file system; A and B their usr/share/t, FLAG
# the method's option (--hardlink on ext4).
two_guests() {
  FLAG=
  [[ $1 == ext4 ]] && FLAG=--hardlink
  mkfs_loop "$1"
  skel g1
  skel g2
  A=$(root g1)/usr/share/t B=$(root g2)/usr/share/t
}

# changed_case TYPE: three runs, each paused at a point of g2's usr/share/t/f1.
changed_case() {
  local t=$1 f
  two_guests "$t"
  local a=$A b=$B flag=$FLAG

  # 1. After f1 was read and hashed, before the check that it is the file the walk saw: f1 gets
  # other bytes; f2 a chmod, f3 a chown.
  paused_run "unify:hashed:stop@$b/f1" $flag --json g1 g2
  other_bytes "$b/f1"
  chmod 600 "$b/f2"
  chown 5:5 "$b/f3"
  resume
  [[ $status -eq 0 ]] || { echo "$output $stderr"; return 1; }
  schema_check
  [[ $(changed_list 1) == "usr/share/t/f1 usr/share/t/f2 usr/share/t/f3" ]] ||
    { echo "$output"; return 1; }
  [[ $(changed_list 0) == "" ]]
  [[ $stderr == *'g2: skipped "usr/share/t/f1": it changed while being hashed or shared'* ]]
  cmp "$b/f1" "$WORK/other"
  [[ $(stat -c '%a %u %g' "$b/f1" "$b/f2" "$b/f3") == $'644 0 0\n600 0 0\n644 5 5' ]]
  not_shared "$a/f1" "$a/f2" "$a/f3" "$b/f1" "$b/f2" "$b/f3"
  for f in f4 f5 f6; do shared "$a/$f" "$b/$f"; done
  for f in f1 f2 f3 f4 f5 f6; do cmp "$a/$f" "$WORK/data/$f"; done

  # 2. f1 the same as g1's again; paused just before its dedupe (FIDEDUPERANGE) or its name's
  # exchange, after every other check: other bytes in place. The kernel's comparison refuses the
  # dedupe; the exchange sees the changed ctime. g1's f1 keeps its own inode either way (an
  # inode that no second name took is given up, never left immutable with one name).
  cp "$WORK/data/f1" "$b/f1"
  chmod 644 "$b/f2"
  chown 0:0 "$b/f3"
  local ino_a1
  ino_a1=$(stat -c %i "$a/f1")
  paused_run "unify:exchange:stop@$b/f1" $flag --json g1 g2
  other_bytes "$b/f1"
  resume
  [[ $status -eq 0 ]] || { echo "$output $stderr"; return 1; }
  [[ $(changed_list 1) == "usr/share/t/f1" ]] || { echo "$output"; return 1; }
  cmp "$b/f1" "$WORK/other"
  not_shared "$a/f1" "$b/f1"
  [[ $(stat -c %i "$a/f1") == "$ino_a1" ]]
  for f in f2 f3; do shared "$a/$f" "$b/$f"; done

  # 3. The same window, a chmod only. A dedupe shares the data and the guest's mode stays (it is
  # the inode's own); an exchange would give the name an inode with the old mode: refused.
  cp "$WORK/data/f1" "$b/f1"
  paused_run "unify:exchange:stop@$b/f1" $flag --json g1 g2
  chmod 600 "$b/f1"
  resume
  [[ $status -eq 0 ]] || { echo "$output $stderr"; return 1; }
  [[ $(stat -c %a "$b/f1") == 600 ]]
  if [[ $t != ext4 ]]; then
    [[ $(changed_list 1) == "" ]] || { echo "$output"; return 1; }
    shared "$a/f1" "$b/f1"
  else
    [[ $(changed_list 1) == "usr/share/t/f1" ]] || { echo "$output"; return 1; }
    not_shared "$a/f1" "$b/f1"
  fi
  for f in f1 f2 f3 f4 f5 f6; do cmp "$a/$f" "$WORK/data/$f"; done
  cmp "$b/f1" "$WORK/data/f1"
  [[ -z $(find "$(root g1)" "$(root g2)" -name '.vs-unify.*') ]]
}

@test "btrfs: a file changed while hashed or before its dedupe is skipped, reported, kept" {
  no_cgroup
  require_fault_injection
  changed_case btrfs
}

@test "XFS reflink=1: a file changed while hashed or before its dedupe is skipped, reported" {
  no_cgroup
  require_fault_injection
  changed_case xfs
}

@test "ext4: a file changed while hashed or before its exchange is skipped, reported, kept" {
  no_cgroup
  require_fault_injection
  changed_case ext4
}

@test "ext4: a writer on the new shared inode before it is sealed undoes the exchange" {
  no_cgroup
  require_fault_injection
  two_guests ext4
  local a=$A b=$B before f w
  before=$(stat -c '%n %i %h %a' "$a/f1" "$b/f1")
  # Paused with both names of f1 exchanged for the new inode, before the immutable flag and the
  # write lease (share_hardlink.cpp seal()): a process opens it for writing there.
  paused_run "unify:swapped:stop@$a/f1" --hardlink --json g1 g2
  [[ $(stat -c %i "$a/f1") == "$(stat -c %i "$b/f1")" ]]
  exec {w}>>"$b/f1"
  resume
  [[ $status -eq 1 ]] || { echo "$output $stderr"; exec {w}>&-; return 1; }
  [[ $stderr == *"shared copy of \"$a/f1\" was opened by another process while being linked"* ]]
  [[ $(json '.guests[0].errors | join(" ")') == *"\"$a/f1\" was opened by another process"* ]]
  [[ $(stat -c '%n %i %h %a' "$a/f1" "$b/f1") == "$before" ]]
  # What the writer writes lands in the given-up inode, in no guest's file.
  echo x >&"$w"
  exec {w}>&-
  not_shared "$a/f1" "$b/f1"
  for f in f1 f2 f3 f4 f5 f6; do
    cmp "$a/$f" "$WORK/data/$f"
    cmp "$b/$f" "$WORK/data/$f"
  done
  for f in f2 f3 f4 f5 f6; do shared "$a/$f" "$b/$f"; done
  [[ -z $(find "$(root g1)" "$(root g2)" -name '.vs-unify.*') ]]
}

@test "ext4: SIGKILL between the names of a file with two: each name is there, its bytes kept" {
  no_cgroup
  require_fault_injection
  two_guests ext4
  local a=$A b=$B first second r
  head -c 50000 /dev/urandom >"$WORK/two"
  for r in "$a" "$b"; do
    mkdir "$r/m"
    cp "$WORK/two" "$r/m/x"
    ln "$r/m/x" "$r/m/y"
  done
  # The names are exchanged in the walk's order, the directory's own (getdents, as ls -U).
  local order
  mapfile -t order < <(ls -U "$b/m")
  first=${order[0]} second=${order[1]}
  local old
  old=$(stat -c %i "$b/m/x")
  run env VSERVER_FAULT="unify:exchange:kill@$b/m/$second" vhashify --hardlink g1 g2
  [[ $status -eq 137 ]] || { echo "$output"; return 1; }
  # Killed with the first name on the shared inode and the second still on the old one.
  [[ $(stat -c %i "$b/m/$first") == "$(stat -c %i "$a/m/x")" ]]
  [[ $(stat -c %i "$b/m/$second") == "$old" ]]
  for r in "$a" "$b"; do
    cmp "$r/m/x" "$WORK/two"
    cmp "$r/m/y" "$WORK/two"
    [[ $(stat -c '%a %u %g' "$r/m/x" "$r/m/y") == $'644 0 0\n644 0 0' ]]
  done
  # The next run shares the second name too and removes the killed run's temporary names.
  run vhashify --hardlink --json g1 g2
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $(stat -c '%i %h' "$b/m/$second") == "$(stat -c '%i %h' "$a/m/x")" ]]
  [[ $(stat -c %i "$b/m/$first") == "$(stat -c %i "$a/m/y")" ]]
  [[ $(stat -c %h "$a/m/x") == 4 ]]
  cmp "$b/m/$second" "$WORK/two"
  [[ -z $(find "$a" "$b" -name '.vs-unify.*') ]]
}

# dir_swap_case TYPE: between hashing and sharing, g2's usr/share/t becomes a relative symlink
# that, followed on the host, leads to $MNT/host: files identical to the guests'.
dir_swap_case() {
  local f
  two_guests "$1"
  local a=$A b=$B flag=$FLAG host=$MNT/host before
  mkdir "$host"
  cp "$WORK"/data/f* "$host/"
  before=$(stat -c '%n %i %h %a %u %g' "$host"/*)
  paused_run "unify:sharing:stop" $flag --json g1 g2
  mv "$b" "$b.moved"
  ln -s ../../../../host "$b"
  [[ $(readlink -f "$b") == "$host" ]]
  resume
  [[ $status -eq 0 ]] || { echo "$output $stderr"; return 1; }
  local all changed
  all=$(printf 'usr/share/t/f%s ' 1 2 3 4 5 6 | sed 's/ $//')
  changed=$(changed_list 1)
  [[ $(json '[.guests[].errors[]] | length') == 0 ]]
  [[ $(stat -c '%n %i %h %a %u %g' "$host"/*) == "$before" ]]
  for f in f1 f2 f3 f4 f5 f6; do
    not_shared "$host/$f"
    cmp "$host/$f" "$WORK/data/$f"
    cmp "$a/$f" "$WORK/data/$f"
    cmp "$b.moved/$f" "$WORK/data/$f"
    if [[ $1 == ext4 ]]; then
      # The link goes by name: the moved names are skipped.
      [[ $changed == "$all" ]] || { echo "$output"; return 1; }
      not_shared "$a/$f" "$b.moved/$f"
    else
      # Extent sharing acts on the inode held open since hashing, checked unchanged by its own
      # statx: the move of its directory, inside the guest, is no change to the file, which is
      # either skipped or shared where it now is.
      [[ " $changed " == *" usr/share/t/$f "* ]] || shared "$a/$f" "$b.moved/$f"
    fi
  done
}

@test "btrfs: a directory swapped for a symlink to a host dir mid-run: nothing outside deduped" {
  no_cgroup
  require_fault_injection
  dir_swap_case btrfs
}

@test "ext4: a directory swapped for a symlink to a host dir mid-run: nothing outside linked" {
  no_cgroup
  require_fault_injection
  dir_swap_case ext4
}
