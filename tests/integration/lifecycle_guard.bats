#!/usr/bin/env bats
# Guarded lifecycle: bounded guest commands (apps/init/timeout), truthful start (an init that
# dies at once, OOM), one running instance per context and root, the default pids.max, stale
# state and pid reuse, stuck guests (an init ignoring SIGTERM, a frozen guest).
# Root; everything under a temporary prefix.

load lib
bats_require_minimum_version 1.5.0

setup() { vs_setup; }
teardown() {
    # Our own host processes (pid reuse test), by pid.
    [[ -n ${HOST_PID:-} ]] && kill -9 "$HOST_PID" 2>/dev/null || true
    vs_teardown
}

set_key() {
    mkdir -p "$(dirname "$(guest_cfg "$1")/$2")"
    printf '%s\n' "$3" >"$(guest_cfg "$1")/$2"
}

# A sysv guest whose /etc/init.d/rc does what $2 says for runlevel 3 and $3 for runlevel 6.
sysv_guest() {
    make_guest "$1" sysv
    local root
    root=$(guest_root "$1")
    mkdir -p "$root/etc/init.d"
    cat >"$root/etc/init.d/rc" <<EOF
#!/bin/sh
case "\$1" in
    3) $2 ;;
    6) $3 ;;
esac
EOF
    chmod +x "$root/etc/init.d/rc"
}

# The guest's leaf in hierarchy $2: a v1 controller's dir name, or "unified" for cgroup2
# (/sys/fs/cgroup/unified on a hybrid host, /sys/fs/cgroup itself on a pure v2 one). A v1
# name never falls back to the cgroup2 dir: its files (freezer.state) are not there.
leaf() {
    local dirs=(/sys/fs/cgroup/"$2"/"$VSERVER_CGROUP_PARENT"/"$1") d
    [[ $2 == unified ]] && dirs+=(/sys/fs/cgroup/"$VSERVER_CGROUP_PARENT"/"$1")
    for d in "${dirs[@]}"; do
        [[ -d $d ]] && { echo "$d"; return 0; }
    done
    return 1
}

@test "timeout: an rc 6 that never ends does not hang stop; the guest is killed and gone" {
    host_only
    sysv_guest t1 'exit 0' 'echo rc6-looping; while :; do sleep 1; done'
    set_key t1 apps/init/timeout 2
    set_key t1 apps/init/killseq "15 1 9"
    vs t1 start
    run timeout 120 "$VS" t1 stop
    [ "$status" -eq 0 ]
    [[ $output == *"rc6-looping"* ]]
    [[ $output == *"did not finish within 2 s (apps/init/timeout)"*"killing the guest"* ]]
    run vs t1 status
    [ "$status" -eq 3 ]
    assert_no_leaks t1
}

@test "timeout: an rc 3 that never ends fails the start, names rc and the key, leaves nothing" {
    host_only
    sysv_guest t2 'echo booting; while :; do sleep 1; done' 'exit 0'
    set_key t2 apps/init/timeout 2
    run timeout 120 "$VS" t2 start
    [ "$status" -ne 0 ]
    [ "$status" -ne 124 ]
    [[ $output == *"booting"* ]]
    [[ $output == *'"/etc/init.d/rc 3" did not finish within 2 s (apps/init/timeout)'* ]]
    run vs t2 status
    [ "$status" -eq 3 ]
    assert_no_leaks t2
}

@test "timeout: a looping cmd.start-sync or pre-start hook fails the start; nothing stays" {
    host_only
    make_guest t3
    set_key t3 apps/init/timeout 1
    printf 'sh\n-c\nwhile :; do sleep 1; done\n' >"$(guest_cfg t3)/apps/init/cmd.start-sync"
    run timeout 120 "$VS" t3 start
    [ "$status" -ne 0 ]
    [[ $output == *"apps/init/cmd.start-sync"*"did not finish within 1 s"* ]]
    assert_no_leaks t3

    rm "$(guest_cfg t3)/apps/init/cmd.start-sync"
    mkdir -p "$(guest_cfg t3)/scripts"
    marker="$VSERVER_PREFIX/hook-child"
    printf '#!/bin/sh\nsleep 1000 &\necho $! >%s\nwhile :; do sleep 1; done\n' "$marker" \
        >"$(guest_cfg t3)/scripts/pre-start"
    chmod +x "$(guest_cfg t3)/scripts/pre-start"
    run timeout 120 "$VS" t3 start
    [ "$status" -ne 0 ]
    [[ $output == *'pre-start script'*'did not finish within 1 s (apps/init/timeout)'\
' and was killed'* ]]
    assert_no_leaks t3
    # What the hook started went with it (its process group).
    child=$(cat "$marker")
    ! kill -0 "$child" 2>/dev/null || grep -q '^State:.*Z' /proc/$child/status
}

@test "apps/init/timeout: bad values are refused naming the file; none/0 accepted" {
    host_only
    make_guest t4
    set_key t4 apps/init/timeout soon
    run vs t4 start
    [ "$status" -eq 2 ]
    [[ $output == *"apps/init/timeout"*"soon"* ]]
    set_key t4 apps/init/timeout none
    vs t4 start
    vs t4 stop
    assert_no_leaks t4
}

@test "truthful start: an init that exits at once fails start with its status; nothing stays" {
    no_cgroup
    make_guest d1 plain
    printf '/bin/sh\n-c\nexit 7\n' >"$(guest_cfg d1)/apps/init/cmd.start"
    run vs d1 start
    [ "$status" -ne 0 ]
    [[ $output == *"its init exited with status 7"* ]]
    run vs d1 status
    [ "$status" -eq 3 ]
    assert_no_leaks d1
}

@test "truthful start: an init that computes a while and exits, never waiting, fails start" {
    no_cgroup
    # What a slow CPU makes of any init that exits at once: it is still running when start's
    # exec handshake ends. start watches it until it waits for something or is gone.
    make_guest d4 plain
    printf '/bin/sh\n-c\ni=0; while [ $i -lt 5000 ]; do i=$((i+1)); done; exit 9\n' \
        >"$(guest_cfg d4)/apps/init/cmd.start"
    run vs d4 start
    [ "$status" -ne 0 ]
    [[ $output == *"its init exited with status 9"* ]]
    run vs d4 status
    [ "$status" -eq 3 ]
    assert_no_leaks d4
}

@test "truthful start: an init killed at exec (small rlimits/as) fails start naming signal+rlimit" {
    no_cgroup
    make_guest d2 plain
    echo 300000 >"$(guest_cfg d2)/rlimits/as" 2>/dev/null ||
        { mkdir -p "$(guest_cfg d2)/rlimits"; echo 300000 >"$(guest_cfg d2)/rlimits/as"; }
    run vs d2 start
    [ "$status" -ne 0 ]
    [[ $output == *"its init was killed by signal "*"rlimits/as is 293K"* ]]
    assert_no_leaks d2
}

@test "truthful start: OOM at start fails with the OOM killer hint and the limit; nothing stays" {
    make_guest d3 plain
    set_key d3 limits/memory.max 100K
    run vs d3 start
    [ "$status" -ne 0 ]
    want="its init was killed by signal 9 (SIGKILL); killed by the OOM killer: its memory limit"
    want+=" (limits/memory.max or rlimits/rss) is 100K"
    [[ $output == *"$want"* ]]
    assert_no_leaks d3
}

@test "identity: two guests with the same context never run at once; the second names the first" {
    host_only
    make_guest c1
    make_guest c2
    ctx=$(cat "$(guest_cfg c1)/context")
    echo "$ctx" >"$(guest_cfg c2)/context"
    vs c1 start
    run vs c2 start
    [ "$status" -ne 0 ]
    [[ $output == *"guest \"c2\": its context $ctx is in use by running guest \"c1\""* ]]
    assert_no_leaks c2
    vs c1 stop
    vs c2 start
    run vs c1 start
    [ "$status" -ne 0 ]
    [[ $output == *"in use by running guest \"c2\""* ]]
    vs c2 stop
    # A dead holder (start SIGKILLed after it claimed) does not block the other guest.
    if grep -q VSERVER_FAULT "$VS"; then
        run env VSERVER_FAULT=after-state:kill "$VS" c1 start
        [ "$status" -eq 137 ]
        vs c2 start
        vs c2 stop
        vs c1 stop 2>/dev/null || true
    fi
}

@test "identity: concurrent starts of two guests with one context: exactly one runs" {
    host_only
    make_guest r1
    make_guest r2
    cp "$(guest_cfg r1)/context" "$(guest_cfg r2)/context"
    for i in 1 2 3 4 5; do
        vs r1 start >/dev/null 2>&1 &
        a=$!
        vs r2 start >/dev/null 2>&1 &
        b=$!
        ra=0 rb=0
        wait $a || ra=$?
        wait $b || rb=$?
        # Exactly one succeeded, and exactly one guest runs.
        [ $(( (ra == 0) + (rb == 0) )) -eq 1 ]
        n=0
        vs r1 running && n=$((n + 1))
        vs r2 running && n=$((n + 1))
        [ "$n" -eq 1 ]
        vs r1 stop >/dev/null 2>&1 || true
        vs r2 stop >/dev/null 2>&1 || true
    done
}

@test "identity: an alias config dir (symlink to another guest's) cannot start a second instance" {
    host_only
    make_guest a1
    ln -sfn "$(guest_root a1)" "$(guest_cfg a1)/vdir"
    ln -s a1 "$VSERVER_PREFIX/etc/vservers/a1alias"
    VS_GUESTS+=(a1alias)
    vs a1 start
    run vs a1alias start
    [ "$status" -ne 0 ]
    [[ $output == *"in use by running guest \"a1\""* ]]
    vs a1 stop
    # Another context on the same root (vdir): the root is claimed too.
    make_guest a2
    ln -sfn "$(guest_root a1)" "$(guest_cfg a2)/vdir"
    echo 4999 >"$(guest_cfg a2)/context"
    vs a1 start
    run vs a2 start
    [ "$status" -ne 0 ]
    [[ $output == *"its root"*"is in use by running guest \"a1\""* ]]
    vs a1 stop
}

@test "default pids.max: 15% of min(pid_max, threads-max) in cgroup, vserver-stat; max lifts it" {
    make_guest p1
    pm=$(cat /proc/sys/kernel/pid_max)
    tm=$(cat /proc/sys/kernel/threads-max)
    want=$(( (pm < tm ? pm : tm) * 15 / 100 ))
    vs p1 start
    d=$(leaf p1 pids) || d=$(leaf p1 unified)
    [ "$(cat "$d/pids.max")" = "$want" ]
    run "$VS_BIN/vserver-stat" --json
    [ "$status" -eq 0 ]
    got=$(echo "$output" | python3 -c 'import json,sys
print([r for r in json.load(sys.stdin) if r["name"]=="p1"][0]["cgroup"]["pids_max"])')
    [ "$got" = "$want" ]
    vs p1 stop
    set_key p1 limits/pids.max max
    vs p1 start
    d=$(leaf p1 pids) || d=$(leaf p1 unified)
    [ "$(cat "$d/pids.max")" = max ]
    vs p1 stop
}

@test "default pids.max: a fork loop without limits/ hits EAGAIN; the host forks; stop works" {
    make_guest p2
    pid_max=$(cat /proc/sys/kernel/pid_max) threads_max=$(cat /proc/sys/kernel/threads-max)
    want=$(( pid_max < threads_max ? pid_max : threads_max ))
    want=$(( want * 15 / 100 ))
    [ "$want" -le 20000 ] || skip "default limit $want too large for this host's test"
    vs p2 start
    # Sleepers until fork fails; the shell reports the failure and stops.
    # Sleepers until fork fails (busybox sh then stops with "can't fork").
    run vs p2 exec sh -c 'i=0; while [ $i -lt 30000 ]; do
        sleep 1000 </dev/null >/dev/null 2>&1 & i=$((i+1))
    done'
    [[ $output == *"Resource temporarily unavailable"* ]]
    d=$(leaf p2 pids) || d=$(leaf p2 unified)
    n=$(cat "$d/pids.current")
    [ "$n" -le "$want" ]
    [ "$n" -gt $((want - 10)) ]
    # The host still forks.
    /bin/true
    run timeout 300 "$VS" p2 stop
    [ "$status" -eq 0 ]
    assert_no_leaks p2
}

@test "E43: init died and its pid reused by a host process: status, exec and stop never touch it" {
    no_cgroup
    make_guest e1
    vs e1 start
    st=$(guest_state e1)
    old=$(init_pid e1)
    kill -9 "$old"
    # Wait for the guest to die (its init's death empties the pid namespace).
    for i in $(seq 100); do [ -z "$(guest_cgroup_pids e1)" ] && break; sleep 0.1; done
    # A host process of ours now carries the pid the state names (same pid, other start time).
    sleep 1000 &
    HOST_PID=$!
    sed -i "s/\"init_pid\": *[0-9]*/\"init_pid\": $HOST_PID/" "$st"
    [ "$(init_pid e1)" = "$HOST_PID" ]
    run vs e1 status
    [ "$status" -eq 3 ]
    run vs e1 exec true
    [ "$status" -ne 0 ]
    [[ $output == *"not running"* ]]
    run vs e1 stop
    [ "$status" -eq 0 ]
    kill -0 "$HOST_PID"
    grep -q '^State:.*[SR]' /proc/$HOST_PID/status
    assert_no_leaks e1
}

@test "E43: the run dir lost while the guest runs: status says broken, stop kills by cgroup" {
    make_guest e2
    vs e2 start
    rm -rf "$VSERVER_PREFIX/run/vservers/e2"
    run vs e2 status
    [[ $output == *"processes without state"* ]]
    run vs e2 exec true
    [ "$status" -ne 0 ]
    vs e2 stop
    assert_no_leaks e2
}

@test "stuck: an init that ignores SIGTERM is stopped by the kill sequence's SIGKILL" {
    make_guest s1 plain
    printf '/bin/sh\n-c\ntrap "" TERM; while :; do sleep 1; done\n' \
        >"$(guest_cfg s1)/apps/init/cmd.start"
    set_key s1 apps/init/killseq "15 1 9"
    vs s1 start
    run timeout 120 "$VS" s1 stop
    [ "$status" -eq 0 ]
    assert_no_leaks s1
}

@test "stuck: a frozen guest (v1 freezer, cgroup.freeze) is stopped; delete --force returns" {
    local tried=0
    for how in v1 v2; do
        make_guest "f$how"
        vs "f$how" start
        vs "f$how" exec sh -c 'sleep 1000 </dev/null >/dev/null 2>&1 &'
        if [[ $how == v1 ]]; then
            d=$(leaf "f$how" freezer) || { vs "f$how" stop; continue; }
            echo FROZEN >"$d/freezer.state"
            for i in $(seq 50); do
                [ "$(cat "$d/freezer.state")" = FROZEN ] && break
                sleep 0.1
            done
        else
            d=$(leaf "f$how" unified) || { vs "f$how" stop; continue; }
            [ -e "$d/cgroup.freeze" ] || { vs "f$how" stop; continue; }
            echo 1 >"$d/cgroup.freeze"
        fi
        tried=$((tried + 1))
        run timeout 120 "$VS" "f$how" stop
        [ "$status" -eq 0 ]
        [[ $output == *"is frozen"* ]]
        assert_no_leaks "f$how"
        # delete --force of a frozen running guest.
        vs "f$how" start
        if [[ $how == v1 ]]; then
            echo FROZEN >"$d/freezer.state"
        else
            echo 1 >"$d/cgroup.freeze"
        fi
        run timeout 120 "$VS" "f$how" delete --force
        [ "$status" -eq 0 ]
        [ ! -e "$(guest_cfg "f$how")" ]
        assert_no_leaks "f$how"
    done
    [ "$tried" -ge 1 ]
}
