# Shared helpers for build*.bats, quota*.bats and debootstrap.slow.bats: a temp prefix per test,
# a source tree carrying every attribute a copy must keep, and assertions on it.

build_setup() {
  [[ $EUID -eq 0 ]] || skip "needs root"
  export VSERVER_PREFIX=$(mktemp -d /tmp/vs-build-XXXXXX)
  export VSERVER_CGROUP_PARENT=vstest-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
  export PATH="$VS_BIN:$PATH"
  export WORK=$(mktemp -d /tmp/vs-build-work-XXXXXX)
}

build_teardown() {
  [[ -n "${VSERVER_PREFIX:-}" && -d "$VSERVER_PREFIX" ]] && rm -rf "$VSERVER_PREFIX"
  [[ -n "${WORK:-}" && -d "$WORK" ]] && rm -rf "$WORK"
  return 0
}

# Every path the prefix holds, one per line (empty when a build left nothing behind).
prefix_contents() {
  find "$VSERVER_PREFIX" -mindepth 1 | sort
}

# make_rich_tree DIR: a hardlink pair, a user xattr, an ACL, a character device (mknod c 1 3),
# a file capability, numeric owners with no host name, a symlink pointing out of the tree, and
# a sparse file.
make_rich_tree() {
  local d=$1
  mkdir -p "$d/etc" "$d/dev" "$d/usr/bin" "$d/data/sub"
  echo "hello" > "$d/data/a"
  ln "$d/data/a" "$d/data/b"
  setfattr -n user.vstest -v kept "$d/data/a"
  echo acl > "$d/data/acl"
  setfacl -m u:4321:rw "$d/data/acl"
  mknod "$d/dev/null" c 1 3
  cp /bin/true "$d/usr/bin/pinger"
  chown 4321:8765 "$d/usr/bin/pinger"
  # After chown: chown clears security.capability (capabilities(7)).
  setcap cap_net_raw+ep "$d/usr/bin/pinger"
  ln -s /etc/shadow "$d/data/outlink"
  chown -h 7777:7777 "$d/data/sub"
  chmod 2750 "$d/data/sub"
}

# check_rich_tree DIR: asserts what make_rich_tree made survived.
check_rich_tree() {
  local d=$1
  [[ "$(stat -c %i "$d/data/a")" == "$(stat -c %i "$d/data/b")" ]] ||
      { echo "hardlink lost"; return 1; }
  [[ "$(stat -c %h "$d/data/a")" == 2 ]] ||
      { echo "link count $(stat -c %h "$d/data/a")"; return 1; }
  [[ "$(getfattr --only-values -n user.vstest "$d/data/a")" == kept ]] ||
      { echo "xattr lost"; return 1; }
  getfacl -cn "$d/data/acl" | grep -qx 'user:4321:rw-' ||
      { echo "acl lost"; getfacl -cn "$d/data/acl"; return 1; }
  [[ "$(stat -c '%F %t %T' "$d/dev/null")" == "character special file 1 3" ]] ||
      { echo "device: $(stat -c '%F %t %T' "$d/dev/null")"; return 1; }
  getcap "$d/usr/bin/pinger" | grep -q 'cap_net_raw=ep' ||
      { echo "capability lost: $(getcap "$d/usr/bin/pinger")"; return 1; }
  [[ "$(stat -c %u:%g "$d/usr/bin/pinger")" == 4321:8765 ]] ||
      { echo "owner $(stat -c %u:%g "$d/usr/bin/pinger")"; return 1; }
  [[ "$(readlink "$d/data/outlink")" == /etc/shadow && -L "$d/data/outlink" ]] ||
      { echo "symlink changed"; return 1; }
  [[ "$(stat -c '%u:%g %a' "$d/data/sub")" == "7777:7777 2750" ]] ||
      { echo "dir: $(stat -c '%u:%g %a' "$d/data/sub")"; return 1; }
}
