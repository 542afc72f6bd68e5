# Shared helpers of backup.bats and copy.bats: a loop file system (btrfs, ext4 or xfs) mounted
# as the test's roots directory, and a guest tree with every file type a transfer must keep.

# mount_roots_fs TYPE: a 384 MiB loop file system of TYPE mounted at the prefix's roots dir.
mount_roots_fs() {
  local type=$1
  command -v "mkfs.$type" >/dev/null || skip "mkfs.$type not installed"
  truncate -s 384M "$WORK/fs.img"
  LOOP=$(losetup -f --show "$WORK/fs.img")
  echo "$LOOP" > "$WORK/loop"
  case $type in
    btrfs) mkfs.btrfs -q "$LOOP" >/dev/null 2>&1 ;;
    xfs) mkfs.xfs -q "$LOOP" ;;  # reflink=1 is mkfs.xfs's default
    *) mkfs.ext4 -q "$LOOP" ;;
  esac
  ROOTS=$VSERVER_PREFIX/var/lib/vservers
  mkdir -p "$ROOTS"
  mount "$LOOP" "$ROOTS"
}

# umount_roots_fs: after the guests are gone; safe when nothing was mounted.
umount_roots_fs() {
  [[ -n ${ROOTS:-} ]] && mountpoint -q "$ROOTS" && umount "$ROOTS"
  [[ -f ${WORK:-/nonexistent}/loop ]] && losetup -d "$(cat "$WORK/loop")"
  return 0
}

# make_all_types DIR: make_rich_tree (hard links, xattr, ACL, device, fcap, owners, symlink)
# plus a FIFO, a block device, a socket, a 2 GiB sparse file with data in the middle, names
# with a newline and odd bytes, a path longer than PATH_MAX, dangling and looping symlinks,
# setuid and sticky modes, a default ACL and nanosecond mtimes (nodeep: no long path).
make_all_types() {
  local d=$1 deep=${2:-deep}
  make_rich_tree "$d"
  mkfifo "$d/data/fifo"
  mknod "$d/dev/loop200" b 7 200
  python3 -c "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$d/data/sock"
  truncate -s 2G "$d/data/sparse"
  printf 'middle' | dd of="$d/data/sparse" bs=1 seek=$((1 << 30)) conv=notrunc status=none
  printf 'x' > "$d/data/new"$'\n'"line"
  printf 'y' > "$d/data/odd"$'\t\001\377'"bytes"
  ln -s nowhere "$d/data/dangling"
  ln -s loop2 "$d/data/loop1"; ln -s loop1 "$d/data/loop2"
  ln -s ../../.. "$d/data/updots"
  cp /bin/true "$d/data/suid"; chmod 4755 "$d/data/suid"
  mkdir "$d/data/sticky"; chmod 1777 "$d/data/sticky"
  mkdir "$d/data/dacl"; setfacl -d -m u:99:rx "$d/data/dacl"
  touch -d '2001-02-03 04:05:06.123456789' "$d/data/a"
  [[ $deep == nodeep ]] && return 0
  # Deeper than PATH_MAX (4096): 24 levels of 200-byte names, made relative to each level.
  local long; long=$(printf 'L%.0s' {1..200})
  (cd "$d/data" && for _ in {1..24}; do mkdir "$long" && cd "$long" || exit 1; done &&
    echo deep > file)
}

# check_all_types DIR [nodeep]: what make_all_types made, as it made it (the socket is not
# kept); "nodeep" leaves out the path longer than PATH_MAX.
check_all_types() {
  local d=$1 deep=${2:-deep}
  check_rich_tree "$d" || return 1
  [[ -p $d/data/fifo ]] || { echo "fifo lost"; return 1; }
  [[ "$(stat -c '%F %t %T' "$d/dev/loop200")" == "block special file 7 c8" ]] ||
      { echo "block device: $(stat -c '%F %t %T' "$d/dev/loop200")"; return 1; }
  [[ "$(stat -c %s "$d/data/sparse")" == $((2 << 30)) ]] || { echo "sparse size"; return 1; }
  (( $(stat -c %b "$d/data/sparse") < 1024 )) ||
      { echo "sparse file filled: $(stat -c %b "$d/data/sparse") blocks"; return 1; }
  [[ "$(dd if="$d/data/sparse" bs=1 skip=$((1 << 30)) count=6 status=none)" == middle ]] ||
      { echo "sparse data lost"; return 1; }
  [[ "$(cat "$d/data/new"$'\n'"line")" == x ]] || { echo "newline name"; return 1; }
  [[ "$(cat "$d/data/odd"$'\t\001\377'"bytes")" == y ]] || { echo "odd name"; return 1; }
  [[ "$(readlink "$d/data/loop1")" == loop2 && "$(readlink "$d/data/updots")" == ../../.. ]] ||
      { echo "symlinks"; return 1; }
  [[ "$(stat -c %a "$d/data/suid") $(stat -c %a "$d/data/sticky")" == "4755 1777" ]] ||
      { echo "modes $(stat -c %a "$d/data/suid") $(stat -c %a "$d/data/sticky")"; return 1; }
  getfacl -cn "$d/data/dacl" | grep -qx 'default:user:99:r-x' || { echo "default acl"; return 1; }
  [[ "$(stat -c %y "$d/data/a")" == "2001-02-03 04:05:06.123456789 "* ]] ||
      { echo "mtime $(stat -c %y "$d/data/a")"; return 1; }
  [[ $deep == nodeep ]] && return 0
  local long; long=$(printf 'L%.0s' {1..200})
  [[ "$(cd "$d/data" && for _ in {1..24}; do cd "$long" || exit 1; done && cat file)" == deep ]] ||
      { echo "deep path lost"; return 1; }
}

# transfer_setup WHAT: the suite's prefix (vs_setup), build/bin first in PATH, a scratch dir
# $WORK (/tmp/vs-WHAT-XXXXXX). transfer_teardown: every guest made stopped and deleted, the
# loop file system gone, then the prefix and $WORK.
transfer_setup() {
  vs_setup
  export PATH="$VS_BIN:$PATH"
  WORK=$(mktemp -d "/tmp/vs-$1-XXXXXX")
}

transfer_teardown() {
  local g
  for g in "${VS_GUESTS[@]}"; do vs "$g" stop >/dev/null 2>&1 || true; done
  for g in "${VS_GUESTS[@]}"; do vs "$g" delete --force >/dev/null 2>&1 || true; done
  umount_roots_fs
  vs_teardown || true
  rm -rf "$WORK"
}

# add_hooks CFGDIR: a pre-start hook (executable, writes "<phase> <name>" to $WORK/ran.<name>)
# and a pre-start.d one (mode 0640: sourced, appends "sourced"), both regular files.
add_hooks() {
  mkdir -p "$1/scripts/pre-start.d"
  printf '#!/bin/sh\necho "$1 $2" > %s/ran."$2"\n' "$WORK" > "$1/scripts/pre-start"
  chmod 0750 "$1/scripts/pre-start"
  printf 'echo sourced >> %s/ran."$2"\n' "$WORK" > "$1/scripts/pre-start.d/10-note"
  chmod 0640 "$1/scripts/pre-start.d/10-note"
}

# check_hooks FROM TO: TO's hooks are regular files (no links) with FROM's contents and modes.
check_hooks() {
  local f
  for f in scripts/pre-start scripts/pre-start.d/10-note; do
    [[ -f $2/$f && ! -L $2/$f ]] || { echo "$2/$f: $(ls -l "$2/$f" 2>&1)"; return 1; }
    cmp "$1/$f" "$2/$f"
    [[ "$(stat -c %a "$1/$f")" == "$(stat -c %a "$2/$f")" ]] || { ls -l "$2/$f"; return 1; }
  done
  [[ -z "$(find "$2/scripts" -type l)" ]] || { find "$2/scripts" -type l -ls; return 1; }
}
