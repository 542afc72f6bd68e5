#!/usr/bin/env bats
# vserver-copy SRC HOST:NAME (src/transfer/remote_copy.cpp, receive.cpp) against a real sshd
# this test starts in its own network namespace (only a loopback) and mount namespace, whose
# sessions see another VSERVER_PREFIX: the "far host" is this build's vserver on other dirs.
# vserver-copy runs in that network namespace too, so nothing leaves the test's namespaces.

bats_require_minimum_version 1.5.0
load lib
load build_helpers
load transfer_helpers

setup() {
  command -v /usr/sbin/sshd >/dev/null && command -v rsync >/dev/null ||
      skip "openssh-server and rsync are needed (scripts/install-deps.sh)"
  transfer_setup copyremote
  RPREFIX=$(mktemp -d /tmp/vstest-far.XXXXXX)
  RCGROUP=$VSERVER_CGROUP_PARENT-far
  NS=vscopy-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
  R_GUESTS=()
  ip netns add "$NS"
  ip -n "$NS" link set lo up
  # The far side's roots on a loop btrfs for the tests that say so, mounted before sshd makes
  # its own mount namespace (a copy of this one's mounts).
  if [[ $BATS_TEST_DESCRIPTION == *"btrfs there"* ]]; then
    command -v mkfs.btrfs >/dev/null || skip "btrfs-progs not installed"
    truncate -s 384M "$WORK/far.img"
    FAR_LOOP=$(losetup -f --show "$WORK/far.img")
    mkfs.btrfs -q "$FAR_LOOP" >/dev/null 2>&1
    mkdir -p "$RPREFIX/var/lib/vservers"
    mount "$FAR_LOOP" "$RPREFIX/var/lib/vservers"
  elif [[ $BATS_TEST_DESCRIPTION == *"40M ext4 there"* ]]; then
    truncate -s 40M "$WORK/far.img"
    FAR_LOOP=$(losetup -f --show "$WORK/far.img")
    mkfs.ext4 -q "$FAR_LOOP"
    mkdir -p "$RPREFIX/var/lib/vservers"
    mount "$FAR_LOOP" "$RPREFIX/var/lib/vservers"
  fi
  ssh-keygen -q -t ed25519 -N '' -C vstest-host -f "$WORK/hostkey"
  ssh-keygen -q -t ed25519 -N '' -C vstest-client -f "$WORK/key"
  cp "$WORK/key.pub" "$WORK/authorized_keys"
  echo "[127.0.0.1]:2222 $(cut -d' ' -f1,2 "$WORK/hostkey.pub")" > "$WORK/known_hosts"
  cat > "$WORK/sshd_config" <<CFG
ListenAddress 127.0.0.1:2222
HostKey $WORK/hostkey
AuthorizedKeysFile $WORK/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $WORK/sshd.pid
SetEnv VSERVER_PREFIX=$RPREFIX VSERVER_CGROUP_PARENT=$RCGROUP
CFG
  # sshd wants its privilege separation dir /run/sshd: a tmpfs /run of its own mount namespace
  # gives it one without touching the host's /run.
  nsenter --net="/run/netns/$NS" unshare --mount --propagation private sh -c \
      'mount -t tmpfs -o mode=0755,size=1m vstest-run /run && mkdir -m 0755 /run/sshd &&
       exec /usr/sbin/sshd -f "$1" -E "$2"' sh "$WORK/sshd_config" "$WORK/sshd.log"
  SSH="ssh -F /dev/null -p 2222 -i $WORK/key -o IdentitiesOnly=yes -o BatchMode=yes"
  SSH+=" -o UserKnownHostsFile=$WORK/known_hosts -o StrictHostKeyChecking=yes"
  local _
  for _ in $(seq 50); do
    far true 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$WORK/sshd.log"
  return 1
}

# in_ns CMD...: CMD in the test's network namespace (where the sshd listens).
in_ns() { nsenter --net="/run/netns/$NS" "$@"; }
# far CMD...: a shell command on the "far host" (through the sshd).
far() { in_ns $SSH -T root@127.0.0.1 "$@"; }
# vcopy ARGS...: vserver-copy with the test's ssh and the far side's vserver.
vcopy() {
  in_ns ${VCOPY_WRAP:-} "$VS_BIN/vserver-copy" "$@" --ssh "$SSH" --remote-vserver "$VS_BIN/vserver"
}
far_root() { echo "$RPREFIX/var/lib/vservers/$1"; }
far_cfg() { echo "$RPREFIX/etc/vservers/$1"; }

teardown() {
  local g d pid _
  if [[ -n ${NS:-} ]]; then
    for g in "${R_GUESTS[@]}"; do
      far "$VS_BIN/vserver $g stop; $VS_BIN/vserver $g delete --force" >/dev/null 2>&1 || true
    done
    if [[ -r $WORK/sshd.pid ]]; then
      pid=$(cat "$WORK/sshd.pid")
      kill "$pid" 2>/dev/null || true
    fi
    ip netns del "$NS" 2>/dev/null || true
  fi
  for g in "${R_GUESTS[@]}"; do
    VSERVER_PREFIX=$RPREFIX VSERVER_CGROUP_PARENT=$RCGROUP vs "$g" stop >/dev/null 2>&1 || true
  done
  # A far guest's process that outlived its stop keeps its cgroup busy and rmdir fails (EBUSY):
  # every pid under the far side's cgroup parent goes by pid first (as vs_teardown does for
  # the near side), again while any is left, then the dirs go, deepest first.
  local dirs=() pids
  for d in /sys/fs/cgroup/*/"${RCGROUP:-none}" /sys/fs/cgroup/"${RCGROUP:-none}"; do
    [[ -d $d ]] && dirs+=("$d")
  done
  if ((${#dirs[@]})); then
    for _ in $(seq 50); do
      pids=$(find "${dirs[@]}" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -un)
      [[ -n $pids ]] || break
      for pid in $pids; do kill -9 "$pid" 2>/dev/null || true; done
      sleep 0.1
    done
  fi
  for d in "${dirs[@]}"; do
    find "$d" -depth -mindepth 1 -type d -exec rmdir {} \; 2>/dev/null || true
    rmdir "$d" 2>/dev/null || true
  done
  # The far side's lxcfs and vs-consoled (a guest started there starts them under RPREFIX), by
  # their recorded pids, as vs_teardown does for the near side's.
  local daemon
  for daemon in .lxcfs .console; do
    pid=$(VSERVER_PREFIX=$RPREFIX daemon_pid "$daemon") || continue
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
  done
  if [[ -n ${FAR_LOOP:-} ]]; then
    far_clean >/dev/null || true  # a refresh's background removal keeps the mount busy
    umount "$RPREFIX/var/lib/vservers" 2>/dev/null || true
    losetup -d "$FAR_LOOP" 2>/dev/null || true
  fi
  [[ -n ${RPREFIX:-} ]] && rm -rf "$RPREFIX"
  transfer_teardown
}

# No staging root, undo record or config dir of a receive is left on the far side. A refresh's
# old root is removed by a process of its own after the refresh returned: waited for.
far_clean() {
  local left _
  for _ in $(seq 100); do
    left=$(ls -a "$RPREFIX/var/lib/vservers" "$RPREFIX/etc/vservers" 2>/dev/null |
           grep -E '^\.(build-|undo-|.*\.receive$)' || true)
    [[ -n $left ]] || return 0
    sleep 0.1
  done
  echo "left on the far side: $left"
  return 1
}

@test "remote copy of a stopped guest keeps every file kind, gets a new identity there" {
  make_guest src
  local r; r=$(guest_root src)
  make_rich_tree "$r"
  mkfifo "$r/data/fifo"
  truncate -s 64M "$r/data/sparse"
  printf 'middle' | dd of="$r/data/sparse" bs=1 seek=$((32 << 20)) conv=notrunc status=none
  printf 'x' > "$r/data/new"$'\n'"line"
  cp /bin/true "$r/data/suid"; chmod 4755 "$r/data/suid"
  touch -d '2001-02-03 04:05:06.123456789' "$r/data/a"
  run vcopy src 127.0.0.1:dst --json
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  R_GUESTS+=(dst)
  python3 "$VS_SOURCE_DIR/tests/integration/json_validate.py" \
      "$VS_SOURCE_DIR/docs/json/copy.schema.json" <<<"$output"
  [[ $output == *'"method":"rsync"'* && $output == *'"host":"127.0.0.1"'* ]]
  local d; d=$(far_root dst)
  check_rich_tree "$d"
  [[ -p $d/data/fifo && "$(cat "$d/data/new"$'\n'"line")" == x ]]
  [[ "$(stat -c %s "$d/data/sparse")" == $((64 << 20)) ]]
  (( $(stat -c %b "$d/data/sparse") < 1024 )) || { echo "sparse filled"; return 1; }
  [[ "$(dd if="$d/data/sparse" bs=1 skip=$((32 << 20)) count=6 status=none)" == middle ]]
  [[ "$(stat -c %a "$d/data/suid")" == 4755 ]]
  [[ "$(stat -c %y "$d/data/a")" == "2001-02-03 04:05:06.123456789 "* ]]
  # The config was written there by the far side's vserver: its paths, a hostname of its own.
  [[ "$(readlink "$(far_cfg dst)/vdir")" == "$d" ]]
  [[ ! -d $(far_cfg dst)/interfaces ]] || [[ -z "$(ls "$(far_cfg dst)/interfaces")" ]]
  far_clean
  # The copy runs there; the source is untouched and still startable here.
  run far "$VS_BIN/vserver dst start && $VS_BIN/vserver dst exec hostname"
  [[ $status -eq 0 && ${lines[-1]} == dst ]] || { echo "$output"; return 1; }
  far "$VS_BIN/vserver dst stop"
  check_rich_tree "$r"
}

@test "--refresh sends only what changed, into the existing copy" {
  make_guest src
  local r; r=$(guest_root src)
  head -c 8M /dev/urandom > "$r/big"
  echo old > "$r/gone"
  run vcopy src 127.0.0.1:dst -q
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  R_GUESTS+=(dst)
  local ctx; ctx=$(cat "$(far_cfg dst)/context")
  head -c 1M /dev/urandom > "$r/new"
  rm "$r/gone"
  run vcopy src 127.0.0.1:dst --refresh --json
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  local literal
  literal=$(python3 -c 'import json, sys
print(json.loads(sys.argv[1])["passes"][0]["literal_bytes"])' "$output")
  echo "refresh sent $literal bytes of file data"
  # The new 1 MiB moved; the 8 MiB file and the rest of the guest did not.
  (( literal >= 1048576 && literal < 2 * 1048576 )) || { echo "literal $literal"; return 1; }
  cmp "$r/new" "$(far_root dst)/new" && cmp "$r/big" "$(far_root dst)/big"
  [[ ! -e $(far_root dst)/gone ]]
  [[ "$(cat "$(far_cfg dst)/context")" == "$ctx" ]]
  far_clean
  # Nothing to refresh: a second refresh sends no file data.
  run vcopy src 127.0.0.1:dst --refresh --json
  [[ $status -eq 0 && $output == *'"literal_bytes":0'* ]] || { echo "$output"; return 1; }
}

@test "util-vserver's options to another host: -r, -d with -i, -v; --refresh rewrites again" {
  make_guest src
  vs src config set apps/init/mark default
  run vcopy -R src 127.0.0.1:dst
  [[ $status -eq 2 && $output == *'rsh is not supported'* ]]
  run vcopy -v -i 192.0.2.50 -d example.org -r "$RPREFIX/srv" src 127.0.0.1:dst
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  R_GUESTS+=(dst)
  # -v: the steps, and rsync's name of each file it sent.
  [[ $output == *'final pass 1 of '* && $output == *'bin/busybox'* ]]
  local d=$RPREFIX/srv/dst
  [[ "$(readlink "$(far_cfg dst)/vdir")" == "$d" && ! -e $(far_root dst) ]]
  grep -rqx 192.0.2.50 "$(far_cfg dst)/interfaces"
  [[ ! -e $(far_cfg dst)/apps/init/mark ]]
  [[ "$(cat "$d/etc/hostname")" == dst ]]
  grep -qx $'192.0.2.50\tdst.example.org\tdst' "$d/etc/hosts"
  [[ -z "$(ls -a "$RPREFIX/srv" | grep '^\.build-')" ]]
  far_clean
  run vcopy src 127.0.0.1:dst --refresh -r "$RPREFIX/srv"
  [[ $status -eq 2 && $output == *'--refresh keeps the copy'* ]]
  # A refresh (the root restaged beside the old one, there) names the new domain.
  run vcopy src 127.0.0.1:dst --refresh -d example.net -q
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  grep -qx $'192.0.2.50\tdst.example.net\tdst' "$d/etc/hosts"
  # The old root goes in the background: its stage is gone once that process is done.
  local _; for _ in $(seq 100); do
    [[ -z "$(ls -a "$RPREFIX/srv" | grep -E '^\.(build|undo)-')" ]] && break; sleep 0.1; done
  [[ -z "$(ls -a "$RPREFIX/srv" | grep -E '^\.(build|undo)-')" ]]
}

@test "--refresh of a root that is a subvolume on btrfs there: a snapshot of it updated" {
  make_guest src
  local r; r=$(guest_root src)
  head -c 4M /dev/urandom > "$r/big"
  echo old > "$r/gone"
  run vcopy src 127.0.0.1:dst -q
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  R_GUESTS+=(dst)
  [[ "$(stat -c %i "$(far_root dst)")" == 256 ]]
  head -c 1M /dev/urandom > "$r/new"
  rm "$r/gone"
  run vcopy src 127.0.0.1:dst --refresh --json
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  local literal
  literal=$(python3 -c 'import json, sys
print(json.loads(sys.argv[1])["passes"][0]["literal_bytes"])' "$output")
  (( literal >= 1048576 && literal < 2 * 1048576 )) || { echo "literal $literal"; return 1; }
  cmp "$r/new" "$(far_root dst)/new" && cmp "$r/big" "$(far_root dst)/big"
  [[ ! -e $(far_root dst)/gone ]]
  # The new root is a snapshot of the old one (btrfs names its parent), not a stage filled
  # with hard links; the old one is gone.
  run btrfs subvolume show "$(far_root dst)"
  [[ $output == *'Parent UUID:'* && $output != *$'Parent UUID: \t\t-'* ]] || {
    echo "$output"; return 1; }
  run btrfs subvolume list "$RPREFIX/var/lib/vservers"
  [[ $(grep -c . <<<"$output") == 1 ]] || { echo "$output"; return 1; }
  far_clean
}

# far_state NAME: every entry of the far copy's root with its inode, type, mode, owner, size,
# mtime and xattrs (ACLs and capabilities included): "as it was" compares these.
far_state() {
  local d; d=$(far_root "$1")
  (cd "$d" && find . -printf '%p %i %y %m %U:%G %s %T@\n' | sort &&
     { getfattr -R -P -d -m - -e hex . 2>/dev/null || true; })
}

@test "--refresh failing (ENOSPC, far side killed) leaves the old copy whole; 40M ext4 there" {
  make_guest src
  local r; r=$(guest_root src)
  make_rich_tree "$r"
  echo meta > "$r/aaa-meta"
  chmod 0644 "$r/aaa-meta"
  setfattr -n user.state -v old "$r/aaa-meta"
  run vcopy src 127.0.0.1:dst -q
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  R_GUESTS+=(dst)
  local before; before=$(far_state dst)
  # Changes rsync applies in place to a file whose contents and mtime did not change (on the
  # far side a link shared with the old root), then a file too big for the far file system.
  chown 1234:1234 "$r/aaa-meta"
  chmod 0600 "$r/aaa-meta"
  setfattr -n user.state -v new "$r/aaa-meta"
  setfacl -m u:999:r "$r/data/a"
  echo changed > "$r/data/sub/f"
  head -c 48M /dev/urandom > "$r/zzz-big"
  run vcopy src 127.0.0.1:dst --refresh
  [[ $status -ne 0 && $output == *'No space left'* ]] || { echo "$output"; return 1; }
  [[ "$(far_state dst)" == "$before" ]] || { diff <(echo "$before") <(far_state dst); return 1; }
  far_clean
  # The far side SIGKILLed after rsync, just before the exchange: its record gives the old root
  # back what rsync changed in place as soon as a command loads the guest there.
  rm "$r/zzz-big"
  printf '#!/bin/sh\nVSERVER_FAULT=transfer:exchange:kill exec %s "$@"\n' "$VS_BIN/vserver" \
      > "$WORK/vsfault"
  chmod +x "$WORK/vsfault"
  run in_ns "$VS_BIN/vserver-copy" src 127.0.0.1:dst --refresh --ssh "$SSH" \
      --remote-vserver "$WORK/vsfault"
  [[ $status -ne 0 ]] || { echo "$output"; return 1; }
  compgen -G "$RPREFIX/var/lib/vservers/.undo-dst-*" >/dev/null ||
      { echo "no undo record"; return 1; }
  # Without the record the old root would keep these.
  [[ "$(stat -c '%a %u' "$(far_root dst)/aaa-meta")" == "600 1234" ]]
  far "$VS_BIN/vserver dst stop" >/dev/null 2>&1 || true
  [[ "$(far_state dst)" == "$before" ]] || { diff <(echo "$before") <(far_state dst); return 1; }
  far_clean
  # Then a refresh goes through: the changes arrive, hard links, xattrs, ACLs and caps kept.
  run vcopy src 127.0.0.1:dst --refresh -q
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  local d; d=$(far_root dst)
  [[ "$(stat -c '%a %u %g' "$d/aaa-meta")" == "600 1234 1234" ]]
  [[ "$(getfattr --only-values -n user.state "$d/aaa-meta")" == new ]]
  getfacl -n "$d/data/a" | grep -qx 'user:999:r--'
  [[ "$(cat "$d/data/sub/f")" == changed ]]
  check_rich_tree "$d"
  far_clean
}

# migrate_running: a running guest with a writer moved; $1 whether its live passes read the live
# tree (true) or btrfs snapshots (false). The final pass is given the entries changed since the
# first live pass and compares their contents.
migrate_running() {
  make_guest src
  run vs src start
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  # A writer appending a counter with fsync (busybox sync -f FILE) every 20 ms.
  vs src exec sh -c 'i=0; while :; do i=$((i+1)); echo $i >> /var/log-w; sync; sleep 0.02; done' \
      >/dev/null 2>&1 &
  local writer=$!
  sleep 0.5
  run vcopy src 127.0.0.1:src --migrate --json
  wait "$writer" 2>/dev/null || true
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  R_GUESTS+=(src)
  python3 "$VS_SOURCE_DIR/tests/integration/json_validate.py" \
      "$VS_SOURCE_DIR/docs/json/copy.schema.json" <<<"$output"
  python3 - "$output" "$1" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
print(f"downtime {j['downtime_s']:.3f} s, passes:",
      [(p["live"], p["snapshot"], p["checksum"], p["listed"], p["literal_bytes"])
       for p in j["passes"]], "phases:", j["downtime_phases"])
*live, last = j["passes"]
assert j["started"] and j["source_marked"] and j["downtime_s"] > 0, j
assert live and all(p["live"] for p in live) and not last["live"], j
want = sys.argv[2] == "true"
assert all(p["snapshot"] != want and p["listed"] is None for p in live), j
# A list of changes (the writer's file at least; the root whole here, as the guest started
# within the scan's margin before the first pass).
assert last["checksum"] and last["listed"], j
ph = j["downtime_phases"]
assert abs(sum(ph[k] for k in ("stop_s", "scan_s", "final_pass_s", "commit_s", "start_s"))
           - j["downtime_s"]) < 0.05, j
PY
  # Stopped here, marked so no autostart group starts it; running there.
  run vs src running
  [[ $status -ne 0 ]]
  [[ "$(cat "$(guest_cfg src)/apps/init/mark")" == migrated ]]
  run far "$VS_BIN/vserver src running"
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ -z "$(ls -a "$(dirname "$(guest_root src)")" | grep '^\.build-')" ]]
  # Every line the writer wrote before the stop is there, in order; it continues there.
  local n; n=$(wc -l < "$(guest_root src)/var/log-w")
  (( n > 5 )) || { echo "writer wrote $n lines"; return 1; }
  cmp "$(guest_root src)/var/log-w" "$(far_root src)/var/log-w"
  far "$VS_BIN/vserver src exec sh -c 'echo \$(( \$(tail -n1 /var/log-w) + 1 )) >> /var/log-w'"
  [[ "$(tail -n1 "$(far_root src)/var/log-w")" == $((n + 1)) ]]
  far "$VS_BIN/vserver src stop"
}

@test "--migrate moves a running guest with a writer: no write lost, source stopped and marked" {
  migrate_running true
}

@test "--migrate of a running guest on btrfs: live passes read read-only snapshots" {
  mount_roots_fs btrfs
  migrate_running false
}

@test "--migrate: what changes after the live passes arrives, listed by ctime, not walked" {
  make_guest src
  local r; r=$(guest_root src)
  mkdir -p "$r/srv/a/b/c" "$r/srv/keep"
  echo aaaa > "$r/srv/a/b/c/deep"
  echo 1111 > "$r/srv/keep/same-size"
  touch -d 2001-01-01 "$r/srv/keep/same-size"
  echo gone > "$r/srv/keep/gone"
  # The source's pre-stop script runs after the live passes, within the downtime: the file
  # gets new contents of the same size and its old mtime back (a size-and-mtime check would
  # keep the old one), one goes, a directory tree moves, a name with a newline and a '#'
  # appears. Once: the copy there has the script too.
  mkdir -p "$(guest_cfg src)/scripts/pre-stop.d"
  cat > "$(guest_cfg src)/scripts/pre-stop.d/window" <<SH
#!/bin/sh
[ -e $WORK/window ] || exit 0
rm -f $WORK/window
cd "\$VSERVER_ROOT/srv" || exit 1
echo 2222 > keep/same-size && touch -d 2001-01-01 keep/same-size
rm keep/gone
mv a keep/moved
printf x > 'keep/#new
line'
SH
  chmod 755 "$(guest_cfg src)/scripts/pre-stop.d/window"
  : > "$WORK/window"
  run vs src start
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  # What the start changed in the root is older than the scan's margin (2 s) by the first pass.
  sleep 3
  run vcopy src 127.0.0.1:src --migrate --json
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  R_GUESTS+=(src)
  [[ ! -e $WORK/window ]] || { echo "the pre-stop script did not run"; return 1; }
  python3 - "$output" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
last = j["passes"][-1]
print("final pass:", last, "phases:", j["downtime_phases"])
# srv/keep (a changed directory, whole) and little else: not the root's thousands of entries.
assert not last["live"] and last["checksum"] and 1 <= last["listed"] <= 10, last
assert last["files"] < j["passes"][0]["files"] / 4, j
PY
  local f; f=$(far_root src)
  diff -r --no-dereference "$r/srv" "$f/srv"
  [[ "$(cat "$f/srv/keep/same-size")" == 2222 && ! -e $f/srv/keep/gone && ! -e $f/srv/a ]]
  [[ "$(cat "$f/srv/keep/moved/b/c/deep")" == aaaa ]]
  [[ "$(stat -c %Y "$f/srv/keep/same-size")" == "$(stat -c %Y "$r/srv/keep/same-size")" ]]
  run far "$VS_BIN/vserver src running"
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  cmp "$(guest_cfg src)/scripts/pre-stop.d/window" "$(far_cfg src)/scripts/pre-stop.d/window"
  far "$VS_BIN/vserver src stop"
}

@test "hook scripts arrive as files of the copy's own, copied and migrated, and run there" {
  make_guest src
  add_hooks "$(guest_cfg src)"
  run vcopy src 127.0.0.1:dst
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  R_GUESTS+=(dst)
  far_clean
  check_hooks "$(guest_cfg src)" "$(far_cfg dst)"
  run far "$VS_BIN/vserver dst start"
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ "$(cat "$WORK/ran.dst")" == "pre-start dst"$'\n'sourced ]]
  far "$VS_BIN/vserver dst stop"
  # A migration's commit takes the same path; the migrated guest starts and stops there.
  run vcopy src 127.0.0.1:moved --migrate
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  R_GUESTS+=(moved)
  far_clean
  check_hooks "$(guest_cfg src)" "$(far_cfg moved)"
  run far "$VS_BIN/vserver moved start && $VS_BIN/vserver moved stop"
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ "$(cat "$WORK/ran.moved")" == "pre-start moved"$'\n'sourced ]]
}

@test "--migrate of a stopped guest moves its address (refused when taken there); --delete-source" {
  make_guest src
  run vs src ip add 192.0.2.41/24
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  # A guest there configured with that address: refused, nothing made there, source kept.
  R_GUESTS+=(other)
  run far "$VS_BIN/vserver other build -m skeleton && $VS_BIN/vserver other ip add 192.0.2.41/24"
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  run vcopy src 127.0.0.1:moved --migrate
  [[ $status -eq 2 && $output == *'192.0.2.41 is already guest other'* ]] ||
      { echo "$output"; return 1; }
  [[ ! -e $(far_cfg moved) && -d $(guest_cfg src) ]]
  far_clean
  far "$VS_BIN/vserver other delete --force"
  run vcopy src 127.0.0.1:moved --migrate --delete-source --json
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  R_GUESTS+=(moved)
  [[ $output == *'"source_deleted":true'* && $output == *'"downtime_s":null'* ]]
  [[ $output == *'"started":false'* ]]
  grep -rqx 192.0.2.41 "$(far_cfg moved)/interfaces"
  [[ ! -e $(guest_cfg src) && ! -e $(guest_root src) ]]
  run far "$VS_BIN/vserver moved running"
  [[ $status -ne 0 ]]
  # util-vserver's -s (stop, copy, start there) starts a stopped guest on the far host; the
  # source stays, stopped and marked.
  make_guest s2
  VS_GUESTS+=(s2)
  run vcopy -s s2 127.0.0.1: --json
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  R_GUESTS+=(s2)
  [[ $output == *'"started":true'* && $output == *'"source_marked":true'* ]] ||
      { echo "$output"; return 1; }
  run far "$VS_BIN/vserver s2 running"
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  run vs s2 running
  [[ $status -ne 0 ]]
  [[ "$(cat "$(guest_cfg s2)/apps/init/mark")" == migrated ]]
  far "$VS_BIN/vserver s2 stop"
  far_clean
}

@test "remote copy refusals: unreachable host, name taken there, running source; nothing made" {
  make_guest src
  # No route in the test's namespace: ssh fails at once, its message shown.
  run vcopy src 192.0.2.1:dst --ssh "$SSH -o ConnectTimeout=3"
  [[ $status -ne 0 ]]
  [[ $output == *'192.0.2.1'*'unreachable'* && $output == *'ssh session to 192.0.2.1 ended'* ]] ||
      { echo "$output"; return 1; }
  [[ ! -e $RPREFIX/etc/vservers/dst ]]
  # rsync missing here: refused in one line naming it, nothing made there.
  mkdir "$WORK/bin"
  ln -s "$(command -v ssh)" "$WORK/bin/ssh"
  run in_ns env PATH="$WORK/bin" "$VS_BIN/vserver-copy" src 127.0.0.1:norsync --ssh "$SSH" \
      --remote-vserver "$VS_BIN/vserver"
  [[ $status -ne 0 && $output == *'copy src: rsync: '*'not found'* ]] ||
      { echo "$output"; return 1; }
  [[ ! -e $(far_cfg norsync) ]]
  run vcopy src 127.0.0.1:dst -q
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  R_GUESTS+=(dst)
  run vcopy src 127.0.0.1:dst
  [[ $status -eq 2 && $output == *'guest dst already exists'* ]] || { echo "$output"; return 1; }
  far_clean
  run vs src start
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  run vcopy src 127.0.0.1:other
  [[ $status -eq 2 && $output == *'running; stop it first or move it with --migrate'* ]]
  [[ ! -e $(far_cfg other) ]]
  # A migration the far side refuses leaves the source running here.
  run vcopy src 127.0.0.1:dst --migrate
  [[ $status -eq 2 && $output == *'already exists'* ]] || { echo "$output"; return 1; }
  run vs src running
  [[ $status -eq 0 ]]
  far_clean
  # A start that fails there, after the source was stopped for the final pass: the source is
  # started again here, unmarked, and the far side keeps nothing.
  if grep -q VSERVER_FAULT "$VS"; then
    printf '#!/bin/sh\nVSERVER_FAULT=after-spawn:fail exec %s "$@"\n' "$VS_BIN/vserver" \
        > "$WORK/farvs"
    chmod +x "$WORK/farvs"
    run in_ns "$VS_BIN/vserver-copy" src 127.0.0.1:moved --migrate --ssh "$SSH" \
        --remote-vserver "$WORK/farvs"
    [[ $status -ne 0 && $output == *'injected fault at after-spawn'* ]] ||
        { echo "$output"; return 1; }
    [[ $output == *'started the source again'* ]] || { echo "$output"; return 1; }
    run vs src running
    [[ $status -eq 0 ]] || { echo "source not running again: $output"; return 1; }
    [[ "$(cat "$(guest_cfg src)/apps/init/mark" 2>/dev/null)" != migrated ]]
    [[ ! -e $(far_cfg moved) && ! -e $(far_root moved) ]]
    far_clean
  fi
}

@test "a vserver-copy killed mid-way leaves nothing on the far side" {
  make_guest src
  # rsync's ssh through a wrapper that waits while $WORK/slow exists: the copy is held after
  # the far side staged its root, before the config and the root are sent.
  cat > "$WORK/slowssh" <<SH
#!/bin/sh
case "\$*" in *"rsync --server"*) while [ -e $WORK/slow ]; do sleep 0.1; done ;; esac
exec $(command -v ssh) "\$@"
SH
  chmod +x "$WORK/slowssh"
  : > "$WORK/slow"
  # nsenter (not the in_ns function: its subshell would be the job) execs vserver-copy.
  nsenter --net="/run/netns/$NS" "$VS_BIN/vserver-copy" src 127.0.0.1:dst \
      --ssh "$WORK/slowssh ${SSH#ssh }" --remote-vserver "$VS_BIN/vserver" -q 2>"$WORK/err" &
  local pid=$! i
  for i in $(seq 100); do
    compgen -G "$RPREFIX/var/lib/vservers/.build-dst-*" >/dev/null && break
    sleep 0.1
  done
  compgen -G "$RPREFIX/var/lib/vservers/.build-dst-*" >/dev/null ||
      { echo "the far side staged nothing"; cat "$WORK/err"; return 1; }
  sleep 0.3
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  rm -f "$WORK/slow"
  for i in $(seq 50); do far_clean >/dev/null && break; sleep 0.1; done
  far_clean
  [[ ! -e $(far_cfg dst) && ! -e $(far_root dst) ]]
  # Its ssh control dir is removed by the next copy.
  compgen -G "/tmp/vserver-copy.$pid.*" >/dev/null || { echo "no control dir left?"; return 1; }
  run vcopy src 127.0.0.1:dst -q
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  R_GUESTS+=(dst)
  ! compgen -G "/tmp/vserver-copy.$pid.*" >/dev/null
}

