#!/usr/bin/env bats
# vsrun as an unprivileged user (rootless, as runc's): a bundle from `spec --rootless` runs in
# its own user namespace mapping container root to the caller's uid, its state under
# $XDG_RUNTIME_DIR/vsrun, without a cgroup the user may not write; what cannot work unprivileged
# is refused before anything is made, naming the config.json field.

load lib
load vsrun_lib

# An unprivileged uid no account of this machine uses: every process it runs here is ours.
RL_UID=61731

setup() {
    vsrun_setup
    chmod 711 "$VSERVER_PREFIX"
    RL=$VSERVER_PREFIX/rl
    mkdir -p "$RL/xdg" "$RL/b"
    chmod 700 "$RL/xdg"
    ln -s "$VSRUN_ROOTFS" "$RL/b/rootfs"
    chown -R "$RL_UID:$RL_UID" "$RL" "$VSRUN_ROOTFS"
    # The container's processes by host pid, for the teardown and the leak checks.
    RL_PIDS=()
}

# as_user ARGS: vsrun as RL_UID, no supplementary groups, its runtime dir set.
as_user() {
    setpriv --reuid "$RL_UID" --regid "$RL_UID" --clear-groups -- \
        env XDG_RUNTIME_DIR="$RL/xdg" "$VSRUN" "$@"
}

# gone PID: no such process, or a zombie its new parent (init, a subreaper) has yet to reap.
gone() {
    local st
    st=$(ps -o stat= -p "$1" || true)
    [[ -z $st || $st == Z* ]]
}

rl_state() { as_user state "$1" | jq -r ".$2"; }

# The user's own bundle: `spec --rootless`, without a terminal, running ARGS.
rl_bundle() {
    as_user spec --rootless --bundle "$RL/b"
    local args
    args=$(printf '%s\n' "$@" | jq -R . | jq -s -c .)
    edit_spec "$RL/b" --argjson a "$args" '.process.terminal = false | .process.args = $a'
    chown "$RL_UID:$RL_UID" "$RL/b/config.json"
}

teardown() {
    local id leaked=0
    if [[ -d $RL/xdg/vsrun ]]; then
        for id in $(ls "$RL/xdg/vsrun"); do
            echo "left container $id"
            leaked=1
            "$VSRUN" --root "$RL/xdg/vsrun" delete --force "$id" >/dev/null 2>&1 || true
        done
    fi
    local pid
    for pid in "${RL_PIDS[@]}"; do
        if ! gone "$pid"; then
            echo "left process $pid"
            leaked=1
            kill -9 "$pid" 2>/dev/null || true
        fi
    done
    if [[ -n ${RL_CG:-} && -d $RL_CG ]]; then
        local d
        for d in $(find "$RL_CG" -mindepth 1 -depth -type d); do
            [[ $d == "$RL_CG/caller" ]] || { echo "left cgroup $d"; leaked=1; }
            rmdir "$d" || leaked=1
        done
        rmdir "$RL_CG" || leaked=1
    fi
    vsrun_teardown || leaked=1
    [[ $leaked -eq 0 ]]
}

@test "rootless: spec --rootless runs; uid 0 inside is the caller's uid outside; no state left" {
    no_cgroup
    rl_bundle sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/setgroups; ls /proc/self/fd'
    # fd 7 of the caller never reaches the container.
    run as_user run -b "$RL/b" r1 7</dev/null
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 0 ]
    [ "${lines[1]}" = 0 ]
    [[ ${lines[2]} =~ ^\ +0\ +$RL_UID\ +1$ ]]
    [ "${lines[3]}" = deny ]
    [[ $output != *$'\n7'* ]]
    [ -d "$RL/xdg/vsrun" ]
    [ -z "$(ls -A "$RL/xdg/vsrun")" ]
    # Without XDG_RUNTIME_DIR and --root: one line saying what to give.
    run setpriv --reuid "$RL_UID" --regid "$RL_UID" --clear-groups -- \
        env -u XDG_RUNTIME_DIR "$VSRUN" run -b "$RL/b" r2
    [ "$status" -eq 1 ]
    [[ $output == *"run: vsrun runs as uid $RL_UID and XDG_RUNTIME_DIR is not set"*"--root DIR"* ]]
    # --root is honoured.
    run as_user --root "$RL/own" run -b "$RL/b" r3
    [ "$status" -eq 0 ]
    [ -d "$RL/own" ] && [ -z "$(ls -A "$RL/own")" ]
}

@test "rootless: create, state, start, exec, ps, kill, delete; pause refused without a cgroup" {
    no_cgroup
    rl_bundle sleep 300
    as_user create -b "$RL/b" c1
    local pid
    pid=$(rl_state c1 pid)
    RL_PIDS+=("$pid")
    [ "$(rl_state c1 status)" = created ]
    [ "$(rl_state c1 owner)" = "$RL_UID" ]
    [ "$(stat -c %u "$RL/xdg/vsrun/c1")" = "$RL_UID" ]
    as_user start c1
    [ "$(rl_state c1 status)" = running ]
    # The host sees the caller's uid; the container its root.
    [ "$(ps -o uid= -p "$pid" | tr -d ' ')" = "$RL_UID" ]
    run as_user exec c1 sh -c 'id -u; echo $$'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 0 ]
    as_user exec c1 sleep 300 &
    local ep=$!
    local i n=0
    for i in $(seq 50); do
        n=$(as_user ps --format json c1 | jq length)
        [[ $n -eq 2 ]] && break
        sleep 0.1
    done
    as_user ps --format json c1
    [ "$n" -eq 2 ]
    as_user ps --format json c1 | jq -e --argjson p "$pid" 'index($p) != null'
    RL_PIDS+=($(as_user ps --format json c1 | jq -r '.[]'))
    run as_user pause c1
    [ "$status" -eq 1 ]
    [[ $output == *"pause container c1: it has no cgroup of its own (rootless"* ]]
    run as_user delete c1
    [ "$status" -eq 1 ]
    as_user kill c1 KILL
    wait "$ep" || true
    for i in $(seq 50); do
        [[ $(rl_state c1 status) == stopped ]] && break
        sleep 0.1
    done
    [ "$(rl_state c1 status)" = stopped ]
    as_user delete c1
    [ ! -e "$RL/xdg/vsrun/c1" ]
    for pid in "${RL_PIDS[@]}"; do gone "$pid"; done
}

@test "rootless: limits without a cgroup, foreign ids, groups refused by field; nothing left" {
    no_cgroup
    rl_bundle true
    cp "$RL/b/config.json" "$RL/orig.json"
    try() {
        jq "$1" "$RL/orig.json" >"$RL/b/config.json"
        run as_user create -b "$RL/b" f1
        echo "$output"
        [ "$status" -eq 1 ]
        [[ $output == *"$RL/b/config.json: $2"* ]]
        [ ! -e "$RL/xdg/vsrun/f1" ]
    }
    try '.linux.resources = {"memory": {"limit": 67108864}}' \
        'linux.resources.memory.limit: a rootless container has limits only in a cgroup its user'
    try '.linux.resources = {"pids": {"limit": 10}}' 'linux.resources.pids.limit: a rootless'
    try '.linux.uidMappings[0].hostID = 0' \
        'linux.uidMappings: [0 0 1]: without root vsrun maps only its own id'
    try '.linux.gidMappings[0].size = 2' 'linux.gidMappings: [0 '"$RL_UID"' 2]: without root'
    try '.linux.uidMappings[0].containerID = 1000' \
        'linux.uidMappings: [1000 '"$RL_UID"' 1]: without root vsrun maps only its own id'
    try '.linux.namespaces = [.linux.namespaces[] | select(.type != "pid")]' \
        'linux.namespaces: a rootless container without a cgroup its user may write'
    try '.process.user.uid = 1000' \
        'process.user.uid 1000: linux.uidMappings maps container uid 0 alone'
    try '.process.user.additionalGids = [5]' \
        'process.user.additionalGids: a rootless container cannot set groups'
    try '.process.oomScoreAdj = -10' 'process.oomScoreAdj -10 is below'
    try '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 999999999}]' \
        'process.rlimits RLIMIT_NOFILE: hard limit 999999999 is above'
    try '.linux.namespaces = [.linux.namespaces[] | select(.type != "user")] |
         del(.linux.uidMappings, .linux.gidMappings)' 'linux.namespaces: vsrun runs as uid'
    try '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] +
         [{"type": "network", "path": "/proc/1/ns/net"}]' \
        'linux.namespaces network: open "/proc/1/ns/net"'
    # Device rules are no limit: left to the host, as runc's rootless mode does.
    jq '.linux.resources = {"devices": [{"allow": false, "access": "rwm"}]}' "$RL/orig.json" \
        >"$RL/b/config.json"
    as_user run -b "$RL/b" d1
    # A create that fails in the container's init (no such program): no state dir, no process.
    jq '.process.args = ["/no/such/program"]' "$RL/orig.json" >"$RL/b/config.json"
    run as_user create -b "$RL/b" f2
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *'process.args[0]: exec "/no/such/program"'* ]]
    [ ! -e "$RL/xdg/vsrun/f2" ]
    [ -z "$(ps -o pid=,stat= -u "$RL_UID" | grep -v ' Z')" ]
}

@test "rootless: a delegated cgroup2 subtree is used: its limit applied, pause and delete work" {
    # It enables controllers in the root's cgroup.subtree_control: only in the VM, whose
    # cgroups are the tests' own, never on a host whose cgroups are the machine's.
    [[ -n ${VS_TEST_VM:-} && $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]] ||
        skip "cgroup v2 delegation (the VM)"
    # What systemd's Delegate= gives a user: a subtree, its cgroup.procs and
    # cgroup.subtree_control owned by the user, the caller itself in a leaf below it.
    local top=/sys/fs/cgroup
    RL_CG=$top/$VSERVER_CGROUP_PARENT-rl
    mkdir -p "$RL_CG/caller"
    local c
    for c in memory pids; do
        grep -qw "$c" "$top/cgroup.subtree_control" || echo "+$c" >"$top/cgroup.subtree_control"
    done
    echo "+memory +pids" >"$RL_CG/cgroup.subtree_control"
    chown "$RL_UID:$RL_UID" "$RL_CG" "$RL_CG"/cgroup.{procs,subtree_control,threads} \
        "$RL_CG/caller" "$RL_CG/caller"/cgroup.{procs,threads}
    rl_bundle sleep 300
    edit_spec "$RL/b" --arg p "/$VSERVER_CGROUP_PARENT-rl/d1" \
        '.linux.cgroupsPath = $p | .linux.resources = {"memory": {"limit": 67108864}}'
    # The caller joins its leaf first (as root, then drops to the user).
    in_leaf() { bash -c 'echo $$ >"$0/cgroup.procs" && as_user "$@"' "$RL_CG/caller" "$@"; }
    export -f as_user
    export RL RL_UID VSRUN
    in_leaf create -b "$RL/b" d1
    RL_PIDS+=("$(rl_state d1 pid)")
    [ "$(cat "$RL_CG/d1/memory.max")" = 67108864 ]
    [ "$(stat -c %u "$RL_CG/d1")" = "$RL_UID" ]
    grep -qx "$(rl_state d1 pid)" "$RL_CG/d1/cgroup.procs"
    in_leaf start d1
    in_leaf pause d1
    [ "$(rl_state d1 status)" = paused ]
    in_leaf resume d1
    [ "$(rl_state d1 status)" = running ]
    in_leaf delete --force d1
    [ ! -e "$RL_CG/d1" ]
    [ ! -e "$RL/xdg/vsrun/d1" ]
}
