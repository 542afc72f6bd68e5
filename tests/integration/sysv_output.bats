#!/usr/bin/env bats
# Style sysv: `vserver NAME start` shows "/etc/init.d/rc 3"'s stdout/stderr and returns once rc
# has exited; a daemon rc left running with rc's stdout keeps writing without blocking or dying
# (vs-init drains the pipes after start is gone); `stop` shows "rc 6". Root; temp prefix.

load lib
bats_require_minimum_version 1.5.0

setup() { vs_setup; }
teardown() { vs_teardown; }

# A guest whose rc prints to stdout and stderr, and at runlevel 3 starts a daemon that keeps
# rc's stdout: once /go exists it writes 300000 bytes (more than a pipe holds) to it, notes
# /burst-done, then ticks into stdout and /ticks forever. rc's last act is writing /rc-done
# after waiting for /rc-may-end (which the test may create beforehand).
make_sysv_guest() {
    make_guest g1 sysv
    root=$(guest_root g1)
    mkdir -p "$root/etc/init.d"
    cat >"$root/etc/init.d/rc" <<'EOF'
#!/bin/sh
echo "Starting runlevel $1: foo ... ok"
echo "rc $1 complains on stderr" >&2
if [ "$1" = 3 ]; then
    (
        while [ ! -e /go ]; do sleep 0.05; done
        head -c 300000 /dev/zero
        echo done >/burst-done
        i=0
        while :; do i=$((i + 1)); echo "tick $i"; echo "$i" >/ticks; sleep 0.05; done
    ) &
    echo $! >/daemon.pid
    while [ ! -e /rc-may-end ]; do sleep 0.05; done
fi
echo "rc $1 done"
echo "$1" >/rc-done
EOF
    chmod 755 "$root/etc/init.d/rc"
}

# Waits (bounded) until guest file $1 exists; fails the test otherwise.
wait_guest_file() {
    local i
    for i in $(seq 1 200); do
        [[ -e $root/$1 ]] && return 0
        sleep 0.05
    done
    echo "no $1 in the guest"
    return 1
}

@test "sysv start shows rc's stdout and stderr, returns once rc ended; nothing of ours stays" {
    make_sysv_guest
    touch "$root/rc-may-end"
    vs g1 start >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
    # rc wrote /rc-done as its last act: start returned after rc had ended.
    [ "$(cat "$root/rc-done")" = 3 ]
    run cat "$BATS_TEST_TMPDIR/out"
    [ "${lines[0]}" = "Starting runlevel 3: foo ... ok" ]
    [ "${lines[1]}" = "rc 3 done" ]
    run cat "$BATS_TEST_TMPDIR/err"
    [ "$output" = "rc 3 complains on stderr" ]
    run vs g1 status
    [ "$status" -eq 0 ]
    # Every process of the guest's cgroup is inside the guest's pid namespace (two NSpid
    # fields): no relay, monitor or helper of ours on the host.
    for pid in $(guest_cgroup_pids g1); do
        nspid=$(awk '/^NSpid:/ {print NF - 1}' "/proc/$pid/status" 2>/dev/null) || continue
        [ -z "$nspid" ] || [ "$nspid" -eq 2 ]
    done
}

@test "sysv: a daemon holding rc's stdout writes on after start returned, unblocked, no SIGPIPE" {
    make_sysv_guest
    touch "$root/rc-may-end"
    run vs g1 start
    [ "$status" -eq 0 ]
    daemon=$(cat "$root/daemon.pid")
    # start has closed its read ends. The burst is more than a pipe buffer: it completes only
    # if someone keeps reading, and a write without any reader would kill the daemon.
    touch "$root/go"
    wait_guest_file burst-done
    wait_guest_file ticks
    t0=$(cat "$root/ticks")
    for i in $(seq 1 200); do
        [[ $(cat "$root/ticks") -ge $((t0 + 5)) ]] && break
        sleep 0.05
    done
    [ "$(cat "$root/ticks")" -ge $((t0 + 5)) ]
    run vs g1 exec kill -0 "$daemon"
    [ "$status" -eq 0 ]
}

@test "sysv start with stdout closed early (start | head) still waits for rc and succeeds" {
    make_sysv_guest
    touch "$root/rc-may-end"
    run env VS="$VS" bash -c '"$VS" g1 start 2>/dev/null | head -c 5; echo " ${PIPESTATUS[0]}"'
    [ "$output" = "Start 0" ]
    [ "$(cat "$root/rc-done")" = 3 ]
    run vs g1 status
    [ "$status" -eq 0 ]
}

@test "sysv: SIGKILL of start while rc runs: the guest runs on, rc finishes; stop repairs nothing" {
    make_sysv_guest
    "$VS" g1 start >"$BATS_TEST_TMPDIR/out" 2>&1 &
    pid=$!
    for i in $(seq 1 200); do
        grep -q "Starting runlevel 3" "$BATS_TEST_TMPDIR/out" && break
        sleep 0.05
    done
    grep -q "Starting runlevel 3" "$BATS_TEST_TMPDIR/out"
    kill -9 "$pid"
    wait "$pid" || true
    # rc goes on without start: its writes still find a reader (vs-init), so it ends normally.
    touch "$root/rc-may-end" "$root/go"
    wait_guest_file rc-done
    wait_guest_file burst-done
    run vs g1 status
    [ "$status" -eq 0 ]
    run vs g1 stop
    [ "$status" -eq 0 ]
    [[ $output != *"cleaning up"* ]]
    assert_no_leaks g1
}

@test "sysv: rc exiting non-zero is a warning naming it; the guest runs and start succeeds" {
    make_guest g1 sysv
    root=$(guest_root g1)
    mkdir -p "$root/etc/init.d"
    printf '#!/bin/sh\necho "rc $1 fails"\nexit 3\n' >"$root/etc/init.d/rc"
    chmod 755 "$root/etc/init.d/rc"
    run vs g1 start
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == "rc 3 fails" ]]
    [[ $output == *'"/etc/init.d/rc 3" exited with status 3'* ]]
    run vs g1 status
    [ "$status" -eq 0 ]
}

@test "sysv stop shows rc 6's output" {
    make_sysv_guest
    touch "$root/rc-may-end"
    vs g1 start >/dev/null 2>&1
    vs g1 stop >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
    run cat "$BATS_TEST_TMPDIR/out"
    [ "${lines[0]}" = "Starting runlevel 6: foo ... ok" ]
    [ "${lines[1]}" = "rc 6 done" ]
    run cat "$BATS_TEST_TMPDIR/err"
    [ "$output" = "rc 6 complains on stderr" ]
    assert_no_leaks g1
}
