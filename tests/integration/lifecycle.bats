#!/usr/bin/env bats
# Lifecycle: start/status/running/stop/restart/delete, init styles, hooks, concurrency, crash
# recovery (VSERVER_FAULT) and bad input. Root; everything under a temporary prefix.

load lib
bats_require_minimum_version 1.5.0

setup() { vs_setup; }
teardown() { vs_teardown; }

@test "status and running of a stopped guest: exit 3 and 1, nothing created" {
    host_only
    make_guest g1
    run vs g1 status
    [ "$status" -eq 3 ]
    [[ $output == *"is stopped"* ]]
    run vs g1 running
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [ ! -e "$VSERVER_PREFIX/run/vservers/g1/state.json" ]
}

@test "start: init is PID 1, state is saved, status says running; stop leaves nothing" {
    make_guest g1
    run vs g1 start
    [ "$status" -eq 0 ]
    run vs g1 status
    [ "$status" -eq 0 ]
    [[ $output == *"is running at context"* ]]
    run vs g1 running
    [ "$status" -eq 0 ]
    pid=$(init_pid g1)
    [ -n "$pid" ]
    # The guest's init is the process the state names, it is PID 1 inside, and nothing else of
    # ours runs on the host for it: its parent is not a vserver process.
    grep -q "^NSpid:.*[[:space:]]1$" /proc/$pid/status
    ppid=$(awk '/^PPid:/ {print $2}' /proc/$pid/status)
    [[ $(cat /proc/$ppid/comm) != vserver ]]
    [[ " $(guest_cgroup_pids g1 | tr '\n' ' ') " == *" $pid "* ]]
    run vs g1 stop
    [ "$status" -eq 0 ]
    run vs g1 status
    [ "$status" -eq 3 ]
    assert_no_leaks g1
    # The init is gone (a zombie waiting for the host's init to reap it counts as gone).
    ! [ -e /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status
}

@test "stop kills every guest process, even ones that ignore SIGTERM" {
    make_guest g1
    vs g1 start
    vs g1 exec sh -c 'trap "" TERM; sleep 1000 </dev/null >/dev/null 2>&1 &
        sleep 1000 </dev/null >/dev/null 2>&1 &'
    [ "$(guest_cgroup_pids g1 | wc -l)" -ge 3 ]
    run vs g1 stop
    [ "$status" -eq 0 ]
    assert_no_leaks g1
}

@test "stop kills a stray its own listing cannot see: a process in one v1 hierarchy only" {
    make_guest g1
    vs g1 start
    # A host process put into the guest's cgroup of the first hierarchy only (as root on the
    # host could): stop lists the guest in cgroup2 (or pids), so only the kernel's refusal to
    # remove that one leaf reveals it, and the kill over every hierarchy must follow.
    local first=""
    for d in $(cgroup_parent_dirs); do
        [[ -d $d/g1 ]] && { first=$d/g1; break; }
    done
    [ -n "$first" ]
    sleep 1000 </dev/null >/dev/null 2>&1 &
    local stray=$!
    echo "$stray" >"$first/cgroup.procs"
    run vs g1 stop
    [ "$status" -eq 0 ]
    ! kill -0 "$stray" 2>/dev/null || grep -q '^State:.*Z' /proc/$stray/status
    assert_no_leaks g1
    wait "$stray" 2>/dev/null || true
}

@test "the shared cgroup parent stays between starts and goes with the last guest's delete" {
    make_guest g1
    make_guest g2
    [ -z "$(cgroup_parent_dirs)" ]
    vs g1 start
    vs g1 stop
    vs g2 start
    # stop keeps the parent (made once, reused by every start), without g1 below it.
    [ -n "$(cgroup_parent_dirs)" ]
    for d in $(cgroup_parent_dirs); do [ ! -e "$d/g1" ]; done
    run vs g1 delete --force
    [ "$status" -eq 0 ]
    [ -n "$(cgroup_parent_dirs)" ]  # g2 still lives below it
    run vs g2 delete --force
    [ "$status" -eq 0 ]
    [ -z "$(cgroup_parent_dirs)" ]
}

@test "starting a running guest fails with 'already running' and changes nothing" {
    host_only
    make_guest g1
    vs g1 start
    pid=$(init_pid g1)
    run vs g1 start
    [ "$status" -eq 1 ]
    [[ $output == *'guest "g1" is already running'* ]]
    [ "$(init_pid g1)" = "$pid" ]
    [ "$(guest_cgroup_pids g1)" = "$pid" ]
}

@test "10 concurrent starts yield exactly one running init" {
    make_guest g1
    for i in $(seq 10); do
        (
            rc=0
            vs g1 start >"$VSERVER_PREFIX/start.$i" 2>&1 || rc=$?
            echo $rc >>"$VSERVER_PREFIX/rcs"
        ) &
    done
    wait
    [ "$(grep -c '^0$' "$VSERVER_PREFIX/rcs")" -eq 1 ]
    [ "$(grep -c '^1$' "$VSERVER_PREFIX/rcs")" -eq 9 ]
    [ "$(cat "$VSERVER_PREFIX"/start.* | grep -c 'already running')" -eq 9 ]
    [ "$(guest_cgroup_pids g1 | wc -l)" -eq 1 ]
    [ "$(guest_cgroup_pids g1)" = "$(init_pid g1)" ]
}

@test "stop of a stopped guest and exec/enter into it fail cleanly" {
    host_only
    make_guest g1
    run vs g1 stop
    [ "$status" -eq 1 ]
    [[ $output == *'guest "g1" is not running'* ]]
    run vs g1 exec /bin/true
    [ "$status" -eq 1 ]
    [[ $output == *'guest "g1" is not running'* ]]
    run vs g1 enter </dev/null
    [ "$status" -eq 1 ]
    [[ $output == *'guest "g1" is not running'* ]]
    run vs g1 suexec nobody /bin/true
    [ "$status" -eq 1 ]
    assert_no_leaks g1
}

@test "exec returns the command's exit status; a missing command is 127" {
    host_only
    make_guest g1
    vs g1 start
    run vs g1 exec sh -c 'exit 42'
    [ "$status" -eq 42 ]
    run -127 vs g1 exec /no/such/program
    [[ $output == *'/no/such/program'* ]]
    run vs g1 suexec nobody id -u
    [ "$status" -eq 0 ]
    [ "$output" = "65534" ]
}

@test "enter on a terminal gets a pty from the guest's devpts and the configured shell" {
    no_cgroup
    command -v script >/dev/null || skip "script(1) missing"
    make_guest g1
    vs g1 start
    run script -qec "$VS g1 enter" /dev/null <<<'tty; echo SHELL-IN-$(hostname); exit 7'
    [ "$status" -eq 7 ]
    [[ $output == *"/dev/pts/0"* ]]
    [[ $output == *"SHELL-IN-g1"* ]]
}

@test "restart gives a new init; condrestart only acts on a running guest" {
    host_only
    make_guest g1
    run vs g1 condrestart
    [ "$status" -eq 0 ]
    run vs g1 running
    [ "$status" -eq 1 ]
    vs g1 start
    old=$(init_pid g1)
    vs g1 restart
    new=$(init_pid g1)
    [ -n "$new" ] && [ "$new" != "$old" ]
    vs g1 condrestart
    [ "$(init_pid g1)" != "$new" ]
    [ "$(guest_cgroup_pids g1 | wc -l)" -eq 1 ]
}

@test "init style plain runs the guest's /sbin/init as PID 1" {
    no_cgroup
    make_guest g1 plain
    root=$(guest_root g1)
    # A plain init of our own, so the test does not depend on busybox init's inittab.
    rm -f "$root/sbin/init"
    printf '#!/bin/sh\necho plain > /tmp/init-ran\nexec sleep 100000\n' >"$root/sbin/init"
    chmod 755 "$root/sbin/init"
    vs g1 start
    run vs g1 exec cat /proc/1/cmdline
    [[ $output == sleep* ]]
    run vs g1 exec cat /tmp/init-ran
    [ "$output" = plain ]
}

@test "init style sysv runs /etc/init.d/rc with the start runlevel, and rc 6 at stop" {
    no_cgroup
    make_guest g1 sysv
    root=$(guest_root g1)
    mkdir -p "$root/etc/init.d"
    printf '#!/bin/sh\necho "rc $1" >> /var-log-rc\n' >"$root/etc/init.d/rc"
    chmod 755 "$root/etc/init.d/rc"
    vs g1 start
    run vs g1 exec cat /proc/1/cmdline
    [[ $output == vs-init* ]]
    # The init is our sealed copy: /proc/1/exe is a memfd, not a host path.
    run vs g1 exec readlink /proc/1/exe
    [[ $output == *memfd:vs-init* ]]
    vs g1 stop
    run cat "$root/var-log-rc"
    [ "${lines[0]}" = "rc 3" ]
    [ "${lines[1]}" = "rc 6" ]
    assert_no_leaks g1
}

@test "apps/init/mtab and cmd.prepare run in the guest, confined, before init; a failure aborts" {
    host_only
    make_guest g1
    cfg=$(guest_cfg g1) root=$(guest_root g1)
    echo "none / rootfs rw 0 0" >"$cfg/apps/init/mtab"
    ln -sfn ../proc/self/mounts "$root/etc/mtab"
    echo /sbin/vs-prepare >"$cfg/apps/init/cmd.prepare"
    printf '%s\n' '#!/bin/sh' 'echo "prepare says hi"' \
        '{ echo "$$"; grep CapBnd /proc/self/status; hostname; cat /etc/mtab; } > /tmp/prepared' \
        >"$root/sbin/vs-prepare"
    chmod 755 "$root/sbin/vs-prepare"
    run vs g1 start
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"prepare says hi"* ]]
    run vs g1 exec cat /tmp/prepared
    echo "$output"
    # PID 2 of the guest's pid namespace (its init is 1), the init's bounding set, the guest's
    # hostname, and the configured mtab.
    [ "${lines[0]}" = 2 ]
    [ "${lines[1]}" = "$(vs g1 exec grep CapBnd /proc/1/status)" ]
    [ "${lines[2]}" = "$(vs g1 exec hostname)" ]
    [ "${lines[3]}" = "none / rootfs rw 0 0" ]
    [ ! -L "$root/etc/mtab" ]
    vs g1 stop
    printf '#!/bin/sh\necho "prepare fails"\nexit 4\n' >"$root/sbin/vs-prepare"
    run vs g1 start
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"prepare fails"* ]]
    [[ $output == *'apps/init/cmd.prepare "/sbin/vs-prepare" exited with status 4'* ]]
    run vs g1 status
    [ "$status" -eq 3 ]
    assert_no_leaks g1
}

@test "cmd.start-sync: start returns only after it; cmd.stop-sync runs after the stop runlevel" {
    host_only
    make_guest g1 sysv
    cfg=$(guest_cfg g1) root=$(guest_root g1)
    mkdir -p "$root/etc/init.d"
    # rc 3 finishes a second after the init started; start-sync waits for it, so `start`
    # returning proves that start waited for the sync command.
    printf '#!/bin/sh\n[ "$1" = 3 ] && sleep 1\necho "rc $1" >> /var-log-rc\n' \
        >"$root/etc/init.d/rc"
    printf '%s\n' '#!/bin/sh' 'until grep -q "rc 3" /var-log-rc 2>/dev/null; do sleep 0.1; done' \
        'echo start-sync >> /var-log-rc' >"$root/sbin/start-sync"
    printf '%s\n' '#!/bin/sh' \
        'echo "stop-sync $(cat /proc/1/cmdline | tr "\0" " ")" >> /var-log-rc' \
        >"$root/sbin/stop-sync"
    chmod 755 "$root/etc/init.d/rc" "$root/sbin/start-sync" "$root/sbin/stop-sync"
    echo /sbin/start-sync >"$cfg/apps/init/cmd.start-sync"
    echo /sbin/stop-sync >"$cfg/apps/init/cmd.stop-sync"
    vs g1 start
    run cat "$root/var-log-rc"
    [ "${lines[0]}" = "rc 3" ]
    [ "${lines[1]}" = "start-sync" ]
    vs g1 stop
    run cat "$root/var-log-rc"
    echo "$output"
    [ "${lines[2]}" = "rc 6" ]
    # Still inside the running guest: its PID 1 is the reaper.
    [[ ${lines[3]} == "stop-sync vs-init"* ]]
    assert_no_leaks g1
}

@test "start --rescue runs the given command as PID 1 instead of a broken init" {
    no_cgroup
    make_guest g1 plain
    rm -f "$(guest_root g1)/sbin/init"
    run vs g1 start
    [ "$status" -ne 0 ]
    [[ $output == *'init "/sbin/init" does not exist'* ]]
    vs g1 start --rescue /bin/sleep 100000
    run vs g1 exec cat /proc/1/cmdline
    [[ $output == /bin/sleep* ]]
    run vs g1 status
    [ "$status" -eq 0 ]
    run vs g1 start --rescue
    [ "$status" -eq 2 ]
    vs g1 stop
    assert_no_leaks g1
}

@test "hook scripts run at their phases with '<phase> <name>'; a failing pre-start aborts" {
    host_only
    make_guest g1
    cfg=$(guest_cfg g1)
    log=$VSERVER_PREFIX/hooks.log
    mkdir -p "$cfg/scripts/pre-start.d"
    for ph in prepre-start post-start pre-stop post-stop; do
        printf '#!/bin/sh\necho "$1 $2 $(pwd)" >> %s\n' "$log" >"$cfg/scripts/$ph"
        chmod 755 "$cfg/scripts/$ph"
    done
    printf '#!/bin/sh\necho "$1 $2 $(pwd)" >> %s\n' "$log" >"$cfg/scripts/pre-start.d/10-log"
    chmod 755 "$cfg/scripts/pre-start.d/10-log"
    vs g1 start
    vs g1 stop
    root=$(guest_root g1)
    run cat "$log"
    [ "${lines[0]}" = "prepre-start g1 $cfg" ]
    [ "${lines[1]}" = "pre-start g1 $root" ]
    [ "${lines[2]}" = "post-start g1 $root" ]
    [ "${lines[3]}" = "pre-stop g1 $root" ]
    [ "${lines[4]}" = "post-stop g1 $root" ]
    printf '#!/bin/sh\nexit 3\n' >"$cfg/scripts/pre-start.d/20-fail"
    chmod 755 "$cfg/scripts/pre-start.d/20-fail"
    run vs g1 start
    [ "$status" -eq 1 ]
    [[ $output == *"pre-start script"*"20-fail"*"exit status 3"* ]]
    run vs g1 status
    [ "$status" -eq 3 ]
    assert_no_leaks g1
}

@test "a failure inside the guest's init rolls everything back" {
    make_guest g1 plain
    rm -f "$(guest_root g1)/sbin/init"
    run vs g1 start
    [ "$status" -eq 1 ]
    [[ $output == *'/sbin/init'* ]]
    # Fails later, inside the child: a cmd.start that exists but cannot be executed.
    printf 'not a program\n' >"$(guest_root g1)/sbin/init"
    chmod 644 "$(guest_root g1)/sbin/init"
    run vs g1 start
    [ "$status" -eq 1 ]
    [[ $output == *'guest init'*'/sbin/init'* ]]
    assert_no_leaks g1
}

@test "SIGKILL of vserver during start: status is truthful, the next start repairs" {
    require_fault_injection
    make_guest g1
    for point in after-lock after-state after-cgroup after-spawn after-net after-exec; do
        run env VSERVER_FAULT=$point:kill "$VS" g1 start
        [ "$status" -eq 137 ]
        run vs g1 status
        echo "$point: $output"
        [ "$status" -eq 3 ]            # never "running" after an interrupted start
        if [ "$point" = after-exec ]; then
            [[ $output == *"interrupted start"* ]]
            [ "$(guest_cgroup_pids g1 | wc -l)" -ge 1 ]
        fi
        run vs g1 start
        [ "$status" -eq 0 ]
        run vs g1 status
        [ "$status" -eq 0 ]
        [ "$(guest_cgroup_pids g1 | wc -l)" -eq 1 ]
        vs g1 stop
        assert_no_leaks g1
    done
}

@test "SIGKILL of vserver during stop: status is truthful, the next stop repairs" {
    require_fault_injection
    make_guest g1
    for point in after-lock stopping after-kill; do
        vs g1 start
        run env VSERVER_FAULT=$point:kill "$VS" g1 stop
        [ "$status" -eq 137 ]
        run vs g1 status
        echo "$point: $output"
        if [ "$point" = after-lock ]; then
            [ "$status" -eq 0 ]        # nothing was done yet: still running
        else
            [ "$status" -eq 3 ]
        fi
        run vs g1 stop
        [ "$status" -eq 0 ]
        assert_no_leaks g1
    done
}

@test "an init that died is reported stopped and cleaned up by the next start" {
    make_guest g1
    vs g1 start
    pid=$(init_pid g1)
    kill -9 "$pid"
    while [ -n "$(guest_cgroup_pids g1)" ]; do sleep 0.05; done
    run vs g1 status
    [ "$status" -eq 3 ]
    run vs g1 start
    [ "$status" -eq 0 ]
    [ "$(init_pid g1)" != "$pid" ]
}

@test "bad guest names are refused before anything is created" {
    host_only
    for n in '../x' 'a/b' '.' '..' '' '-rf' "$(printf 'a\nb')" "$(printf 'x%.0s' $(seq 70))"; do
        run vs "$n" start
        [ "$status" -eq 2 ]
        # "-rf" never reaches the guest code: the option parser refuses it first.
        [[ $output == *"invalid guest name"* ||
           ( $n == -rf && $output == *'unknown option "-rf"'* ) ]]
        run vs "$n" status
        [ "$status" -eq 2 ]
    done
    [ -z "$(ls -A "$VSERVER_PREFIX")" ]
    [ -z "$(cgroup_parent_dirs)" ]
}

@test "a guest that does not exist: clear error naming it, exit 2, nothing created" {
    host_only
    for cmd in start stop enter restart condrestart delete status "status --json" \
               "exec /bin/true" "suexec root /bin/true" "ip list" dlimit; do
        run vs nosuch $cmd
        echo "$cmd: $status $output"
        [ "$status" -eq 2 ]
        # One line naming the guest and its missing config dir.
        [ "${#lines[@]}" -eq 1 ]
        want='guest "nosuch" does not exist (no config dir "'
        want+="$VSERVER_PREFIX/etc/vservers/nosuch\")"
        [[ $output == *"$want"* ]]
    done
    # `running` stays silent: exit 1, nothing said.
    run vs nosuch running
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [ -z "$(ls -A "$VSERVER_PREFIX")" ]
}

@test "status of a running guest whose config dir vanished still reports it" {
    host_only
    make_guest g1
    vs g1 start
    cfg=$(guest_cfg g1)
    mv "$cfg" "$cfg.away"
    run vs g1 status
    mv "$cfg.away" "$cfg"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"is running at context"* ]]
    vs g1 stop
}

@test "delete asks without a terminal and refuses; --force stops and removes everything" {
    host_only
    make_guest g1
    vs g1 start
    run vs g1 delete </dev/null
    [ "$status" -ne 0 ]
    [ -d "$(guest_root g1)" ]
    run vs g1 delete --force
    [ "$status" -eq 0 ]
    [ ! -e "$(guest_root g1)" ]
    [ ! -e "$(guest_cfg g1)" ]
    [ ! -e "$VSERVER_PREFIX/run/vservers/g1" ]
    assert_no_leaks g1
}

@test "a skeleton guest is sysv style: vs-init is PID 1, rc 3 at start, rc 6 then SIGTERM at stop" {
    no_cgroup
    local mode root pid1
    mode=$(test_userns_flag)
    # shellcheck disable=SC2086 # an empty mode is no argument
    run vs sk build -m skeleton $mode
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    VS_GUESTS+=(sk)
    [ "$(cat "$(guest_cfg sk)/apps/init/style")" = sysv ]
    # A service that rc 3 starts and that leaves on SIGTERM, also stopped by a K script of rc 6;
    # each step leaves a mark on the guest's disk (not a tmpfs: it outlives the guest).
    root=$(guest_root sk)
    cat >"$root/etc/init.d/svc" <<'SH'
#!/bin/sh
case $1 in
start)
    # The mark is written before rc returns: the test reads it as soon as start has returned.
    echo up >/var/log/svc.start
    (trap 'echo term >/var/log/svc.term; exit 0' TERM
     while :; do sleep 1000 & wait $!; done) </dev/null >/dev/null 2>&1 &
    ;;
stop) echo stop >/var/log/svc.stop ;;
esac
SH
    chmod 755 "$root/etc/init.d/svc"
    ln -s ../init.d/svc "$root/etc/rc3.d/S10svc"
    ln -s ../init.d/svc "$root/etc/rc6.d/K10svc"
    vs sk start
    [ -e "$root/var/log/svc.start" ]
    pid1=$(init_pid sk)
    # PID 1 is the project's vs-init (it runs from a sealed memfd), not busybox init, whose
    # SIGTERM handling sleeps a second after each of its own SIGTERM and SIGKILL rounds.
    [[ $(cat "/proc/$pid1/comm") == *vs-init ]]
    run vs sk stop
    echo "$output"
    [ "$status" -eq 0 ]
    [ -e "$root/var/log/svc.stop" ]
    # The service ended on the SIGTERM of the killseq, by itself: nothing needed SIGKILL.
    [ "$(cat "$root/var/log/svc.term")" = term ]
    assert_no_leaks sk
}
