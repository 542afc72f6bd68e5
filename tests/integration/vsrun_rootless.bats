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

# as_subuser ARGS: as_user, in a mount namespace of its own where /etc/passwd and /etc/group
# name the user (newuidmap and newgidmap look it up) and /etc/subuid and /etc/subgid are
# $RL/etc/sub{u,g}id, bound over the real files, which stay untouched. PATH is $RL_PATH if set.
as_subuser() {
    unshare -m --propagation private -- bash -c '
        set -e
        rl=$1 uid=$2 path=$3
        shift 3
        for f in passwd group subuid subgid; do mount --bind "$rl/etc/$f" "/etc/$f"; done
        exec setpriv --reuid "$uid" --regid "$uid" --clear-groups -- \
            env XDG_RUNTIME_DIR="$rl/xdg" PATH="$path" "$@"' \
        as_subuser "$RL" "$RL_UID" "${RL_PATH:-$PATH}" "$VSRUN" "$@"
}

# subids UIDLINE GIDLINE: the user's account and its subordinate ids (e.g. "vsrl:1300000:65536")
# for as_subuser.
subids() {
    [[ -f /etc/subuid && -f /etc/subgid ]] || skip "no /etc/subuid and /etc/subgid to bind over"
    mkdir -p "$RL/etc"
    cp /etc/passwd "$RL/etc/passwd"
    echo "vsrl:x:$RL_UID:$RL_UID::/nonexistent:/usr/sbin/nologin" >>"$RL/etc/passwd"
    cp /etc/group "$RL/etc/group"
    echo "vsrl:x:$RL_UID:" >>"$RL/etc/group"
    echo "$1" >"$RL/etc/subuid"
    echo "$2" >"$RL/etc/subgid"
}

# rl_maps UIDMAPS GIDMAPS: the bundle's linux.uidMappings and gidMappings, as JSON arrays of
# [containerID, hostID, size].
rl_maps() {
    edit_spec "$RL/b" --argjson u "$1" --argjson g "$2" '
        def m: map({"containerID": .[0], "hostID": .[1], "size": .[2]});
        .linux.uidMappings = ($u | m) | .linux.gidMappings = ($g | m)'
    chown "$RL_UID:$RL_UID" "$RL/b/config.json"
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
    run as_user events c1
    [ "$status" -eq 1 ]
    [[ $output == *"events of container c1: it has no cgroup of its own (rootless"* ]]
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
    try '.linux.uidMappings[0].containerID = 1000' \
        'process.user.uid 0: not mapped by linux.uidMappings ([1000 '"$RL_UID"' 1])'
    try '.linux.namespaces = [.linux.namespaces[] | select(.type != "pid")]' \
        'linux.namespaces: a rootless container without a cgroup its user may write'
    try '.process.user.uid = 1000' \
        'process.user.uid 1000: linux.uidMappings maps container id 0 alone'
    try '.process.user.additionalGids = [5]' \
        'process.user.additionalGids: a rootless container mapping only its caller'"'"'s gid'
    try '.process.oomScoreAdj = -10' 'process.oomScoreAdj -10 is below'
    # Idmapped mounts: the kernel takes MOUNT_ATTR_IDMAP only from a holder of CAP_SYS_ADMIN
    # over the user namespace of the source's filesystem, the host's here.
    local n
    n=$(jq '.mounts | length' "$RL/orig.json")
    try '.mounts += [{"destination": "/mnt", "type": "bind", "source": "/tmp",
        "options": ["rbind"], "uidMappings": [{"containerID": 0, "hostID": '"$RL_UID"',
        "size": 1}], "gidMappings": [{"containerID": 0, "hostID": '"$RL_UID"', "size": 1}]}]' \
        "mounts[$n].uidMappings: vsrun runs as uid $RL_UID: a rootless container cannot have"
    try '.mounts += [{"destination": "/mnt", "type": "bind", "source": "/tmp",
        "options": ["rbind", "idmap"]}]' \
        "mounts[$n].options: \"idmap\": vsrun runs as uid $RL_UID: a rootless container cannot"
    try '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 999999999}]' \
        'process.rlimits RLIMIT_NOFILE: hard limit 999999999 is above'
    try '.linux.namespaces = [.linux.namespaces[] | select(.type != "user")] |
         del(.linux.uidMappings, .linux.gidMappings)' 'linux.namespaces: vsrun runs as uid'
    # A namespace another uid owns, joined by path: opened once, its error as the kernel gave it.
    jq '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] +
        [{"type": "network", "path": "/proc/1/ns/net"}]' "$RL/orig.json" >"$RL/b/config.json"
    run as_user create -b "$RL/b" f1
    [ "$status" -eq 1 ]
    [[ $output == *'linux.namespaces[6].path "/proc/1/ns/net": open'*'Permission denied'* ]]
    [ ! -e "$RL/xdg/vsrun/f1" ]
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
    # The levels above the delegated subtree are root's: not writing them is no warning.
    # (into a file: the init keeps its stdio, a pipe would never end)
    in_leaf create -b "$RL/b" d1 2>"$RL/create.err"
    cat "$RL/create.err"
    [[ $(<"$RL/create.err") != *warning* ]]
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

@test "rootless: ranges from /etc/subuid and /etc/subgid through newuidmap; groups apply" {
    no_cgroup
    subids vsrl:1300000:65536 vsrl:1400000:65536
    local s='touch /tmp/f && chown 1000:1000 /tmp/f && id -u && id -g'
    s+=' && grep Groups /proc/self/status'
    s+=' && cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'
    s+=' && su -s /bin/sh -c "id -u" nobody'
    rl_bundle sh -c "$s"
    rl_maps "[[0, $RL_UID, 1], [1, 1300000, 65536]]" "[[0, $RL_UID, 1], [1, 1400000, 65536]]"
    # chown and su need what runc's rootless default leaves out.
    edit_spec "$RL/b" '.root.readonly = false | .process.user.additionalGids = [5, 1000] |
        .process.capabilities |= with_entries(select(.key != "ambient") |
            .value += ["CAP_CHOWN", "CAP_SETUID", "CAP_SETGID"])'
    echo "nobody:x:65534:65534::/:/bin/sh" >>"$VSRUN_ROOTFS/etc/passwd"
    run as_subuser run -b "$RL/b" s1
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 0 ]
    [ "${lines[1]}" = 0 ]
    [[ ${lines[2]} =~ ^Groups:[[:space:]]+5\ 1000\ *$ ]]
    [[ ${lines[3]} =~ ^\ +0\ +$RL_UID\ +1$ ]]
    [[ ${lines[4]} =~ ^\ +1\ +1300000\ +65536$ ]]
    [[ ${lines[6]} =~ ^\ +1\ +1400000\ +65536$ ]]
    [ "${lines[7]}" = allow ]
    [ "${lines[8]}" = 65534 ]
    # Container id 1000 is host id 1300000 + 999.
    [ "$(stat -c %u:%g "$VSRUN_ROOTFS/tmp/f")" = 1300999:1400999 ]
    [ -z "$(ls -A "$RL/xdg/vsrun")" ]
}

@test "rootless: ranges newuidmap refuses, or no newuidmap: the field and the cause; nothing left" {
    no_cgroup
    subids vsrl:1300000:65536 vsrl:1400000:65536
    rl_bundle sleep 300
    cp "$RL/b/config.json" "$RL/orig.json"
    refused() {
        cp "$RL/orig.json" "$RL/b/config.json"
        rl_maps "$1" "$2"
        run as_subuser create -b "$RL/b" x1
        echo "$output"
        [ "$status" -eq 1 ]
        [[ $output == *"$RL/b/config.json: $3"* ]]
        local part
        for part in "${@:4}"; do [[ $output == *"$part"* ]]; done
        [ ! -e "$RL/xdg/vsrun/x1" ]
        [ -z "$(ps -o pid=,stat= -u "$RL_UID" | grep -v ' Z')" ]
        [ -z "$(find /sys/fs/cgroup -maxdepth 4 -name x1)" ]
    }
    # Outside the user's /etc/subuid: found in the files before anything exists, naming the
    # entry, the first id, the file, the user and its ranges.
    refused "[[0, $RL_UID, 1], [1, 1200000, 65536]]" "[[0, $RL_UID, 1]]" \
        "linux.uidMappings[1] [1 1200000 65536]: host uid 1200000 is not in the ranges" \
        "/etc/subuid gives user vsrl (uid $RL_UID): 1300000-1365535"
    refused "[[0, 0, 1]]" "[[0, $RL_UID, 1]]" \
        "linux.uidMappings[0] [0 0 1]: host uid 0 is not in the ranges /etc/subuid gives"
    refused "[[0, $RL_UID, 1], [1, 1300000, 65537]]" "[[0, $RL_UID, 1]]" \
        "linux.uidMappings[1] [1 1300000 65537]: host uid 1365536 is not in the ranges"
    refused "[[0, $RL_UID, 1]]" "[[0, $RL_UID, 1], [1, 1300000, 65536]]" \
        "linux.gidMappings[1] [1 1300000 65536]: host gid 1300000 is not in the ranges" \
        "/etc/subgid gives user vsrl (uid $RL_UID): 1400000-1465535"
    # No range for the user at all, or no file: the line to add, or the file missing.
    echo "someone:1300000:65536" >"$RL/etc/subuid"
    refused "[[0, $RL_UID, 1], [1, 1300000, 65536]]" "[[0, $RL_UID, 1]]" \
        "linux.uidMappings: [0 $RL_UID 1], [1 1300000 65536]: /etc/subuid gives user vsrl" \
        "(uid $RL_UID) no range of uids" '"vsrl:START:COUNT"'
    # By uid, as newuidmap matches too: the check lets the helper map it.
    echo "$RL_UID:1300000:65536" >"$RL/etc/subuid"
    cp "$RL/orig.json" "$RL/b/config.json"
    rl_maps "[[0, $RL_UID, 1], [1, 1300000, 65536]]" "[[0, $RL_UID, 1]]"
    edit_spec "$RL/b" '.process.args = ["true"]'
    as_subuser run -b "$RL/b" x0
    # An additional gid the map leaves out: refused before anything runs.
    cp "$RL/orig.json" "$RL/b/config.json"
    rl_maps "[[0, $RL_UID, 1], [1, 1300000, 65536]]" "[[0, $RL_UID, 1], [1, 1400000, 100]]"
    edit_spec "$RL/b" '.process.user.additionalGids = [5, 1000]'
    run as_subuser create -b "$RL/b" x1
    [ "$status" -eq 1 ]
    [[ $output == *"process.user.additionalGids: gid 1000 is not mapped by linux.gidMappings"* ]]
    [[ $output == *"([0 $RL_UID 1], [1 1400000 100])"* ]]
    # No newuidmap on PATH: what is missing and why it is needed.
    mkdir "$RL/nopath"
    RL_PATH=$RL/nopath refused "[[0, $RL_UID, 1], [1, 1300000, 65536]]" "[[0, $RL_UID, 1]]" \
        "linux.uidMappings: [0 $RL_UID 1], [1 1300000 65536]: vsrun runs as uid $RL_UID" \
        'through newuidmap (Debian package uidmap), which it cannot run' \
        'No such file or directory'
    # The caller's own id alone needs no helper.
    jq '.process.args = ["true"]' "$RL/orig.json" >"$RL/b/config.json"
    RL_PATH=$RL/nopath as_subuser run -b "$RL/b" x2
}

@test "rootless: a user namespace joined by path that maps no gid 5: /dev/pts without gid=5" {
    no_cgroup
    # The user's own namespace, mapping its uid and gid alone (as unshare -r does).
    setpriv --reuid "$RL_UID" --regid "$RL_UID" --clear-groups -- \
        unshare --user --map-root-user sleep 300 &
    local up=$! i
    RL_PIDS+=("$up")
    for i in $(seq 50); do
        [[ $(readlink /proc/$up/ns/user) != "$(readlink /proc/self/ns/user)" ]] &&
            grep -q . /proc/$up/gid_map 2>/dev/null && break
        sleep 0.1
    done
    rl_bundle sh -c 'cat /proc/self/gid_map; grep " /dev/pts " /proc/self/mounts'
    edit_spec "$RL/b" --arg p "/proc/$up/ns/user" '
        .linux.namespaces = [.linux.namespaces[] | select(.type != "user")] +
            [{"type": "user", "path": $p}] | del(.linux.uidMappings, .linux.gidMappings)'
    run as_user run -b "$RL/b" j1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ ${lines[0]} =~ ^\ +0\ +$RL_UID\ +1$ ]]
    [[ ${lines[1]} == *devpts* && ${lines[1]} != *gid=5* ]]
    kill "$up"
    wait "$up" || true
}
