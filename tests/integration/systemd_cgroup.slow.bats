#!/usr/bin/env bats
# Init style systemd where the cgroup version matters, on one boot: a bookworm guest with
# systemd-sysv boots systemd as PID 1 in a user namespace to `running` with a unit of its own,
# its systemd cannot raise its limits nor reach another guest's cgroup (battery A6 too), stop
# (SIGRTMIN+3) runs the unit's ExecStop and leaves nothing, and without a user namespace the
# guest is refused. The host and the cgroup-v2 VM gate run it (there, with the fixture the host
# built first: docs/testing.md); the rest of the style's tests are systemd.slow.bats (host only).

bats_require_minimum_version 1.5.0
load lib
load security_lib
load systemd_lib

setup_file() { sd_setup_file; }

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

    # Classic mode (the same guest without its userns file) is refused before anything runs.
    rm "$(guest_cfg g1)/userns"
    run vs g1 start
    [ "$status" -ne 0 ]
    [[ $output == *"init style systemd needs a user namespace"*userns* ]]
    assert_no_leaks g1
}
