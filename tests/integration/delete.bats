#!/usr/bin/env bats
# vserver NAME delete removes only the guest: never what is mounted below its root, never a
# directory its vdir points at unless build made it, and finishes what a failed delete left.

load lib

setup() { vs_setup; }
teardown() {
    # An immutable file a test planted would keep its directory from going.
    [[ -n ${VSERVER_PREFIX:-} ]] && chattr -R -i "$VSERVER_PREFIX" 2>/dev/null
    vs_teardown
}

@test "delete refuses a root with a bind mount of the same file system inside, naming it" {
    make_guest g1
    root=$(guest_root g1)
    data=$VSERVER_PREFIX/srv/data
    mkdir -p "$data/sub" "$root/mnt/data"
    echo keep >"$data/file"
    echo keep >"$data/sub/f"
    # Same file system as the root (st_dev equal): only the mount id tells it apart.
    mount --bind "$data" "$root/mnt/data"
    run vs g1 delete --force
    [ "$status" -eq 1 ]
    [[ $output == *"$root/mnt/data"* ]] || { echo "$output"; false; }
    [ "$(cat "$data/file")" = keep ]
    [ "$(cat "$data/sub/f")" = keep ]
    # Refused before anything changed: the guest is all there.
    [ -d "$(guest_cfg g1)" ] && [ -x "$root/bin/busybox" ]
    umount "$root/mnt/data"
    run vs g1 delete --force
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ ! -e "$root" ] && [ ! -e "$(guest_cfg g1)" ]
    [ "$(cat "$data/file")" = keep ]
}

@test "delete refuses a bind of / inside the root, even with --force" {
    make_guest g1
    root=$(guest_root g1)
    mkdir -p "$root/host"
    mount --bind / "$root/host"
    run vs g1 delete --force
    umount "$root/host"
    [ "$status" -eq 1 ]
    [[ $output == *"$root/host"* ]]
    [ -e /etc/passwd ] && [ -d "$(guest_cfg g1)" ]
}

@test "delete --force detaches proc and sysfs left in the root; without --force it refuses" {
    make_guest g1
    root=$(guest_root g1)
    mkdir -p "$root/proc" "$root/sys"
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    run vs g1 delete </dev/null
    [ "$status" -ne 0 ]
    VSERVER_QUIET=1 run vs g1 delete
    [ "$status" -eq 1 ]
    [[ $output == *"$root/proc"* && $output == *"unmount"* ]] || { echo "$output"; false; }
    run vs g1 delete --force
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ ! -e "$root" ]
    [ -z "$(prefix_mounts)" ]
}

@test "delete leaves a root its vdir points at outside the roots directory, naming it" {
    make_guest g1
    www=$VSERVER_PREFIX/srv/www
    mkdir -p "$(dirname "$www")"
    mv "$(guest_root g1)" "$www"
    # Not the one build made (a directory the admin points the guest at).
    setfattr -x trusted.vserver-ng.root "$www" 2>/dev/null || true
    ln -sfn "$www" "$(guest_cfg g1)/vdir"
    run vs g1 delete --force
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ $output == *"left its root \"$www\" in place"* ]] || { echo "$output"; false; }
    [ -x "$www/bin/busybox" ]
    [ ! -e "$(guest_cfg g1)" ]
}

@test "delete removes a root build made wherever it is, and an unmarked one in the roots dir" {
    make_guest g1
    make_guest g2
    elsewhere=$VSERVER_PREFIX/srv/g1
    mkdir -p "$(dirname "$elsewhere")"
    mv "$(guest_root g1)" "$elsewhere"
    ln -sfn "$elsewhere" "$(guest_cfg g1)/vdir"
    if getfattr -n trusted.vserver-ng.root "$elsewhere" >/dev/null 2>&1; then
        run vs g1 delete --force
        [ "$status" -eq 0 ] || { echo "$output"; false; }
        [ ! -e "$elsewhere" ]
    fi
    # A guest built before the marker existed: its root inside the roots dir is its own.
    setfattr -x trusted.vserver-ng.root "$(guest_root g2)" 2>/dev/null || true
    run vs g2 delete --force
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ ! -e "$(guest_root g2)" ]
}

@test "delete of a root reached through a link in the roots dir removes the root and the link" {
    make_guest g1
    real=$VSERVER_PREFIX/srv/g1
    mkdir -p "$(dirname "$real")"
    getfattr -n trusted.vserver-ng.root "$(guest_root g1)" >/dev/null 2>&1 || skip "no marker"
    mv "$(guest_root g1)" "$real"
    ln -s "$real" "$(guest_root g1)"
    rm -f "$(guest_cfg g1)/vdir"
    run vs g1 delete --force
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ ! -e "$real" ] && [ ! -L "$(guest_root g1)" ]
}

@test "delete never removes a root marked as another guest's" {
    make_guest g1
    make_guest g2
    getfattr -n trusted.vserver-ng.root "$(guest_root g2)" >/dev/null 2>&1 || skip "no marker"
    ln -sfn "$(guest_root g2)" "$(guest_cfg g1)/vdir"
    run vs g1 delete --force
    [ "$status" -eq 0 ]
    [[ $output == *"guest \"g2\""* ]] || { echo "$output"; false; }
    [ -x "$(guest_root g2)/bin/busybox" ]
}

@test "delete --force of a hostile root: FIFOs, devices, sockets, looping links; nothing opened" {
    make_guest g1
    root=$(guest_root g1)
    decoy=$VSERVER_PREFIX/decoy
    mkdir -p "$decoy"
    echo keep >"$decoy/file"
    mkfifo "$root/fifo" "$decoy/fifo"
    mknod "$root/sda" b 8 0
    mknod "$root/null" c 1 3
    python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$root/sock"
    ln -s loop2 "$root/loop1"
    ln -s loop1 "$root/loop2"
    ln -s /nonexistent "$root/dangling"
    ln -s "$decoy/fifo" "$root/fifo-link"
    ln -s "$decoy" "$root/abs"
    mkdir -p "$root/a/b"
    ln -s ../../../../../../../.. "$root/a/b/up"
    ln "$decoy/file" "$root/hardlink"
    # A FIFO opened by mistake would block delete forever: timeout turns that into a failure.
    run timeout 60 "$VS" g1 delete --force
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ ! -e "$root" ]
    [ "$(cat "$decoy/file")" = keep ] && [ -p "$decoy/fifo" ]
    [ "$(stat -c %h "$decoy/file")" = 1 ]
    [ -c /dev/null ]
}

@test "a delete that fails part-way leaves a guest a second delete --force finishes" {
    make_guest g1
    root=$(guest_root g1)
    mkdir -p "$root/z"
    touch "$root/z/pinned"
    chattr +i "$root/z/pinned" || skip "no chattr +i on this file system"
    run vs g1 delete --force
    [ "$status" -eq 1 ]
    [[ $output == *pinned* ]] || { echo "$output"; false; }
    # Still a guest: listed, its config readable.
    [ -d "$(guest_cfg g1)" ]
    run vs g1 status
    [ "$status" -eq 3 ]
    chattr -i "$root/z/pinned"
    run vs g1 delete --force
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ ! -e "$root" ] && [ ! -e "$(guest_cfg g1)" ]
}

@test "delete --force works when the config has invalid values; without --force it says so" {
    make_guest g1
    echo "not-a-number" >"$(guest_cfg g1)/context"
    run vs g1 delete </dev/null
    [ "$status" -eq 2 ]
    [[ $output == *"--force"* ]] || { echo "$output"; false; }
    run vs g1 delete --force
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ ! -e "$(guest_root g1)" ] && [ ! -e "$(guest_cfg g1)" ]
}

@test "delete --force of a running guest with an invalid config stops it first" {
    make_guest g1
    vs g1 start
    echo "-5" >"$(guest_cfg g1)/context"
    run vs g1 delete --force
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ ! -e "$(guest_cfg g1)" ]
    [ -z "$(guest_cgroup_pids g1)" ]
}

@test "names beginning with '.' are refused: .defaults is never built over nor deleted" {
    mkdir -p "$VSERVER_PREFIX/etc/vservers/.defaults"
    echo 4242 >"$VSERVER_PREFIX/etc/vservers/.defaults/context.next"
    run vs .defaults build --force -m skeleton
    [ "$status" -eq 2 ]
    [[ $output == *"invalid guest name"* ]]
    run vs .defaults delete --force
    [ "$status" -eq 2 ]
    [ "$(cat "$VSERVER_PREFIX/etc/vservers/.defaults/context.next")" = 4242 ]
    [ ! -e "$VSERVER_PREFIX/var/lib/vservers/.defaults" ]
    run vs .hidden build -m skeleton
    [ "$status" -eq 2 ]
    [ ! -e "$VSERVER_PREFIX/etc/vservers/.hidden" ]
}
