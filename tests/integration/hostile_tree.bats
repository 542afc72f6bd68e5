#!/usr/bin/env bats
# Battery A16 for the host-side operations that exist: build -m clone/rsync from a hostile
# source guest, build's clean-up and delete. Planted absolute, '..', dangling and looping
# symlinks, FIFOs, device nodes, sockets, hardlinks to host files and a bind mount: nothing
# outside the trees is read into the copy, written or removed; no hang; no device opened.

bats_require_minimum_version 1.5.0
load build_helpers

setup() {
  build_setup
  DECOY=$WORK/host
  mkdir -p "$DECOY/sub"
  echo "host secret" > "$DECOY/secret"
  mkfifo "$DECOY/fifo"
}
teardown() {
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(
    grep -F -e "$WORK" -e "${VSERVER_PREFIX:-/nonexistent}" /proc/self/mountinfo |
      awk '{print $5}' | sort -r)
  build_teardown
}

# plant_hostile ROOT: every A16 entry, pointing at $DECOY where it points anywhere.
plant_hostile() {
  local r=$1
  mkdir -p "$r/etc" "$r/a/b" "$r/dev"
  echo "root:x:0:0::/root:/bin/sh" > "$r/etc/passwd"
  ln -s "$DECOY" "$r/abs"
  ln -s "$DECOY/secret" "$r/etc/abs-file"
  ln -s ../../../../../../../..$DECOY "$r/a/b/up"
  ln -s /nonexistent/x "$r/dangling"
  ln -s loop2 "$r/loop1"
  ln -s loop1 "$r/loop2"
  ln -s "$DECOY/fifo" "$r/fifo-link"
  mkfifo "$r/fifo"
  mknod "$r/dev/sda" b 8 0
  mknod "$r/dev/null" c 1 3
  python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$r/sock"
  ln "$DECOY/secret" "$r/hardlink"
}

check_copy() {
  local c=$1
  [[ -L $c/abs && $(readlink "$c/abs") == "$DECOY" ]] || { echo "abs link changed"; return 1; }
  [[ -L $c/a/b/up && -L $c/loop1 && -L $c/dangling && -L $c/fifo-link ]] ||
    { echo "a link was followed"; return 1; }
  [[ -p $c/fifo && -b $c/dev/sda && -c $c/dev/null && -S $c/sock ]] ||
    { echo "special files not copied as such"; ls -l "$c" "$c/dev"; return 1; }
  [[ ! -e $c/abs/secret || $(stat -c %i "$c/abs/secret") == $(stat -c %i "$DECOY/secret") ]]
  [[ $(cat "$DECOY/secret") == "host secret" && -p $DECOY/fifo ]] ||
    { echo "host decoy changed"; return 1; }
}

@test "A16 clone: --source GUEST with planted links, FIFOs, devices, sockets: copied as is" {
  mkdir -p "$WORK/src"
  plant_hostile "$WORK/src"
  run timeout 120 vserver orig build -m rsync -- --source "$WORK/src"
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  plant_hostile_guest_root=$VSERVER_PREFIX/var/lib/vservers/orig
  run timeout 120 vserver copy build -m clone -- --source orig
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  check_copy "$VSERVER_PREFIX/var/lib/vservers/copy"
  # The source guest is untouched.
  check_copy "$plant_hostile_guest_root"
}

@test "A16 clone/rsync: a bind mount of the same fs inside the source is refused, nothing made" {
  mkdir -p "$WORK/src/mnt/data"
  plant_hostile "$WORK/src"
  mount --bind "$DECOY" "$WORK/src/mnt/data"
  run vserver c build -m clone -- --source "$WORK/src"
  [[ $status -ne 0 && $output == *"$WORK/src/mnt/data"* ]] || { echo "$output"; false; }
  run vserver r build -m rsync -- --source "$WORK/src"
  [[ $status -ne 0 && $output == *"$WORK/src/mnt/data"* ]] || { echo "$output"; false; }
  # No guest, no staging dir (the roots' parent may exist: build probes it for idmapping).
  [[ -z "$(prefix_contents |
    grep -e '/c$' -e '/r$' -e '/c/' -e '/r/' -e '\.build-' -e '\.tmp\.')" ]] ||
    { prefix_contents; false; }
  umount "$WORK/src/mnt/data"
  run vserver c build -m clone -- --source "$WORK/src"
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  [[ ! -e $VSERVER_PREFIX/var/lib/vservers/c/mnt/data/secret ]]
}

@test "A16 delete and build --force of a hostile guest: only the guest goes" {
  mkdir -p "$WORK/src"
  plant_hostile "$WORK/src"
  run vserver h build -m rsync -- --source "$WORK/src"
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  # build --force replaces the hostile root: its removal never follows a planted link.
  run timeout 120 vserver h build --force -m rsync -- --source "$WORK/src"
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  run timeout 120 vserver h delete --force
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  [[ $(cat "$DECOY/secret") == "host secret" && -p $DECOY/fifo && -d $DECOY/sub ]]
  [[ $(stat -c %h "$DECOY/secret") == 2 ]]  # the source tree's link remains, the guest's went
  [[ -z "$(prefix_contents | grep -e '/h$' -e '/h/' -e '\.build-')" ]] ||
    { prefix_contents; false; }
}

@test "A16 clone: a source dir swapped for a symlink to the host while it is copied leaks nothing" {
  # The source guest races the copy: d (its files) and l (a link to the host's decoy, whose
  # files have the same names) swap places as fast as renameat2 allows.
  mkdir -p "$WORK/src/d"
  for i in $(seq 1 400); do echo guest > "$WORK/src/d/f$i"; echo "host secret" > "$DECOY/f$i"; done
  ln -s "$DECOY" "$WORK/src/l"
  for round in 1 2 3 4 5; do
    rm -f "$WORK/stop"
    "$VS_BIN/vs-probe" exchange-loop "$WORK/src/d" "$WORK/src/l" "$WORK/stop" 100000000 >/dev/null &
    racer=$!
    run timeout 120 vserver c$round build -m clone -- --source "$WORK/src"
    touch "$WORK/stop"
    wait $racer
    # Each copy fails (an entry vanished under cp) or holds only the guest's files.
    if [[ -d $VSERVER_PREFIX/var/lib/vservers/c$round ]]; then
      ! grep -rqs "host secret" "$VSERVER_PREFIX/var/lib/vservers/c$round" || {
        echo "round $round: host data copied"
        grep -rl "host secret" "$VSERVER_PREFIX/var/lib/vservers/c$round" | head
        false
      }
    fi
  done
  [[ $(cat "$DECOY/f1") == "host secret" ]]
}
