#!/usr/bin/env bats
# Isolation of a running guest, seen from inside (busybox) and from the host: pid, uts, mount,
# net namespaces, /proc masks, read-only /sys and cgroupfs, capability bounding set, fds, and
# the refusal of hostile guest roots. Root; everything under a temporary prefix.

load lib
bats_require_minimum_version 1.5.0

setup() { vs_setup; }
teardown() { vs_teardown; }

# in_guest CMD: run a shell command inside g1.
in_guest() { vs g1 exec sh -c "$1"; }

@test "the guest sees only its own processes; the host sees them too" {
    make_guest g1
    vs g1 start
    vs g1 exec sh -c 'sleep 1000 </dev/null >/dev/null 2>&1 &'
    # Inside: PID 1 is our init, and /proc lists exactly the guest's cgroup members.
    run in_guest 'cat /proc/1/cmdline | tr "\0" " "'
    [[ $output == vs-init* ]]
    # Counted by the shell itself (a pipeline's processes start in no fixed order): init +
    # sleep + this sh.
    run in_guest 'n=0; for p in /proc/[0-9]*; do n=$((n + 1)); done; echo $n'
    [ "$output" -eq 3 ]
    # Outside: the sleep is a host process in the guest's cgroup, seen at guest pid 2+.
    sleeper=""
    for p in $(guest_cgroup_pids g1); do
        [[ $(cat /proc/$p/comm) == sleep ]] && sleeper=$p
    done
    [ -n "$sleeper" ]
    run awk '/^NSpid:/ {print NF}' /proc/$sleeper/status
    [ "$output" -eq 3 ]        # NSpid: host-pid guest-pid
    # The host's own processes are invisible inside: our shell's pid is not there.
    run in_guest "[ -e /proc/$$/status ] && grep -q bats /proc/$$/cmdline"
    [ "$status" -ne 0 ]
}

@test "the hostname is the guest's (uts/nodename, else its name) and never leaks to the host" {
    no_cgroup
    make_guest g1
    make_guest g2
    mkdir -p "$(guest_cfg g2)/uts"
    echo web-two >"$(guest_cfg g2)/uts/nodename"
    host=$(hostname)
    vs g1 start
    vs g2 start
    run vs g1 exec hostname
    [ "$output" = g1 ]
    run vs g2 exec hostname
    [ "$output" = web-two ]
    run vs g1 exec hostname hacked
    [ "$status" -ne 0 ]
    [ "$(hostname)" = "$host" ]
    run vs g1 exec hostname
    [ "$output" = g1 ]
}

@test "guest root cannot mount, unmount masks, or bind the host's tree" {
    no_cgroup
    make_guest g1
    vs g1 start
    before=$(in_guest 'cat /proc/self/mountinfo | wc -l')
    run in_guest 'mount -t tmpfs none /tmp'
    [ "$status" -ne 0 ]
    run in_guest 'mount -t proc proc /mnt'
    [ "$status" -ne 0 ]
    run in_guest 'mkdir -p /mnt && mount --bind / /mnt'
    [ "$status" -ne 0 ]
    run in_guest 'umount /proc/keys'
    [ "$status" -ne 0 ]
    run in_guest 'umount -l /proc'
    [ "$status" -ne 0 ]
    [ "$(in_guest 'cat /proc/self/mountinfo | wc -l')" = "$before" ]
    # No host path is visible as a mount source inside, except the guest root itself.
    run in_guest 'cat /proc/self/mountinfo'
    ! grep -q " /tmp/vstest" <<<"$(echo "$output" | awk '$5 != "/"')"
}

@test "guest root cannot load modules or make block devices" {
    make_guest g1
    vs g1 start
    run in_guest 'insmod /bin/busybox'
    [ "$status" -ne 0 ]
    echo "$output"
    [[ $output == *"Operation not permitted"* ]]
    run in_guest 'mknod /tmp/sda b 8 0'
    [ "$status" -ne 0 ]
    [[ $output == *"Operation not permitted"* ]]
    run in_guest 'mknod /tmp/mem c 1 1'
    [ "$status" -ne 0 ]
    [ ! -e "$(guest_root g1)/tmp/sda" ]
}

@test "/proc/sys and the other read-only paths cannot be written; masked paths read empty" {
    no_cgroup
    make_guest g1
    vs g1 start
    for f in /proc/sys/kernel/core_pattern /proc/sys/kernel/modprobe /proc/sys/vm/drop_caches \
             /proc/sys/kernel/hostname /proc/sys/net/ipv4/ip_forward; do
        run in_guest "echo 1 > $f"
        [ "$status" -ne 0 ]
    done
    [ "$(cat /proc/sys/kernel/core_pattern)" != 1 ]
    for f in /proc/kcore /proc/keys /proc/timer_list /proc/interrupts /proc/sched_debug; do
        run in_guest "cat $f 2>/dev/null | wc -c"
        [ "$output" -eq 0 ]
    done
    run in_guest 'ls -A /sys/firmware | wc -l'
    [ "$output" -eq 0 ]
    run in_guest 'touch /sys/firmware/x'
    [ "$status" -ne 0 ]
    run in_guest 'grep -E " /proc/sys " /proc/self/mountinfo'
    [[ $output == *" ro,"* ]]
}

@test "/sys and the cgroup view are read-only and show only the guest's own cgroup" {
    make_guest g1
    make_guest g2
    vs g1 start
    vs g2 start
    run in_guest 'echo 1 > /sys/kernel/uevent_helper'
    [ "$status" -ne 0 ]
    # Writable host cgroupfs would let root leave its cgroup (no nsdelegate here). Every
    # cgroup.procs of the view: one per v1 hierarchy dir, or the view's root on pure cgroup v2.
    procs=$(in_guest 'cd /sys/fs/cgroup &&
        for f in cgroup.procs */cgroup.procs; do [ ! -f "$f" ] || echo "$f"; done')
    [ -n "$procs" ]
    for f in $procs; do
        run in_guest "echo \$\$ > /sys/fs/cgroup/$f"
        echo "$f: $output"
        [ "$status" -ne 0 ]
        # The view's root is the guest's own leaf: no sibling guest's dir in it.
        run in_guest "ls /sys/fs/cgroup/${f%cgroup.procs}"
        [[ $output != *g2* ]]
    done
    run in_guest 'cat /proc/self/cgroup'
    while read -r line; do [[ $line == *:/ ]]; done <<<"$output"
    # The guest stays in its cgroup.
    for p in $(guest_cgroup_pids g1); do
        grep -q "/$VSERVER_CGROUP_PARENT/g1" /proc/$p/cgroup
    done
}

@test "the bounding set is util-vserver's default secure set adjusted by bcapabilities" {
    no_cgroup
    make_guest g1
    make_guest g2
    printf 'NET_RAW\n!CHOWN\n' >"$(guest_cfg g2)/bcapabilities"
    vs g1 start
    vs g2 start
    a=$((16#$(vs g1 exec grep CapBnd /proc/self/status | awk '{print $2}')))
    b=$((16#$(vs g2 exec grep CapBnd /proc/self/status | awk '{print $2}')))
    # Never in the default set: SYS_ADMIN 21, SYS_MODULE 16, SYS_RAWIO 17, MKNOD 27, NET_ADMIN 12.
    for bit in 21 16 17 27 12; do [ $(( a >> bit & 1 )) -eq 0 ]; done
    # Always in it: CHOWN 0, KILL 5, SETUID 7, NET_BIND_SERVICE 10, SYS_CHROOT 18.
    for bit in 0 5 7 10 18; do [ $(( a >> bit & 1 )) -eq 1 ]; done
    [ "$b" -eq $(( (a & ~1) | (1 << 13) )) ]
    # Init has the same set as processes that enter; nothing ambient or inheritable.
    run vs g2 exec grep -E 'Cap(Inh|Amb)' /proc/1/status
    [[ ${lines[0]} == *0000000000000000 ]]
    [[ ${lines[1]} == *0000000000000000 ]]
    [ "$((16#$(vs g2 exec grep CapBnd /proc/1/status | awk '{print $2}')))" -eq "$b" ]
    # ...and the same seccomp filter mode and no_new_privs setting.
    run vs g2 exec sh -c 'grep -E "^(Seccomp|NoNewPrivs):" /proc/1/status
        grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'
    [ "${lines[0]}" = "${lines[2]}" ]
    [ "${lines[1]}" = "${lines[3]}" ]
    [[ $output == *"Seccomp:"*2* ]]
}

@test "virt_uptime (a default flag): the guest's uptime starts at its start" {
    no_cgroup
    make_guest g1
    vs g1 start
    guest=$(vs g1 exec cat /proc/uptime | awk '{print int($1)}')
    host=$(awk '{print int($1)}' /proc/uptime)
    [ "$guest" -le "$host" ]
    [ "$guest" -lt 60 ]
    [ "$(readlink /proc/$(init_pid g1)/ns/time)" != "$(readlink /proc/self/ns/time)" ]
    # Processes that enter share the guest's clock.
    [ "$(vs g1 exec readlink /proc/self/ns/time)" = "$(vs g1 exec readlink /proc/1/ns/time)" ]
}

@test "no undeclared fd reaches the guest: init has only /dev/null, exec only 0-2" {
    no_cgroup
    make_guest g1
    vs g1 start
    run in_guest 'ls /proc/1/fd'
    [ "$(echo $output)" = "0 1 2" ]
    run in_guest 'for f in 0 1 2; do readlink /proc/1/fd/$f; done'
    [ "$(echo $output)" = "/dev/null /dev/null /dev/null" ]
    # An fd the caller leaks (9) never arrives; only 0-2 and the listing's own dir fd.
    run bash -c "exec 9</etc/hostname; '$VS' g1 exec ls /proc/self/fd"
    [ "$(echo $output)" = "0 1 2 3" ]
    run in_guest 'readlink /proc/1/cwd; readlink /proc/1/root'
    [ "$(echo $output)" = "/ /" ]
}

@test "the guest has its own /dev with the standard nodes and a private devpts" {
    no_cgroup
    make_guest g1
    vs g1 start
    run in_guest 'ls /dev | tr "\n" " "'
    for n in null zero full random urandom tty ptmx pts shm fd stdin stdout stderr; do
        [[ " $output " == *" $n "* ]]
    done
    run in_guest 'ls /dev | wc -l'
    [ "$output" -lt 20 ]
    run in_guest 'stat -c %t:%T /dev/null'
    [ "$output" = "1:3" ]
    run in_guest 'readlink /dev/ptmx'
    [ "$output" = pts/ptmx ]
    run in_guest 'grep " /dev/pts " /proc/self/mountinfo'
    [[ $output == *"ptmxmode=666"* ]]
    # The guest's /dev is a tmpfs, not the host's devtmpfs.
    run in_guest 'grep " /dev " /proc/self/mountinfo'
    [[ $output == *" - tmpfs "* ]]
}

@test "the guest has its own network namespace with loopback only" {
    no_cgroup
    make_guest g1
    vs g1 start
    run in_guest 'ls /sys/class/net | tr "\n" " "'
    [ "$output" = "lo " ]
    [ "$(readlink /proc/$(init_pid g1)/ns/net)" != "$(readlink /proc/self/ns/net)" ]
    [ "$(readlink /proc/$(init_pid g1)/ns/ipc)" != "$(readlink /proc/self/ns/ipc)" ]
}

@test "hostile guest roots: /dev, /proc or /dev/null symlinked outside are refused, nothing made" {
    no_cgroup
    make_guest g1
    root=$(guest_root g1)
    rm -rf "$root/dev" "$root/proc"
    mkdir -p "$root/dev"
    ln -s /proc/sys/kernel/core_pattern "$root/dev/null"
    run vs g1 start
    [ "$status" -eq 1 ]
    [[ $output == *'/dev/null is a symlink to "/proc/sys/kernel/core_pattern" outside the guest'* ]]
    rm -rf "$root/dev"
    ln -s /etc "$root/dev"
    run vs g1 start
    [ "$status" -eq 1 ]
    [[ $output == *'/dev is a symlink to "/etc"'* ]]
    rm "$root/dev"
    ln -s ../../../../../../.. "$root/proc"
    run vs g1 start
    [ "$status" -eq 1 ]
    [[ $output == *'/proc is a symlink'* ]]
    [ -z "$(cgroup_parent_dirs)" ]
    [ ! -e "$(guest_state g1)" ]
    [ -z "$(prefix_mounts)" ]
    [ "$(cat /proc/sys/kernel/core_pattern)" != "" ]
}

@test "userns: a host /dev/null chmod-ed away from 0666 is named in the start error, nothing left" {
    no_cgroup
    # A user-namespaced guest binds the host's device nodes (mknod is refused there). In a
    # private mount namespace, /dev/null is swapped for a real null node of mode 0644.
    make_guest g1
    touch "$(guest_cfg g1)/userns"
    mkdir -p "$VSERVER_PREFIX/fakedev"
    run unshare -m --propagation private sh -c "
        mount -t tmpfs none '$VSERVER_PREFIX/fakedev' &&
        mknod -m 0644 '$VSERVER_PREFIX/fakedev/null' c 1 3 &&
        mount --bind '$VSERVER_PREFIX/fakedev/null' /dev/null && exec '$VS_BIN/vserver' g1 start"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ $output == *'host "/dev/null" has mode 0644, not 0666'* ]]
    [ "$(stat -c %a /dev/null)" = 666 ]
    run vs g1 status
    [ "$status" -eq 3 ]
    assert_no_leaks g1
}

@test "userns: guest root is uid 0 inside, unprivileged on the host, and owns the idmapped root" {
    make_guest g1
    ctx=$(cat "$(guest_cfg g1)/context")
    touch "$(guest_cfg g1)/userns"
    vs g1 start
    run vs g1 exec id -u
    [ "$output" = 0 ]
    # Host view: the init runs as context * 65536, with the 65536-id map.
    [ "$(awk '/^Uid:/ {print $2}' /proc/$(init_pid g1)/status)" -eq $((ctx * 65536)) ]
    read -r inside outside count < /proc/$(init_pid g1)/uid_map
    [ "$inside" -eq 0 ] && [ "$outside" -eq $((ctx * 65536)) ] && [ "$count" -eq 65536 ]
    # The root is idmapped: guest root owns the guest's files, and what it writes is stored
    # with the ids a guest without a user namespace would use (host uid 0 here).
    run vs g1 exec stat -c %u:%g /etc/passwd
    [ "$output" = 0:0 ]
    vs g1 exec sh -c 'echo x > /etc/vs-userns-test'
    [ "$(stat -c %u:%g "$(guest_root g1)/etc/vs-userns-test")" = 0:0 ]
    # A file owned by an id outside the guest's range is nobody's inside, and not guest root's.
    echo host > "$(guest_root g1)/etc/vs-host-only"
    chown 70000:70000 "$(guest_root g1)/etc/vs-host-only"
    run vs g1 exec stat -c %u "/etc/vs-host-only"
    [ "$output" = 65534 ]
    run vs g1 exec sh -c 'echo x > /etc/vs-host-only'
    [ "$status" -ne 0 ]
    [ "$(cat "$(guest_root g1)/etc/vs-host-only")" = host ]
    vs g1 stop
    assert_no_leaks g1
}
