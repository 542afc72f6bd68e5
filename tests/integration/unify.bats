#!/usr/bin/env bats
# Unification (vhashify, vunify, hashify --undo) on btrfs, XFS (reflink=1) and ext4 file systems
# that each test makes on a loop device and removes in teardown, even when it fails. Guests are
# skeleton guests with shared test files, and two Debian guests from the cached debootstrap
# fixture (scripts/fixtures.sh) per file system for the dpkg upgrade.

bats_require_minimum_version 1.5.0
load lib
load unify_lib

# reflink_case: two guests share extents, keep their own inodes, and nothing one guest does to
# its copy reaches the other; a rerun reads no file (all from the hash cache).
reflink_case() {
  skel g1
  skel g2
  local a b
  a=$(root g1) b=$(root g2)
  df_before=$(df -B1 --output=avail "$MNT" | tail -1)
  run vhashify --json g1 g2
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  schema_check
  [[ $(json .guests[0].method) == dedupe ]]
  (( $(json .shared_files) >= 6 ))
  (( $(json .bytes_saved) > 0 ))
  for f in f1 f2 f3 f4 f5 f6; do
    shares_extents "$b/usr/share/t/$f"
    [[ $(stat -c %i "$a/usr/share/t/$f") != "$(stat -c %i "$b/usr/share/t/$f")" ]] ||
      [[ $(stat -c %d "$a") != "$(stat -c %d "$b")" ]]
  done
  # /etc is not shared by default.
  ! shares_extents "$b/etc/same.conf"
  [[ -s $VSERVER_PREFIX/var/cache/vservers/g1/unify/hashes ]]

  run vhashify --json g1 g2
  [[ $status -eq 0 ]]
  [[ $(json '[.guests[].hashed] | add') == 0 ]]
  [[ $(json .shared_files) == 0 ]]
  (( $(json '[.guests[].cached] | add') >= 12 ))

  vs g1 start
  vs g1 exec /bin/sh -c '
    cd /usr/share/t && echo x >>f1 && truncate -s 10 f2 && chmod 600 f3 && chown 5:5 f4 &&
    mv f5 f5.moved && ln f5.moved f5.relinked && : >f6.new && mv f6.new f6'
  for f in f1 f2 f3 f4 f5 f6; do
    cmp "$b/usr/share/t/$f" "$WORK/data/$f"
    [[ $(stat -c '%a %u %g %h' "$b/usr/share/t/$f") == "644 0 0 1" ]]
  done
  [[ $(stat -c %s "$a/usr/share/t/f2") == 10 ]]
  vs g1 stop
}

@test "btrfs: vhashify shares extents; guest writes, chmod, chown, rename, relink stay private" {
  mkfs_loop btrfs
  reflink_case
}

@test "XFS reflink=1: vhashify shares extents; guest writes, chmod, chown, rename stay private" {
  mkfs_loop xfs
  reflink_case
}

@test "btrfs: small files kept inline are shared through one extent; a rerun changes nothing" {
  mkfs_loop btrfs
  local g r f
  head -c 1500 /dev/urandom >"$WORK/small"
  head -c 40 /dev/urandom >"$WORK/tiny"
  for g in g1 g2 g3; do
    skel "$g"
    r=$(root "$g")
    cp "$WORK/small" "$WORK/tiny" "$r/usr/share/t/"
    chmod 640 "$r/usr/share/t/small"
  done
  sync -f "$MNT"
  filefrag -v "$(root g2)/usr/share/t/small" | grep -q inline
  run vhashify --json g1 g2 g3
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $(json '[.guests[].errors[]] | length') == 0 ]]
  # The 1500 bytes of each guest now lie in one shared extent; 40 bytes are not worth a block:
  # they stay inline (counted as such).
  for g in g1 g2 g3; do
    r=$(root "$g")
    ! filefrag -v "$r/usr/share/t/small" | grep -q inline || { echo "$g: inline"; return 1; }
    shares_extents "$r/usr/share/t/small"
    cmp "$r/usr/share/t/small" "$WORK/small"
    [[ $(stat -c '%s %a' "$r/usr/share/t/small") == "1500 640" ]]
    filefrag -v "$r/usr/share/t/tiny" | grep -q inline
  done
  [[ $(json '[.guests[].skipped.inline] | add') == 3 ]]
  # A rerun finds them sharing (from the cache) and changes nothing.
  run vhashify --json g1 g2 g3
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $(json .shared_files) == 0 && $(json '[.guests[].hashed] | add') == 0 ]]
  # A guest's write stays its own.
  echo x >>"$(root g2)/usr/share/t/small"
  cmp "$(root g1)/usr/share/t/small" "$WORK/small"
  cmp "$(root g3)/usr/share/t/small" "$WORK/small"
}

@test "btrfs: undo gives a file with two names one private copy, and a small shared one its own" {
  mkfs_loop btrfs
  skel g1
  skel g2
  local a b r
  a=$(root g1) b=$(root g2)
  head -c 70000 /dev/urandom >"$WORK/two"
  head -c 1500 /dev/urandom >"$WORK/small"
  for r in "$a" "$b"; do
    cp "$WORK/two" "$r/usr/share/t/x"
    ln "$r/usr/share/t/x" "$r/usr/share/t/y"
    cp "$WORK/small" "$r/usr/share/t/small"
  done
  sync -f "$MNT"
  run vhashify --json g1 g2
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  shares_extents "$a/usr/share/t/y"
  shares_extents "$b/usr/share/t/small"
  run vs g1 hashify --undo --json
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $(stat -c %i "$a/usr/share/t/x") == "$(stat -c %i "$a/usr/share/t/y")" ]]
  [[ $(stat -c %h "$a/usr/share/t/x") == 2 ]]
  ! shares_extents "$a/usr/share/t/x" || { echo "x still shared"; return 1; }
  ! shares_extents "$a/usr/share/t/small" || { echo "small still shared"; return 1; }
  cmp "$a/usr/share/t/y" "$WORK/two"
  cmp "$a/usr/share/t/small" "$WORK/small"
  cmp "$b/usr/share/t/small" "$WORK/small"
}

@test "ext4: hard links only with --hardlink; one immutable inode the guest cannot change; undo" {
  mkfs_loop ext4
  skel g1
  skel g2
  local a b
  a=$(root g1) b=$(root g2)
  run vhashify g1 g2
  [[ $status -eq 2 ]]
  [[ $output == *"--hardlink"* ]]
  [[ $(stat -c %h "$b/usr/share/t/f1") == 1 ]]

  # A dry run links nothing but fills the hash cache (docs/unification.md, The hash cache), so
  # the real run after it reads no file again.
  run vhashify -n --hardlink --json g1 g2
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $(json .dry_run) == true ]]
  (( $(json .shared_files) >= 6 ))
  [[ $(stat -c %h "$b/usr/share/t/f1") == 1 ]]
  [[ -s $VSERVER_PREFIX/var/cache/vservers/g1/unify/hashes ]]

  # --all leaves out a configured guest that was never built (no root), with a warning.
  skel g3
  rm -rf "$(root g3)"
  run --separate-stderr vhashify --hardlink --json --all
  [[ $status -eq 0 ]] || { echo "$output $stderr"; return 1; }
  [[ $stderr == *"guest g3 has no root"* ]]
  [[ $(json '.guests | length') == 2 ]]
  [[ $(json .guests[0].method) == hardlink ]]
  [[ $(json '[.guests[].hashed] | add') == 0 ]]
  for f in f1 f2 f3 f4 f5 f6; do
    [[ $(stat -c %i "$a/usr/share/t/$f") == "$(stat -c %i "$b/usr/share/t/$f")" ]]
    lsattr "$b/usr/share/t/$f" | grep -q '^....i'
    [[ $(stat -c '%a %u %g' "$b/usr/share/t/$f") == "644 0 0" ]]
  done
  [[ $(stat -c %h "$b/etc/same.conf") == 1 ]]

  # chattr -i: a static helper, as the skeleton's busybox has no chattr applet.
  cat >"$WORK/chattr-i.c" <<'C'
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
int main(int argc, char **argv) {
  int fd = open(argv[1], O_RDONLY), f = 0;
  if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &f) < 0) { perror("open"); return 1; }
  f &= ~FS_IMMUTABLE_FL;
  if (ioctl(fd, FS_IOC_SETFLAGS, &f) < 0) { perror("chattr -i"); return 1; }
  return 0;
}
C
  gcc -static -O1 -o "$a/bin/chattr-i" "$WORK/chattr-i.c"
  vs g1 start
  local c
  for c in 'echo x >>f1' 'truncate -s 0 f2' 'chmod 600 f3' 'chown 5 f4' 'rm f5' \
    ': >new && mv new f6' 'ln f1 f1.relinked' '/bin/chattr-i f1'; do
    run vs g1 exec /bin/sh -c "cd /usr/share/t && $c"
    [[ $status -ne 0 ]]
    [[ $output == *"not permitted"* ]] || { echo "$c: $output"; return 1; }
  done
  for f in f1 f2 f3 f4 f5 f6; do
    cmp "$b/usr/share/t/$f" "$WORK/data/$f"
    [[ $(stat -c '%a %u %g' "$b/usr/share/t/$f") == "644 0 0" ]]
  done

  # undo: g1 gets private copies it may change; g2 keeps the shared inode.
  run vs g1 hashify --undo --json
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  schema_check
  (( $(json .shared_files) >= 6 ))
  vs g1 exec /bin/sh -c 'cd /usr/share/t && echo x >>f1 && chmod 600 f3 && rm f5'
  cmp "$b/usr/share/t/f1" "$WORK/data/f1"
  [[ $(stat -c %a "$b/usr/share/t/f3") == 644 ]]
  lsattr "$b/usr/share/t/f1" | grep -q '^....i'
  vs g1 stop
}

@test "ext4: a file with several names in a guest is shared with all of them, or left whole" {
  mkfs_loop ext4
  skel g1
  skel g2
  skel g3
  local a b c r ino
  a=$(root g1) b=$(root g2) c=$(root g3)
  head -c 70000 /dev/urandom >"$WORK/perl"
  # Two names of one file in g1 and g3 (as Debian's perl and perl5.36.0), one name in g2; g3's
  # file also has a name under /etc, which is never shared: its inode stays as it is.
  for r in "$a" "$b" "$c"; do
    mkdir -p "$r/usr/bin"
    cp "$WORK/perl" "$r/usr/bin/perl"
    chown 3:4 "$r/usr/bin/perl"
    chmod 751 "$r/usr/bin/perl"
    touch -d 2020-01-02 "$r/usr/bin/perl"
  done
  ln "$a/usr/bin/perl" "$a/usr/bin/perl5"
  ln "$c/usr/bin/perl" "$c/usr/bin/perl5"
  ln "$c/usr/bin/perl" "$c/etc/perl.link"
  local c_before
  c_before=$(stat -c '%n %i %h' "$c/usr/bin/perl" "$c/usr/bin/perl5" "$c/etc/perl.link")
  run vhashify --hardlink --json g1 g2 g3
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $(json '[.guests[].errors[]] | length') == 0 ]]
  ino=$(stat -c %i "$b/usr/bin/perl")
  [[ $(stat -c %i "$a/usr/bin/perl") == "$ino" && $(stat -c %i "$a/usr/bin/perl5") == "$ino" ]]
  [[ $(stat -c '%h %a %u %g %Y' "$a/usr/bin/perl") == "3 751 3 4 $(date -d 2020-01-02 +%s)" ]]
  lsattr "$a/usr/bin/perl5" | grep -q '^....i'
  cmp "$a/usr/bin/perl" "$WORK/perl"
  cmp "$a/usr/bin/perl5" "$WORK/perl"
  [[ $(stat -c '%n %i %h' "$c/usr/bin/perl" "$c/usr/bin/perl5" "$c/etc/perl.link") == \
    "$c_before" ]]
  [[ $(json '.guests[2].skipped.hard_linked') == 2 ]]
  [[ $(json '.guests[0].skipped.hard_linked') == 0 ]]
  [[ -z $(find "$a" "$b" "$c" -name '.vs-unify.*') ]]
  # A rerun finds both of g1's names sharing already.
  run vhashify --hardlink --json g1 g2 g3
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $(json .shared_files) == 0 ]]
  [[ $(stat -c %i "$a/usr/bin/perl5") == "$ino" ]]
  # Undo gives g1 one private copy that both names keep.
  run vs g1 hashify --undo --json
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $(stat -c %i "$a/usr/bin/perl") == "$(stat -c %i "$a/usr/bin/perl5")" ]]
  [[ $(stat -c '%h %a %u %g' "$a/usr/bin/perl") == "2 751 3 4" ]]
  [[ $(stat -c %i "$a/usr/bin/perl") != "$ino" && $(stat -c %h "$b/usr/bin/perl") == 1 ]]
  [[ $(lsattr "$a/usr/bin/perl" | cut -c5) != i ]]
  cmp "$a/usr/bin/perl5" "$WORK/perl"
}

@test "ext4: linked only when mode, owner, xattrs, ACLs and capabilities match; holes kept" {
  mkfs_loop ext4
  skel g1
  skel g2
  local a b r d=usr/share/t f
  a=$(root g1) b=$(root g2)
  for r in "$a" "$b"; do
    setfacl -m u:7:r "$r/$d/f1"
    setfattr -n user.k -v v "$r/$d/f1"
    setcap cap_net_raw+ep "$r/$d/f1"
    # 8 MiB with 4 KiB of data in the middle.
    truncate -s 8M "$r/$d/sparse"
    head -c 4096 "$WORK/data/f1" | dd of="$r/$d/sparse" bs=4096 seek=1000 conv=notrunc status=none
  done
  chmod 600 "$b/$d/f2"
  chown 5 "$b/$d/f3"
  setfattr -n user.k -v other "$b/$d/f4"
  setfacl -m u:9:r "$b/$d/f5"
  setcap cap_chown+ep "$b/$d/f6"
  run vhashify --hardlink --json g1 g2
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  same() { [[ $(stat -c %i "$a/$d/$1") == "$(stat -c %i "$b/$d/$1")" ]]; }
  same f1
  for f in f2 f3 f4 f5 f6; do ! same "$f" || { echo "$f linked"; return 1; }; done
  getfacl -pn "$b/$d/f1" | grep -q '^user:7:r--'
  getcap "$b/$d/f1" | grep -q cap_net_raw
  [[ $(getfattr --only-values -n user.k "$b/$d/f1") == v ]]
  [[ $(stat -c '%a %u' "$b/$d/f2" "$b/$d/f3") == $'600 0\n644 5' ]]
  same sparse
  [[ $(stat -c %s "$b/$d/sparse") == 8388608 ]]
  (( $(stat -c %b "$b/$d/sparse") * 512 <= 65536 ))
  lsattr "$b/$d/sparse" | grep -q '^....i'
}

@test "progress on a terminal, nothing on a pipe" {
  mkfs_loop btrfs
  skel g1
  skel g2
  run script -qec "$VS_BIN/vhashify g1 g2" /dev/null
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $output == *"hashing: "*" files, "*"/s, ETA "* ]] || { echo "$output"; return 1; }
  [[ $output == *"g2: dedupe (done)"* ]]
  run --separate-stderr vhashify -n g1 g2
  [[ $status -eq 0 ]]
  [[ -z $stderr ]]
}

@test "ext4: a failure while sealing the shared inode puts every guest's own file back" {
  require_fault_injection
  mkfs_loop ext4
  skel g1
  skel g2
  local a b f before
  a=$(root g1) b=$(root g2)
  before=$(stat -c '%n %i %a %u %g %h' "$a"/usr/share/t/* "$b"/usr/share/t/*)
  run env VSERVER_FAULT=unify:seal:fail vhashify --hardlink g1 g2
  [[ $status -eq 1 ]] || { echo "$output"; return 1; }
  [[ $output == *"injected fault at unify:seal"* ]]
  [[ $(stat -c '%n %i %a %u %g %h' "$a"/usr/share/t/* "$b"/usr/share/t/*) == "$before" ]]
  for f in f1 f2 f3 f4 f5 f6; do
    cmp "$a/usr/share/t/$f" "$WORK/data/$f"
    cmp "$b/usr/share/t/$f" "$WORK/data/$f"
    ! lsattr "$b/usr/share/t/$f" | grep -q '^....i'
  done
  [[ -z $(find "$a" "$b" -name '.vs-unify.*') ]]
  run vhashify --hardlink g1 g2
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $(stat -c %i "$a/usr/share/t/f1") == "$(stat -c %i "$b/usr/share/t/f1")" ]]

  # A third guest joining the shared inodes: its files stay its own, the inodes stay sealed.
  skel g3
  local c shared
  c=$(root g3)
  before=$(stat -c '%n %i %a %u %g %h' "$c"/usr/share/t/*)
  shared=$(stat -c '%n %i %a %u %g %h' "$a"/usr/share/t/*)
  run env VSERVER_FAULT=unify:seal:fail vhashify --hardlink g1 g2 g3
  [[ $status -eq 1 ]] || { echo "$output"; return 1; }
  [[ $(stat -c '%n %i %a %u %g %h' "$c"/usr/share/t/*) == "$before" ]]
  [[ $(stat -c '%n %i %a %u %g %h' "$a"/usr/share/t/*) == "$shared" ]]
  for f in f1 f2 f3 f4 f5 f6; do
    lsattr "$a/usr/share/t/$f" | grep -q '^....i'
    ! lsattr "$c/usr/share/t/$f" | grep -q '^....i'
  done
  [[ -z $(find "$a" "$b" "$c" -name '.vs-unify.*') ]]
}

@test "ext4: SIGKILL between the exchanges and the immutable flag: files keep their metadata" {
  require_fault_injection
  mkfs_loop ext4
  skel g1
  skel g2
  local a b f
  a=$(root g1) b=$(root g2)
  chown 7:9 "$a/usr/share/t/f2" "$b/usr/share/t/f2"
  chmod 751 "$a/usr/share/t/f2" "$b/usr/share/t/f2"
  # Killed once f1's group has its names exchanged (@: only there; the skeleton's other files
  # shared first would leave none of these exchanged).
  run env VSERVER_FAULT="unify:swapped:kill@$a/usr/share/t/f1" vhashify --hardlink g1 g2
  [[ $status -eq 137 ]] || { echo "$output"; return 1; }
  # Killed with f1's names exchanged: its inode is shared, with the file's own owner and mode
  # (never the staging owner or mode 0), not yet immutable. The other groups may be done or not
  # (the workers take groups in the walk's order, which is the directory's).
  for f in f1 f2 f3 f4 f5 f6; do
    cmp "$a/usr/share/t/$f" "$WORK/data/$f"
    cmp "$b/usr/share/t/$f" "$WORK/data/$f"
  done
  [[ $(stat -c %i "$a/usr/share/t/f1") == "$(stat -c %i "$b/usr/share/t/f1")" ]]
  [[ $(lsattr "$a/usr/share/t/f1" | cut -c5) != i ]]
  [[ $(stat -c '%a %u %g' "$a/usr/share/t/f2" "$b/usr/share/t/f2") == $'751 7 9\n751 7 9' ]]
  [[ $(stat -c '%a %u %g' "$a"/usr/share/t/f[13456] "$b"/usr/share/t/f[13456] | sort -u) == \
    "644 0 0" ]]
  # The next run seals the one a kill left unsealed and shares the rest.
  run vhashify --hardlink --json g1 g2
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $(json '[.guests[].resealed] | add') -ge 1 ]]
  for f in f1 f2 f3 f4 f5 f6; do
    [[ $(stat -c %i "$a/usr/share/t/$f") == "$(stat -c %i "$b/usr/share/t/$f")" ]]
    lsattr "$a/usr/share/t/$f" | grep -q '^....i'
    cmp "$a/usr/share/t/$f" "$WORK/data/$f"
  done
  [[ $(stat -c '%a %u %g' "$b/usr/share/t/f2") == "751 7 9" ]]
  [[ -z $(find "$a" "$b" -name '.vs-unify.*') ]]
}

@test "hostile trees: planted links, FIFO, device, socket, a hard link to a host file left alone" {
  local t
  for t in ext4 btrfs; do
    mkfs_loop "$t"
    skel "h1$t"
    skel "h2$t"
    local a b
    a=$(root "h1$t") b=$(root "h2$t")
    # A host file with the same content as the guests' f1, hard-linked into g1 (on ext4; a
    # btrfs guest root is a subvolume, which no hard link crosses): sharing it would make it
    # immutable or swap its extents.
    cp "$WORK/data/f1" "$MNT/hostfile"
    local links=1
    if [[ $t == ext4 ]]; then
      ln "$MNT/hostfile" "$a/usr/share/t/hostlink"
      links=2
    fi
    ln -s /etc/shadow "$a/usr/share/t/abs"
    ln -s ../../../../../../hostfile "$a/usr/share/t/dotdot"
    ln -s nowhere "$a/usr/share/t/dangling"
    ln -s loop "$a/usr/share/t/loop"
    mkfifo "$a/usr/share/t/fifo"
    mknod "$a/usr/share/t/null" c 1 3
    python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('$a/usr/share/t/sock')"
    local ino; ino=$(stat -c %i "$MNT/hostfile")
    run timeout 120 vhashify --hardlink --json "h1$t" "h2$t"
    [[ $status -eq 0 ]] || { echo "$output"; return 1; }
    (( $(json .shared_files) >= 6 ))
    [[ $(stat -c '%i %h' "$MNT/hostfile") == "$ino $links" ]]
    ! lsattr "$MNT/hostfile" 2>/dev/null | grep -q '^....i'
    ! shares_extents "$MNT/hostfile"
    [[ -p $a/usr/share/t/fifo && -c $a/usr/share/t/null && -S $a/usr/share/t/sock ]]
    [[ $(readlink "$a/usr/share/t/abs") == /etc/shadow ]]
    cmp "$MNT/hostfile" "$WORK/data/f1"
  done
}

@test "exclude lists and dpkg conffiles: what is never shared" {
  mkfs_loop ext4
  skel e1
  skel e2
  local r
  # Content no other file has: a reference guest's other copy would do as the shared inode.
  head -c 5000 /dev/urandom >"$WORK/open.conf"
  for r in "$(root e1)" "$(root e2)"; do
    cp "$WORK/open.conf" "$r/etc/open.conf"
    mkdir -p "$r/usr/share/private" "$r/var/lib/dpkg/info"
    cp "$WORK/data/f3" "$r/usr/share/private/x"
    cp "$WORK/data/f4" "$r/usr/share/t/conf"
    echo /usr/share/t/conf >"$r/var/lib/dpkg/info/p.conffiles"
  done
  mkdir -p "$(guest_cfg e2)/apps/vunify" "$VSERVER_PREFIX/etc/vservers/.defaults/apps/vunify"
  printf '# admin list\n/usr/share/t/f2\n' >"$(guest_cfg e2)/apps/vunify/exclude"
  printf -- '+/etc/open.conf\n-/usr/share/private\n' \
    >"$VSERVER_PREFIX/etc/vservers/.defaults/apps/vunify/exclude"
  # vunify: e2 against its reference e1 (util-vserver's refserver link).
  ln -s ../../e1 "$(guest_cfg e2)/apps/vunify/refserver.1"
  run vunify --hardlink --json e2
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  same() { [[ $(stat -c %i "$(root e1)/$1") == "$(stat -c %i "$(root e2)/$1")" ]]; }
  same usr/share/t/f1
  ! same usr/share/t/f2
  same etc/open.conf
  ! same etc/same.conf
  ! same usr/share/private/x
  ! same usr/share/t/conf
  printf '/usr\n+etc/x\n' >"$(guest_cfg e2)/apps/vunify/exclude"
  run vunify --hardlink e2
  [[ $status -eq 2 ]]
  [[ $output == *"apps/vunify/exclude:2"*"+etc/x"* ]]
}

# clone_case TYPE: a guest and two `build -m clone` of it share their data from the start; a
# hashify afterwards finds them sharing and changes nothing.
clone_case() {
  mkfs_loop "$1"
  skel c1
  local r g before i
  r=$(root c1)
  # A file with two names (perl has two in Debian) and a small one btrfs keeps inline.
  ln "$r/usr/share/t/f6" "$r/usr/share/t/f6.link"
  head -c 1000 /dev/urandom >"$r/usr/share/t/small"
  for g in c2 c3; do
    run vs "$g" build -m clone --rootdir "$MNT/guests" -- --source c1
    [[ $status -eq 0 ]] || { echo "$output"; return 1; }
    VS_GUESTS+=("$g")
    shares_extents "$(root "$g")/usr/share/t/f6"
  done
  if [[ $1 == btrfs ]]; then
    # A snapshot of c1's subvolume (a new subvolume would have no parent).
    btrfs subvolume show "$(root c2)" | grep -Eq 'Parent UUID:[[:space:]]+[0-9a-f]{8}-'
  fi
  sync -f "$MNT"
  before=$(df -B1 --output=used "$MNT" | tail -1)
  run vhashify --json c1 c2 c3
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $(json .shared_files) == 0 ]]
  (( $(json '[.guests[].already_shared] | add') >= 14 ))
  sync -f "$MNT"
  # Nothing rewritten: no more than a transaction's own blocks (btrfs writes a few on commit).
  (( $(df -B1 --output=used "$MNT" | tail -1) - before <= 1048576 ))
  # A second name whose every name is in the guest is shared once, a small inline one never.
  [[ $(json '.guests[0].skipped.hard_linked') == 1 ]]
  if [[ $1 == btrfs ]]; then
    [[ $(json '.guests[1].skipped.inline') -ge 1 ]]
  fi
  # A rerun takes every pair from the cache, whose note names the member each file shares its
  # extents with: still nothing deduplicated, nothing rewritten.
  run vhashify --json c1 c2 c3
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $(json .shared_files) == 0 ]]
  [[ $(json '[.guests[].hashed] | add') == 0 ]]
  (( $(json '[.guests[].already_shared] | add') >= 14 ))
  sync -f "$MNT"
  (( $(df -B1 --output=used "$MNT" | tail -1) - before <= 1048576 ))
  # With an independent guest first (the leader, its own extents), the clones sharing with each
  # other are still left alone, in the run and in a rerun from the cache.
  skel c4
  for i in 1 2; do
    run vhashify --json c4 c2 c3
    [[ $status -eq 0 ]] || { echo "$output"; return 1; }
    [[ $(json .shared_files) == 0 ]] || { echo "run $i: $output"; return 1; }
    (( $(json '[.guests[].already_shared] | add') >= 14 ))
  done
}

@test "btrfs: build -m clone is a snapshot sharing everything; hashify afterwards changes nothing" {
  clone_case btrfs
}

@test "XFS reflink=1: build -m clone shares the data; a hashify afterwards changes nothing" {
  clone_case xfs
}

# deb DIR VERSION: a package vs-unify-test with a 300 kB data file (same bytes in every build of
# that version) and a small text file.
deb() {
  local d=$WORK/deb-$2
  mkdir -p "$d/DEBIAN" "$d/usr/share/vs-unify-test"
  printf 'Package: vs-unify-test\nVersion: %s\nArchitecture: all\n%s\n%s\n' "$2" \
    'Maintainer: t <t@t.invalid>' 'Description: unify test' >"$d/DEBIAN/control"
  yes "vs-unify-test version $2" | head -c 300000 >"$d/usr/share/vs-unify-test/data"
  echo "version $2 of the test package" >"$d/usr/share/vs-unify-test/version"
  dpkg-deb --root-owner-group -Zgzip -b "$d" "$1/vsut_$2.deb" >/dev/null
}

# debian_case TYPE: two guests from the fixture, a package installed in both, unified while
# running; then an upgrade from a local .deb in one of them.
debian_case() {
  local t=$1 flag=
  [[ $t == ext4 ]] && flag=--hardlink
  mkfs_loop "$t"
  local g
  for g in "d1$t" "d2$t"; do
    run vs "$g" build -m template --rootdir "$MNT/guests" -- -t "$FIXTURE"
    [[ $status -eq 0 ]] || { echo "$output"; return 1; }
    VS_GUESTS+=("$g")
    echo reaper >"$(guest_cfg "$g")/apps/init/style"
    deb "$(root "$g")/root" 1
    deb "$(root "$g")/root" 2
    vs "$g" start
    vs "$g" exec dpkg -i /root/vsut_1.deb >/dev/null
  done
  run vhashify $flag --json "d1$t" "d2$t"
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  (( $(json .shared_files) > 1000 ))
  local d=usr/share/vs-unify-test/data a b
  a=$(root "d1$t") b=$(root "d2$t")
  if [[ $t == ext4 ]]; then
    [[ $(stat -c %i "$a/$d") == "$(stat -c %i "$b/$d")" ]]
    run vs "d1$t" exec chattr -i /$d
    [[ $status -ne 0 ]]
    run vs "d1$t" exec dpkg -i /root/vsut_2.deb
    [[ $status -ne 0 ]]
    [[ $output == *"not permitted"* ]]
    vs "d1$t" hashify --undo >/dev/null
  else
    shares_extents "$b/$d"
  fi
  vs "d1$t" exec dpkg -i /root/vsut_2.deb >/dev/null
  grep -q 'version 2' "$a/usr/share/vs-unify-test/version"
  grep -q 'version 1' "$b/usr/share/vs-unify-test/version"
  grep -q 'vs-unify-test version 1' "$b/$d"
  ! grep -q 'version 1' "$a/$d"
  vs "d2$t" exec dpkg -s vs-unify-test | grep -q '^Version: 1'
  vs "d1$t" stop
  vs "d2$t" stop
}

fixture() {
  command -v dpkg-deb >/dev/null || skip "dpkg-deb not installed"
  FIXTURE=$(VS_BIN=$VS_BIN bash "$VS_SOURCE_DIR/scripts/fixtures.sh" "$VS_BUILD_DIR" | tail -1)
  [[ -f $FIXTURE ]] || skip "no debootstrap fixture"
}

@test "debootstrap guests on btrfs: unified while running, a dpkg upgrade in one stays its own" {
  fixture
  debian_case btrfs
}

@test "debootstrap guests on XFS: unified while running, a dpkg upgrade in one stays its own" {
  fixture
  debian_case xfs
}

@test "debootstrap guests on ext4: shared files cannot be upgraded in place until hashify --undo" {
  fixture
  debian_case ext4
}

# Every file of guest $1 under usr/share/t is one of the test files, whole, with its metadata;
# no temporary name is left once a run completes.
intact() {
  local r f n
  r=$(root "$1")
  for f in "$WORK"/data/f*; do
    n=$(basename "$f")
    cmp "$r/usr/share/t/$n" "$f" || return 1
    [[ $(stat -c '%a %u %g' "$r/usr/share/t/$n") == "644 0 0" ]] || return 1
    for i in 1 2 3 4 5 6 7 8 9; do cmp "$r/usr/share/t/many/$n.$i" "$f" || return 1; done
  done
}

@test "SIGKILL at any point of a run leaves every file as it was or shared, never missing" {
  local t i
  for t in ext4 btrfs; do
    mkfs_loop "$t"
    skel "k1$t"
    skel "k2$t"
    for g in "k1$t" "k2$t"; do
      mkdir "$(root "$g")/usr/share/t/many"
      for f in "$WORK"/data/f*; do
        for i in 1 2 3 4 5 6 7 8 9; do
          cp "$f" "$(root "$g")/usr/share/t/many/$(basename "$f").$i"
        done
      done
    done
    for i in 1 2 3 4; do
      vhashify --hardlink "k1$t" "k2$t" >/dev/null 2>&1 &
      local pid=$!
      sleep "0.0$((RANDOM % 9))$i"
      kill -9 "$pid" 2>/dev/null || true
      wait "$pid" || true
      intact "k1$t"
      intact "k2$t"
    done
    run vhashify --hardlink --json "k1$t" "k2$t"
    [[ $status -eq 0 ]] || { echo "$output"; return 1; }
    intact "k1$t"
    intact "k2$t"
    [[ -z $(find "$(root "k1$t")" "$(root "k2$t")" -name '.vs-unify.*') ]]
    if [[ $t == ext4 ]]; then
      [[ $(stat -c %i "$(root "k1$t")/usr/share/t/many/f3.4") == \
        "$(stat -c %i "$(root "k2$t")/usr/share/t/many/f3.7")" ]]
    else
      shares_extents "$(root "k2$t")/usr/share/t/many/f3.7"
    fi
  done
}
