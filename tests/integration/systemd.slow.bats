#!/usr/bin/env bats
# Init style systemd on the host: build's choice of the style, the console and ttys, enter as a
# login, a hanging shutdown ended by the kill sequence, the refusal of a classic guest, and the
# hostile-guest battery's checks (security.bats, A1-A12, A17, A23; the helpers of
# security_lib.bash, whose setup/teardown also snapshot the host's knobs and check that nothing
# leaked) against the wider capability set systemd is given. What hinges on the cgroup version
# (boot, limits, A6, stop) is systemd_cgroup.slow.bats, which the cgroup-v2 VM gate runs too.
# Guests come from the bookworm-systemd fixture (systemd_lib.bash).

bats_require_minimum_version 1.5.0
load lib
load security_lib
load systemd_lib

setup_file() { sd_setup_file; }

@test "build picks style systemd for a userns guest whose /sbin/init is systemd" {
    host_only
    vs g0 build -m template -- -t "$FIXTURE" >/dev/null
    VS_GUESTS+=(g0)
    [ "$(cat "$(guest_cfg g0)/apps/init/style")" = systemd ]
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
