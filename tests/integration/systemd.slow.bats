#!/usr/bin/env bats
# Init style systemd: a bookworm guest with systemd-sysv (scripts/fixtures.sh --systemd, built
# once per CI run, needs the host's apt mirror) boots systemd as PID 1 in a user namespace, runs
# a unit of its own, stops through SIGRTMIN+3; a classic guest is refused; the guest's systemd
# cannot raise its own limits. Then the hostile-guest battery's checks (security.bats, A1-A12,
# A17, A23; the helpers of security_lib.bash, whose setup/teardown also snapshot the host's
# knobs and check that nothing leaked) against the wider capability set systemd is given.
# In the cgroup-v2 VM gate only the cgroup test runs (the rest is host_only or no_cgroup), with
# the fixture the host built first (ctest fixture systemd_fixture; docs/testing.md).

bats_require_minimum_version 1.5.0
load lib
load security_lib

setup_file() {
    [[ $EUID -eq 0 ]] || skip "needs root"
    export FIXTURE
    # The VM has no network for debootstrap: the host builds the fixture first (the vm test
    # requires the ctest fixture systemd_fixture, tests/CMakeLists.txt).
    if [[ -n ${VS_TEST_VM:-} && ! -s $VS_BUILD_DIR/fixtures/bookworm-systemd.tar.zst ]]; then
        echo "no $VS_BUILD_DIR/fixtures/bookworm-systemd.tar.zst: build it on the host first" \
            "(scripts/fixtures.sh $VS_BUILD_DIR --systemd)" >&2
        return 1
    fi
    FIXTURE=$(VS_BIN=$VS_BIN bash "$VS_SOURCE_DIR/scripts/fixtures.sh" "$VS_BUILD_DIR" --systemd |
        tail -1)
    [[ -s $FIXTURE ]]
}

# The cgroup-v2 VM skips a test that starts with host_only or no_cgroup before its setup: under
# TCG security_lib's setup and teardown (host knob snapshots, leak sweeps) cost about 25 s a
# test, four times what the skip saves on the host.
vm_skips_early() {
    [[ -n ${VS_TEST_VM:-} ]] || return 1
    local first
    first=$(declare -f "$BATS_TEST_NAME" | sed -n '3{s/^[[:space:]]*//;s/;$//;p}')
    [[ $first == host_only || $first == no_cgroup ]] || return 1
    SD_SKIPPED_EARLY=1
    "$first"
}

setup() {
    vm_skips_early || true
    sec_setup
}

teardown() {
    [[ -z ${SD_SKIPPED_EARLY:-} ]] || return 0
    sec_teardown
}

# sd_guest NAME [--no-userns]: a guest from the systemd fixture, style systemd.
sd_guest() {
    vs "$1" build -m template ${2:-} -- -t "$FIXTURE" >/dev/null
    echo systemd >"$(guest_cfg "$1")/apps/init/style"
    VS_GUESTS+=("$1")
}

# sd_probe_guest NAME: sd_guest with the battery's static vs-probe at /bin/vs-probe, started
# and booted (its systemd is running, so what it mounts and unshares is in place).
sd_probe_guest() {
    sd_guest "$1"
    install -m 0755 "$PROBE_BIN" "$(guest_root "$1")/bin/vs-probe"
    vs "$1" start
    boot_state "$1" >/dev/null
}

gsh() { vs g1 exec sh -c "$1"; }

# Waits (bounded) until the guest's systemd has finished booting; prints its state. Until its
# private bus socket exists systemctl answers at once ("offline"); from then on one call waits
# for the end of the boot (--wait), so the loop turns a few times at most.
boot_state() {
    local s
    for _ in $(seq 150); do
        s=$(vs "$1" exec timeout 600 systemctl is-system-running --wait 2>/dev/null) || true
        [[ $s == running || $s == degraded ]] && break
        sleep 0.2
    done
    echo "$s"
}

# vstest.service in the root $1, wanted by multi-user.target: says so at start and at stop.
install_vstest_unit() {
    cat >"$1/etc/systemd/system/vstest.service" <<'UNIT'
[Unit]
Description=vserver-ng test unit
[Service]
ExecStart=/bin/sh -c 'echo vstest-started; exec sleep infinity'
ExecStop=/bin/sh -c 'echo vstest-stopping'
[Install]
WantedBy=multi-user.target
UNIT
    ln -s ../vstest.service "$1/etc/systemd/system/multi-user.target.wants/vstest.service"
}

@test "build picks style systemd for a userns guest whose /sbin/init is systemd" {
    host_only
    vs g0 build -m template -- -t "$FIXTURE" >/dev/null
    VS_GUESTS+=(g0)
    [ "$(cat "$(guest_cfg g0)/apps/init/style")" = systemd ]
}

# Everything that hinges on the cgroup version, on one boot (the cgroup-v2 VM runs this test,
# where a systemd guest's build and boot cost minutes): the boot to running with a unit of its
# own, the limits its systemd cannot raise, battery A6, and a stop that leaves nothing.
@test "systemd as PID 1 in its cgroup: own unit runs, limits and g2 out of reach (A6), clean stop" {
    sd_guest g1
    root=$(guest_root g1)
    install_vstest_unit "$root"
    install -m 0755 "$PROBE_BIN" "$root/bin/vs-probe"
    mkdir -p "$(guest_cfg g1)/limits"
    echo 300M >"$(guest_cfg g1)/limits/memory.max"
    # Another running guest, whose cgroup g1 must not reach (any init style will do).
    make_guest g2
    vs g1 start
    vs g2 start
    [ "$(boot_state g1)" = running ]
    run vs g1 exec sh -c 'echo "failed=$(systemctl --failed --no-legend)"
        echo "pid1=$(cat /proc/1/comm) container=$(cat /run/systemd/container)"
        tr "\0" "\n" </proc/1/environ | grep "^container="
        awk "\$5 == \"/run\" || \$5 == \"/run/lock\" {
            for (i = 7; i <= NF; i++) if (\$i == \"-\") print \$5, \$(i + 1)}" /proc/self/mountinfo
        echo "vstest=$(systemctl is-active vstest)"
        journalctl -u vstest --no-pager | grep -q vstest-started && echo journal=vstest-started'
    echo "$output"
    [ "$output" = "$(printf '%s\n' failed= 'pid1=systemd container=vserver-ng' \
        container=vserver-ng '/run tmpfs' '/run/lock tmpfs' vstest=active journal=vstest-started)" ]

    # Its own cgroup's limit knobs are not writable (v1 memory/pids read-only; on v2 owned by
    # the host's root); systemd writes only below its own cgroup.
    run vs g1 exec sh -c 'for f in /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max \
        /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; do
        [ -e $f ] && echo max >$f && echo "wrote $f"; done; true'
    [[ $output != *wrote* ]]
    # Battery A6: the same refusals as seen by vs-probe (EACCES/EPERM/EROFS, or absent).
    before=$(cat /proc/$(init_pid g1)/cgroup)
    for f in memory.max pids.max cpu.max cgroup.max.descendants cgroup.type \
             memory/memory.limit_in_bytes pids/pids.max; do
        run probe g1 write "/sys/fs/cgroup/$f" max
        echo "$f: $output"
        [ "$status" -ne 0 ]
        [[ $output == ENOENT ]] || expect_refused "$output"
    done
    # Only its own cgroup is visible: the other guest's name appears nowhere below it, nor in
    # a cgroup2 mount of its own, which roots at its cgroup namespace (no parent either).
    run gsh "find /sys/fs/cgroup -name g2 | head -1
             mkdir -p /tmp/cg2 && mount -t cgroup2 none /tmp/cg2 && ls -a /tmp/cg2 >/dev/null &&
             find /tmp/cg2 -name g2 -o -name $VSERVER_CGROUP_PARENT | head -1"
    echo "$output"
    [ -z "$output" ]
    # v1: its own hierarchies cannot be made; release_agent is host-only (CVE-2022-0492).
    run gsh 'mkdir -p /tmp/cg1 && mount -t cgroup -o none,name=vsevil none /tmp/cg1'
    [ "$status" -ne 0 ]
    run gsh 'mkdir -p /tmp/cgr && mount -t cgroup -o rdma none /tmp/cgr &&
             echo /tmp/vs-evil > /tmp/cgr/release_agent'
    [ "$status" -ne 0 ]
    for f in /sys/fs/cgroup/*/release_agent; do
        [[ -r $f ]] && [[ $(cat "$f") != *vs-evil* ]]
    done
    # Its processes, wherever systemd put them, stay below its own cgroup on the host.
    for p in $(guest_cgroup_pids g1); do
        grep -q "/$VSERVER_CGROUP_PARENT/g1" /proc/$p/cgroup
    done
    [ "$(cat /proc/$(init_pid g1)/cgroup)" = "$before" ]

    # It cannot move a process out of its subtree (the parent is not mounted in the guest).
    # A joining process sits in the leaf .vserver-join of the guest's cgroup2 dir (cgroup2 lets
    # no process live beside the controllers systemd enables there), elsewhere in its root.
    run vs g1 exec cat /proc/self/cgroup
    [[ $output == *"0::/.vserver-join"* ]]
    [ -z "$(grep -v '^0::/.vserver-join$' <<<"$output" | grep -v ':/$' || true)" ]
    # A leaf the guest made itself under that name is not joined; once gone, a new one is made.
    p=$VSERVER_CGROUP_PARENT
    u=$(ls -d /sys/fs/cgroup/unified/"$p"/g1 /sys/fs/cgroup/"$p"/g1 2>/dev/null | head -1)
    rmdir "$u/.vserver-join"
    mkdir "$u/.vserver-join"
    chown "$(stat -c %u "$u")" "$u/.vserver-join"
    run vs g1 exec true
    [ "$status" -ne 0 ]
    [[ $output == *".vserver-join\" was made by the guest"* ]]
    rmdir "$u/.vserver-join"
    vs g1 exec true
    [ "$(stat -c %u "$u/.vserver-join")" -eq 0 ]

    vs g1 stop
    assert_no_leaks g1
    # The unit was stopped by systemd's own shutdown (its ExecStop ran), not killed.
    run grep -rqa vstest-stopping "$root/var/log/journal"
    [ "$status" -eq 0 ]
}

@test "console, container_ttys, enter as a login; a shutdown that hangs is killed after timeout" {
    host_only
    command -v tmux >/dev/null || skip "no tmux"
    sd_guest g1
    echo 2 >"$(guest_cfg g1)/apps/init/ttys"
    # A unit whose stop never ends holds systemd's shutdown (checked at the end).
    cat >"$(guest_root g1)/etc/systemd/system/vsblock.service" <<'UNIT'
[Service]
ExecStart=/bin/sleep infinity
ExecStop=/bin/sleep infinity
TimeoutStopSec=infinity
[Install]
WantedBy=multi-user.target
UNIT
    ln -s ../vsblock.service \
        "$(guest_root g1)/etc/systemd/system/multi-user.target.wants/vsblock.service"
    vs g1 start
    state=$(boot_state g1)
    [[ $state == running ]]
    run vs g1 exec systemctl --failed --no-legend
    [ -z "$output" ]
    # A console held by vs-consoled (docs/config-vserver.md): console-getty runs on it, and
    # the boot's messages are in its log. No virtual terminal: getty@tty1 is skipped.
    [ "$(vs g1 exec stat -c %F /dev/console)" = "character special file" ]
    [ "$(vs g1 exec systemctl is-active console-getty.service)" = active ]
    [ "$(vs g1 exec systemctl show -P ConditionResult getty@tty1.service)" = no ]
    log=$VSERVER_PREFIX/var/log/vservers/g1/console.log
    grep -q "Welcome to" "$log"
    grep -q "Reached target" "$log"
    [ "$(vs g1 exec systemctl is-active container-getty@1.service container-getty@2.service)" = \
        "$(printf 'active\nactive')" ]
    if command -v script >/dev/null; then
        run script -qec "$VS g1 enter" /dev/null <<<'tty; systemctl is-system-running; exit 0'
        echo "$output"
        [[ $output == *"/dev/pts/"* ]]
        [[ $output == *running* ]]
    fi
    sock=vstest-sd-$$
    tmux -L "$sock" new-session -d -s vs -x 120 -y 30 \
        -e "VSERVER_PREFIX=$VSERVER_PREFIX" -e "VSERVER_CGROUP_PARENT=$VSERVER_CGROUP_PARENT" \
        "$VS g1 console --tty 2; sleep 60"
    seen=
    for _ in $(seq 100); do
        tmux -L "$sock" send-keys -t vs Enter
        tmux -L "$sock" capture-pane -p -t vs | grep -q "login:" && { seen=1; break; }
        sleep 0.2
    done
    tmux -L "$sock" capture-pane -p -t vs
    tmux -L "$sock" kill-server
    [ -n "$seen" ]
    # systemd's shutdown (SIGRTMIN+3) is waited for apps/init/timeout, here 3 s, then the kill
    # sequence ends the guest as any other: nothing is left.
    echo 3 >"$(guest_cfg g1)/apps/init/timeout"
    t0=$SECONDS
    run vs g1 stop
    echo "$output"
    [ "$status" -eq 0 ]
    [ $((SECONDS - t0)) -ge 3 ]
    assert_no_leaks g1
}

@test "a guest without a user namespace is refused with a pointer at userns" {
    host_only
    sd_guest g3 --no-userns
    run vs g3 start
    [ "$status" -ne 0 ]
    [[ $output == *"init style systemd needs a user namespace"*userns* ]]
    assert_no_leaks g3
}

# ---- the battery against systemd's capabilities (every one over its own user namespace) ----

@test "battery A10: systemd holds LXD's set (no SYS_MODULE/TIME/RAWIO/MAC_*), in its own userns" {
    no_cgroup
    sd_probe_guest g1
    last=$(cat /proc/sys/kernel/cap_last_cap)
    want=$(( (1 << (last + 1)) - 1 ))
    want=$(( want & ~$(cap_mask 16 25 17 33 32) ))   # SYS_MODULE TIME RAWIO MAC_ADMIN MAC_OVERRIDE
    for pid in 1 self; do
        [ "$(guest_cap g1 CapBnd $pid)" -eq "$want" ]
        [ "$(guest_cap g1 CapAmb $pid)" -eq 0 ]
    done
    [ "$(readlink /proc/$(init_pid g1)/ns/user)" != "$(readlink /proc/self/ns/user)" ]
    # The guest's root is not the host's: uid 0 inside maps to an unprivileged host uid.
    [ "$(awk '$1 == 0 {print $2}' /proc/$(init_pid g1)/uid_map)" -ne 0 ]
}

@test "battery A1/A2: with CAP_SYS_ADMIN in its userns, /proc/sys and masks still hold" {
    no_cgroup
    sd_probe_guest g1
    # Try to peel off the read-only /proc/sys and the masks first (in its own mount namespace
    # that may or may not work); the knobs belong to the host's user namespace either way.
    gsh 'mount -o remount,rw /proc/sys; umount /proc/sys; umount -l /proc/sysrq-trigger
         for m in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do umount -l $m
         done; true' || true
    for kv in "/proc/sys/kernel/core_pattern=|/tmp/vs-evil %p" \
              "/proc/sys/kernel/modprobe=/tmp/vs-evil" "/proc/sys/vm/overcommit_memory=2" \
              "/proc/sys/vm/drop_caches=3" "/proc/sys/kernel/sysrq=1" "/proc/sys/kernel/panic=1" \
              "/proc/sys/kernel/randomize_va_space=0" \
              "/proc/sysrq-trigger=h" "/sys/kernel/uevent_helper=/tmp/vs-evil"; do
        path=${kv%%=*} val=${kv#*=}
        run probe g1 write "$path" "$val"
        echo "$path: $output"
        [ "$status" -ne 0 ]
        if [[ -e $path ]]; then expect_refused "$output"; else [ "$output" = ENOENT ]; fi
    done
    run gsh 'echo "|/tmp/vs-evil" >/proc/sys/kernel/core_pattern'
    [ "$status" -ne 0 ]
    # Its network namespace is its own (owned by its user namespace): its net.* knobs are its
    # own to set, as in LXD; the host's stay as they were.
    host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
    [ "$(readlink /proc/$(init_pid g1)/ns/net)" != "$(readlink /proc/self/ns/net)" ]
    run probe g1 write /proc/sys/net/ipv4/ip_forward $((1 - host_fwd))
    [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ]
    # What the masks hide and the host's root owns stays unreadable without them (the guest's
    # root owns its mount namespace, so it can lift a mask; docs/config-vserver.md says what
    # that shows: read-only host counters such as /proc/interrupts).
    for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do
        run probe g1 read "$f"
        echo "$output"
        [[ $(jq -r '.[0].error // ""' <<<"$output") == ENOENT ]] && continue
        [ "$(jq -r '.[0].bytes // 0' <<<"$output")" -eq 0 ]
    done
}

@test "battery A4/A12: its mounts stay in its namespace; chroot and pivot games stay in the guest" {
    no_cgroup
    sd_probe_guest g1
    host_before=$(cat /proc/self/mountinfo | awk '{print $5}' | sort)
    # Allowed in its own mount namespace (systemd does the same for its services) ...
    gsh 'mkdir -p /mnt/vsbat && mount -t tmpfs vsbat /mnt/vsbat && mount --bind / /mnt/vsbat'
    # ... and invisible to the host: no new mount point, none under the guest's root.
    [ "$(cat /proc/self/mountinfo | awk '{print $5}' | sort)" = "$host_before" ]
    [ -z "$(grep -F "$(guest_root g1)/mnt/vsbat" /proc/self/mountinfo || true)" ]
    # Host file systems cannot be reached by mounting them: no block device, no host /proc.
    run gsh 'mount -t ext4 /dev/vda /mnt'
    [ "$status" -ne 0 ]
    run gsh 'ls /dev/sda /dev/vda /dev/mem /dev/kmsg 2>/dev/null'
    [ -z "$output" ]
    marker=$VSERVER_PREFIX/host-only-marker
    touch "$marker"
    run bash -c "exec 7</; '$VS' g1 exec /bin/vs-probe chroot-escape '$marker' \
        '$BATS_TEST_FILENAME' /proc/1/root$VSERVER_PREFIX"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(jq -r .chroot_jail <<<"$output")" = OK ]
    [ "$(jq -r .escaped <<<"$output")" = false ]
    run gsh "ls $VSERVER_PREFIX"
    [ "$status" -ne 0 ]
    run gsh 'awk "{print \$5}" /proc/self/mountinfo'
    [[ $output != *"$VSERVER_PREFIX"* ]]
}

@test "battery A7/A8/A17/A23: devices, modules, keyrings, host pids stay out of reach" {
    no_cgroup
    sd_probe_guest g1
    for n in 'b 8 0' 'c 1 1' 'c 1 11' 'c 10 237'; do
        run gsh "mknod /tmp/dev-x $n"
        echo "$n: $output"
        [ "$status" -ne 0 ]
        [ ! -e "$(guest_root g1)/tmp/dev-x" ]
    done
    run probe g1 read /proc/kmsg
    [[ $(jq -r '.[0].error // "OPENED"' <<<"$output") == EACCES ||
        $(jq -r '.[0].error // "OPENED"' <<<"$output") == EPERM ]]
    sweep_guest g1
    for s in init_module finit_module delete_module kexec_load open_by_handle_at \
             'mknod(blk,8:0)' 'mknod(chr,1:1)' 'syslog(READ_ALL)' 'keyctl(GET_KEYRING_ID)' \
             add_key request_key; do
        got=$(sweep_row x86_64 "$s")
        [[ $got == EPERM || $got == EACCES ]] || { echo "x86_64 $s: $got"; false; }
    done
    run probe g1 read /proc/keys /proc/key-users
    [ "$(jq -r '.[0].bytes // 0' <<<"$output")" -eq 0 ]
    # Host pids: invisible, unkillable; kill -1 from the guest spares the host.
    sleep 100000 </dev/null >/dev/null 2>&1 &
    hs=$!
    SEC_HOST_PIDS+=("$hs")
    run gsh "kill -9 $hs"
    [ "$status" -ne 0 ]
    [[ $output == *"No such process"* ]]
    vs g1 exec sh -c 'kill -9 -1; true' || true
    kill -0 "$hs"
    kill -0 $$
}
