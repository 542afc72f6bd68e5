#!/usr/bin/env bats
# Init style systemd: a bookworm guest with systemd-sysv (scripts/fixtures.sh --systemd, built
# once per CI run, needs the host's apt mirror) boots systemd as PID 1 in a user namespace, runs
# a unit of its own, stops through SIGRTMIN+3; a classic guest is refused; the guest's systemd
# cannot raise its own limits.

bats_require_minimum_version 1.5.0
load lib

setup_file() {
    [[ $EUID -eq 0 ]] || skip "needs root"
    export FIXTURE
    FIXTURE=$(VS_BIN=$VS_BIN bash "$VS_SOURCE_DIR/scripts/fixtures.sh" "$VS_BUILD_DIR" --systemd |
        tail -1)
    [[ -s $FIXTURE ]]
}

setup() { vs_setup; }
teardown() { vs_teardown; }

# sd_guest NAME [--no-userns]: a guest from the systemd fixture, style systemd.
sd_guest() {
    vs "$1" build -m template ${2:-} -- -t "$FIXTURE" >/dev/null
    echo systemd >"$(guest_cfg "$1")/apps/init/style"
    VS_GUESTS+=("$1")
}

# Waits (bounded) until the guest's systemd has finished booting; prints its state.
boot_state() {
    local s
    for _ in $(seq 100); do
        s=$(vs "$1" exec systemctl is-system-running 2>/dev/null) || true
        [[ $s == running || $s == degraded ]] && break
        sleep 0.2
    done
    echo "$s"
}

@test "build picks style systemd for a userns guest whose /sbin/init is systemd" {
    vs g0 build -m template -- -t "$FIXTURE" >/dev/null
    VS_GUESTS+=(g0)
    [ "$(cat "$(guest_cfg g0)/apps/init/style")" = systemd ]
}

@test "systemd boots as PID 1: running, a custom unit starts, journalctl shows it, stop ends it" {
    sd_guest g1
    root=$(guest_root g1)
    cat >"$root/etc/systemd/system/vstest.service" <<'UNIT'
[Unit]
Description=vserver-ng test unit
[Service]
ExecStart=/bin/sh -c 'echo vstest-started; exec sleep infinity'
ExecStop=/bin/sh -c 'echo vstest-stopping'
[Install]
WantedBy=multi-user.target
UNIT
    ln -s ../vstest.service "$root/etc/systemd/system/multi-user.target.wants/vstest.service"
    vs g1 start
    [ "$(boot_state g1)" = running ]
    run vs g1 exec systemctl --failed --no-legend
    [ -z "$output" ]
    [ "$(vs g1 exec cat /proc/1/comm)" = systemd ]
    [ "$(vs g1 exec cat /run/systemd/container)" = vserver-ng ]
    [ "$(vs g1 exec systemctl is-active vstest)" = active ]
    vs g1 exec journalctl -u vstest --no-pager | grep -q vstest-started
    vs g1 stop
    assert_no_leaks g1
    # The unit was stopped by systemd's own shutdown (its ExecStop ran), not killed.
    run grep -rqa vstest-stopping "$root/var/log/journal"
    [ "$status" -eq 0 ]
}

@test "the guest's systemd cannot raise its own limits nor reach another guest's cgroup" {
    sd_guest g1
    sd_guest g2
    mkdir -p "$(guest_cfg g1)/limits"
    echo 300M >"$(guest_cfg g1)/limits/memory.max"
    vs g1 start
    vs g2 start
    boot_state g1 >/dev/null
    # Its own cgroup's limit knobs are not writable (v1 memory/pids read-only; on v2 owned by
    # the host's root); systemd writes only below its own cgroup.
    run vs g1 exec sh -c 'for f in /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max \
        /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; do
        [ -e $f ] && echo max >$f && echo "wrote $f"; done; true'
    [[ $output != *wrote* ]]
    # Only its own cgroup is visible: the other guest's name appears nowhere below it.
    run vs g1 exec sh -c 'find /sys/fs/cgroup -name g2 | head -1'
    [ -z "$output" ]
    # And it cannot move a process out of its subtree (the parent is not mounted in the guest).
    run vs g1 exec sh -c 'cat /proc/self/cgroup | grep -v ":/$" |
      grep -v "/init.scope\|/system.slice\|/user.slice" || true'
    [ -z "$output" ]
}

@test "a guest without a user namespace is refused with a pointer at userns" {
    sd_guest g3 --no-userns
    run vs g3 start
    [ "$status" -ne 0 ]
    [[ $output == *"init style systemd needs a user namespace"*userns* ]]
    assert_no_leaks g3
}
