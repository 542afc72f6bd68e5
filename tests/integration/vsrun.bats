#!/usr/bin/env bats
# vsrun, the OCI runtime: the lifecycle verbs on a busybox-static bundle, their state JSON and
# the spec's edges (create without start, delete while running, kill after stop, a dead init,
# concurrent creates), fds from the caller, and bad input leaving nothing behind.

load lib
load vsrun_lib

setup() { vsrun_setup; }
teardown() {
    vsrun_teardown
    # A network namespace a test made with ip netns add (VSRUN_NETNS).
    if [[ -n ${VSRUN_NETNS:-} ]]; then ip netns delete "$VSRUN_NETNS" 2>/dev/null || true; fi
}

@test "run: /bin/true exits 0, false exits 1, and nothing is left" {
    b=$(make_bundle t1 /bin/true)
    run vsrun run --bundle "$b" t1
    [ "$status" -eq 0 ]
    b=$(make_bundle t2 /bin/sh -c 'exit 7')
    run vsrun run -b "$b" t2
    [ "$status" -eq 7 ]
    # The new network namespace's lo is up (IFF_UP), as runc and crun leave it.
    b=$(make_bundle t3 /bin/sh -c 'echo $(($(cat /sys/class/net/lo/flags) & 1))')
    run vsrun run -b "$b" t3
    [ "$status" -eq 0 ]
    [ "$output" = 1 ]
    [ -z "$(ls -A "$VSRUN_ROOT")" ]
}

@test "run --keep leaves the stopped container for state and delete; create has no --keep" {
    host_only
    b=$(make_bundle k1 /bin/sh -c 'exit 3')
    run vsrun run --keep -b "$b" k1
    [ "$status" -eq 3 ]
    [ "$(state_status k1)" = stopped ]
    vsrun delete k1
    [ ! -e "$VSRUN_ROOT/k1" ]
    [ -z "$(find $(cgroup_parent_dirs) -mindepth 1 -name k1)" ]
    run vsrun create --keep -b "$b" k2
    [ "$status" -ne 0 ]
    [[ $output == *'unknown option "--keep"'* ]]
    [ ! -e "$VSRUN_ROOT/k2" ]
}

@test "ambient caps outside inheritable (runc spec's template): warned, left out, it runs" {
    no_cgroup
    b=$(make_bundle amb /bin/sh -c 'grep -E "^Cap(Amb|Inh)" /proc/self/status')
    jq '.process.capabilities.ambient = ["CAP_KILL", "CAP_NET_BIND_SERVICE"]' \
        "$b/config.json" >"$b/c.json" && mv "$b/c.json" "$b/config.json"
    run vsrun run -b "$b" amb
    echo "$output"
    [ "$status" -eq 0 ]
    local want="process.capabilities.ambient: KILL,NET_BIND_SERVICE not in both permitted"
    [[ $output == *"$want and inheritable, left out"* ]]
    [[ $output == *"CapAmb:"*"0000000000000000"* ]]
    [[ $output == *"CapInh:"*"0000000000000000"* ]]
    # In both sets, an ambient capability is raised.
    b=$(make_bundle amb2 /bin/sh -c 'grep -E "^CapAmb" /proc/self/status')
    jq '.process.capabilities.ambient = ["CAP_KILL"] |
        .process.capabilities.inheritable = ["CAP_KILL"]' \
        "$b/config.json" >"$b/c.json" && mv "$b/c.json" "$b/config.json"
    run vsrun run -b "$b" amb2
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"CapAmb:"*"0000000000000020"* ]]
}

@test "create leaves the init waiting (process not exec'd yet); start execs it as the same pid" {
    b=$(make_bundle c1 sleep 300)
    vsrun create --bundle "$b" --pid-file "$VSERVER_PREFIX/pid" c1
    pid=$(cat "$VSERVER_PREFIX/pid")
    [ "$(state_status c1)" = created ]
    [ "$(state_pid c1)" = "$pid" ]
    # Not sleep yet: the sealed vs-init waiting on the exec FIFO.
    ! grep -q '^sleep' "/proc/$pid/cmdline"
    [ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" != "sleep 300 " ]
    vsrun start c1
    wait_status c1 running
    [ "$(state_pid c1)" = "$pid" ]
    [ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 300 " ]
    # PID 1 of its own pid namespace, in its cgroup, with the hostname of config.json.
    grep -q "^NSpid:.*[[:space:]]1$" "/proc/$pid/status"
    grep -q "/$VSERVER_CGROUP_PARENT/c1" "/proc/$pid/cgroup"
    run nsenter -t "$pid" -u hostname
    [ "$output" = vsrun-test ]
    run vsrun start c1
    [ "$status" -ne 0 ]
    [[ $output == *"cannot start a container that is running"* ]]
}

@test "state JSON: ociVersion, id, pid, status, bundle, rootfs, created, annotations" {
    no_cgroup
    b=$(make_bundle s1)
    vsrun create -b "$b" s1
    run vsrun state s1
    [ "$status" -eq 0 ]
    echo "$output" | jq -e --arg b "$b" '.ociVersion != "" and .id == "s1" and .pid > 0 and
        .status == "created" and .bundle == $b and (.rootfs | endswith("rootfs")) and
        (.created | test("^[0-9-]+T[0-9:.]+Z$"))'
    run vsrun state nosuch
    [ "$status" -eq 1 ]
    [[ $output == *"does not exist"* ]]
}

@test "kill by name and by number; kill after stop says not running; kill --all after stop works" {
    b=$(make_bundle k1)
    vsrun run -d -b "$b" k1
    pid=$(state_pid k1)
    vsrun kill k1 SIGUSR1 || true
    # sleep as PID 1 ignores a signal it has no handler for; KILL from the host always ends it.
    vsrun kill k1 KILL
    wait_status k1 stopped
    [ "$(state_pid k1)" = 0 ]
    run vsrun kill k1 15
    [ "$status" -eq 1 ]
    [[ $output == *"container not running"* ]]
    vsrun kill --all k1 9
    b=$(make_bundle k2 /bin/sh -c 'trap "exit 3" TERM; while :; do sleep 1; done')
    vsrun run -d -b "$b" k2
    vsrun kill k2 15
    wait_status k2 stopped
    vsrun delete k2
    run vsrun kill k2 TERM
    [[ $output == *"does not exist"* ]]
    run vsrun kill k1 NOSUCHSIG
    [[ $output == *"invalid signal"* ]]
}

@test "delete: refused while running, --force kills and removes the cgroup and state" {
    b=$(make_bundle d1)
    vsrun run -d -b "$b" d1
    pid=$(state_pid d1)
    run vsrun delete d1
    [ "$status" -eq 1 ]
    [[ $output == *"cannot delete container d1 that is not stopped: running"* ]]
    [ -d "/proc/$pid" ]
    vsrun delete --force d1
    [ ! -e "$VSRUN_ROOT/d1" ]
    [ -z "$(find $(cgroup_parent_dirs) -mindepth 1 -name d1)" ]
    run vsrun delete d1
    [[ $output == *"does not exist"* ]]
    vsrun delete -f d1
}

@test "delete keeps the cgroup's parents, as runc does; a failed create removes those it made" {
    b=$(make_bundle pk1 /bin/true)
    edit_spec "$b" --arg cg "/$VSERVER_CGROUP_PARENT/shared/pk1" '.linux.cgroupsPath = $cg'
    vsrun run -b "$b" pk1
    [ -n "$(cgroup_parent_dirs)" ]
    for d in $(cgroup_parent_dirs); do [ -d "$d/shared" ]; [ ! -e "$d/shared/pk1" ]; done
    # Fails in the child, after the cgroup was made: its own parent goes, "shared" stays.
    b=$(make_bundle pk2 /bin/true)
    edit_spec "$b" --arg cg "/$VSERVER_CGROUP_PARENT/own/pk2" '.linux.cgroupsPath = $cg
        | .mounts += [{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs",
                       "options": ["nosuch"]}]'
    run vsrun create -b "$b" pk2
    [ "$status" -eq 1 ]
    for d in $(cgroup_parent_dirs); do [ ! -e "$d/own" ]; [ -d "$d/shared" ]; done
    for d in $(cgroup_parent_dirs); do rmdir "$d/shared"; done
}

@test "a container whose init died reports stopped; delete without --force removes it" {
    b=$(make_bundle x1 /bin/sh -c 'exit 0')
    vsrun create -b "$b" x1
    pid=$(state_pid x1)
    vsrun start x1
    wait_status x1 stopped
    vsrun delete x1
    [ ! -e "$VSRUN_ROOT/x1" ]
    # A created container (never started) is deleted without --force, its init killed.
    b=$(make_bundle x2)
    vsrun create -b "$b" x2
    pid=$(state_pid x2)
    vsrun delete x2
    [ ! -d "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status"
}

@test "pause freezes every process, resume thaws them" {
    b=$(make_bundle p1 /bin/sh -c 'while :; do :; done')
    vsrun run -d -b "$b" p1
    pid=$(state_pid p1)
    vsrun pause p1
    [ "$(state_status p1)" = paused ]
    # A busy loop gains no CPU time while frozen (utime + stime, /proc/PID/stat 14 and 15).
    cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
    t0=$(cpu)
    sleep 0.3
    [ "$(cpu)" = "$t0" ]
    # The freezer holds it: cgroup2's cgroup.events, or v1's freezer.state.
    frozen=$(cat $(find $(cgroup_parent_dirs) -path "*/p1/cgroup.events") 2>/dev/null |
        grep -c '^frozen 1' || true)
    [ "$frozen" -ge 1 ] || grep -q FROZEN $(find $(cgroup_parent_dirs) -path "*/p1/freezer.state")
    run vsrun pause p1
    [ "$status" -eq 1 ]
    vsrun resume p1
    [ "$(state_status p1)" = running ]
    t0=$(cpu)
    for i in $(seq 50); do [ "$(cpu)" != "$t0" ] && break; sleep 0.02; done
    [ "$(cpu)" != "$t0" ]
    run vsrun resume p1
    [[ $output == *"not paused"* ]]
    # A paused container is killed by SIGKILL and delete --force.
    vsrun pause p1
    vsrun delete --force p1
    [ ! -d "/proc/$pid" ] || grep -q '^State:.*Z' "/proc/$pid/status"
}

@test "ps and list: json and table" {
    b=$(make_bundle l1 /bin/sh -c 'sleep 300 & sleep 300')
    vsrun run -d -b "$b" l1
    pid=$(state_pid l1)
    for i in $(seq 50); do
        [ "$(vsrun ps --format json l1 | jq length)" -ge 2 ] && break
        sleep 0.05
    done
    run vsrun ps --format json l1
    [ "$(echo "$output" | jq length)" -eq 2 ]
    echo "$output" | jq -e --argjson p "$pid" 'index($p) != null'
    run vsrun ps l1
    [[ ${lines[0]} == PID* ]]
    b=$(make_bundle l2)
    vsrun create -b "$b" l2
    run vsrun list --format json
    echo "$output" | jq -e 'map({(.id): .status}) | add == {"l1": "running", "l2": "created"}'
    run vsrun list -q
    [ "$output" = "$(printf 'l1\nl2')" ]
    run vsrun list
    [[ ${lines[0]} == ID* ]]
    [ "${#lines[@]}" -eq 3 ]
}

@test "fds of the caller do not reach the container; --preserve-fds passes exactly 3..3+N-1" {
    no_cgroup
    b=$(make_bundle f1 /bin/sh -c 'ls /proc/self/fd > /tmp/fds.f1')
    vsrun run -b "$b" f1 3>/dev/null 4>/dev/null
    run cat "$VSRUN_ROOTFS/tmp/fds.f1"
    [ "$(echo "$output" | tr '\n' ' ')" = "0 1 2 3 " ]  # 3: ls's own directory fd
    b=$(make_bundle f2 /bin/sh -c 'ls /proc/self/fd > /tmp/fds.f2; cat <&3 > /tmp/in.f2')
    echo preserved >"$VSERVER_PREFIX/in"
    vsrun run --preserve-fds 1 -b "$b" f2 3<"$VSERVER_PREFIX/in" 4>/dev/null
    [ "$(tr '\n' ' ' <"$VSRUN_ROOTFS/tmp/fds.f2")" = "0 1 2 3 4 " ]
    [ "$(cat "$VSRUN_ROOTFS/tmp/in.f2")" = preserved ]
    rm -f "$VSRUN_ROOTFS"/tmp/*.f[12]
    # exec: the same rule (containerd's shim socket is its fd 3 there too).
    b=$(make_bundle f3)
    vsrun run -d -b "$b" f3
    run vsrun exec f3 ls /proc/self/fd 3>/dev/null 4>/dev/null
    [ "$(echo $output)" = "0 1 2 3" ]
    run vsrun exec --preserve-fds 2 f3 sh -c 'ls /proc/self/fd; cat <&3; cat <&4' \
        3<"$VSERVER_PREFIX/in" 4<"$VSERVER_PREFIX/in" 5>/dev/null
    [ "$(echo $output)" = "0 1 2 3 4 5 preserved preserved" ]
    run vsrun exec --preserve-fds 3 f3 true 3</dev/null 4</dev/null 5<&-
    [ "$status" -eq 1 ]
    [[ $output == *"--preserve-fds 3: fd 5 is not open"* ]]
}

@test "bad config.json: the error names its JSON path and nothing is left" {
    no_cgroup
    b=$(make_bundle bad1)
    edit_spec "$b" '.linux.namespaces[1].type = "nosuch"'
    run vsrun --log "$VSERVER_PREFIX/log.json" --log-format json create -b "$b" bad1
    [ "$status" -eq 1 ]
    [[ $output == *"linux.namespaces[1].type"* ]]
    jq -e '.level == "error" and (.msg | contains("linux.namespaces[1].type")) and .time != null' \
        "$VSERVER_PREFIX/log.json"
    [ ! -e "$VSRUN_ROOT/bad1" ]
    [ -z "$(find $(cgroup_parent_dirs) -mindepth 1 -name bad1 2>/dev/null)" ]
    # A program that is not in the rootfs fails the create, after the cgroup was made.
    b=$(make_bundle bad2 /no/such/program)
    run vsrun create -b "$b" bad2
    [ "$status" -eq 1 ]
    [[ $output == *"/no/such/program"* ]]
    [ ! -e "$VSRUN_ROOT/bad2" ]
    [ -z "$(find $(cgroup_parent_dirs) -mindepth 1 -name bad2 2>/dev/null)" ]
    [ -z "$(prefix_mounts)" ]
    # What vsrun does not do is refused by its path, not ignored.
    b=$(make_bundle bad3)
    edit_spec "$b" '.linux.mountLabel = "system_u:object_r:container_file_t:s0"'
    run vsrun create -b "$b" bad3
    [ "$status" -eq 1 ]
    [[ $output == *"linux.mountLabel"* ]]
    [ ! -e "$VSRUN_ROOT/bad3" ]
}

@test "two concurrent creates of one id: exactly one wins" {
    no_cgroup
    b=$(make_bundle r1)
    vsrun create -b "$b" r1 >"$VSERVER_PREFIX/o1" 2>&1 &
    p1=$!
    vsrun create -b "$b" r1 >"$VSERVER_PREFIX/o2" 2>&1 &
    p2=$!
    s1=0 s2=0
    wait $p1 || s1=$?
    wait $p2 || s2=$?
    [ $((s1 == 0)) -ne $((s2 == 0)) ]
    grep -q "container with id exists: r1" "$VSERVER_PREFIX/o1" "$VSERVER_PREFIX/o2"
    [ "$(state_status r1)" = created ]
}

@test "exec into a running container: its namespaces, cgroup, env; --detach writes the pid" {
    b=$(make_bundle e1)
    vsrun run -d -b "$b" e1
    pid=$(state_pid e1)
    run vsrun exec e1 /bin/sh -c 'hostname; echo $FOO; cat /proc/1/cmdline | tr "\0" " "'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = vsrun-test ]
    [ "${lines[1]}" = "sleep 300 " ]  # bats drops the empty line of the unset $FOO
    run vsrun exec --env FOO=bar e1 sh -c 'echo $FOO; exit 5'
    [ "$status" -eq 5 ]
    [ "$output" = bar ]
    vsrun exec --detach --pid-file "$VSERVER_PREFIX/epid" e1 sleep 200
    epid=$(cat "$VSERVER_PREFIX/epid")
    [ "$(tr '\0' ' ' <"/proc/$epid/cmdline")" = "sleep 200 " ]
    [ "$(readlink "/proc/$epid/ns/pid")" = "$(readlink "/proc/$pid/ns/pid")" ]
    grep -q "/$VSERVER_CGROUP_PARENT/e1" "/proc/$epid/cgroup"
    run vsrun exec e1
    [ "$status" -ne 0 ]
}

@test "exec --additional-gids/-g and --no-new-privs reach the process, also with --process" {
    no_cgroup
    b=$(make_bundle g1)
    # Without CAP_SETGID (runc's default set lacks it): the groups are set before the caps.
    edit_spec "$b" '.process.noNewPrivileges = false | .process.user.additionalGids = [7] |
        .process.capabilities |= map_values(map(select(. != "CAP_SETGID")))'
    vsrun run -d -b "$b" g1
    grep -q '^CapEff:.*[0-9a-f]' "/proc/$(state_pid g1)/status"
    run vsrun exec g1 sh -c 'grep ^CapEff: /proc/self/status | cut -f2'
    (( (0x$output & (1 << 6)) == 0 ))  # CAP_SETGID is 6
    show='set -- $(grep -E "^(Groups|NoNewPrivs):" /proc/self/status); echo "$*"'
    run vsrun exec g1 sh -c "$show"
    [ "$output" = "Groups: 7 NoNewPrivs: 0" ]
    # Repeated and as a comma list, after config.json's; the kernel lists them sorted.
    run vsrun exec -g 1234 --additional-gids 5,6 --no-new-privs g1 sh -c "$show"
    [ "$output" = "Groups: 5 6 7 1234 NoNewPrivs: 1" ]
    # A process file's noNewPrivileges false does not win over the flag.
    jq '.process | .args = ["sh", "-c", $s]' --arg s "$show" "$b/config.json" >"$b/p.json"
    run vsrun exec --process "$b/p.json" -g 99 --no-new-privs g1
    [ "$output" = "Groups: 7 99 NoNewPrivs: 1" ]
    for bad in -5 1,x 4294967295 ""; do
        run vsrun exec -g "$bad" g1 true
        [ "$status" -ne 0 ]
        [[ $output == *"--additional-gids \"$bad\""*"is not a gid"* ]]
    done
}

@test "user change without CAP_SETUID/CAP_SETGID (run and exec --user); the sets are the spec's" {
    no_cgroup
    b=$(make_bundle u2 /bin/sh -c 'id; grep -E "^Cap(Eff|Bnd|Amb)" /proc/self/status')
    # No CAP_SETUID, CAP_SETGID; CAP_KILL also ambient (a non-root execve keeps only that).
    edit_spec "$b" \
        '.process.capabilities |= map_values(map(select(. != "CAP_SETUID" and . != "CAP_SETGID")))
        | .process.capabilities.inheritable = ["CAP_KILL"]
        | .process.capabilities.ambient = ["CAP_KILL"]
        | .process.user = {"uid": 1000, "gid": 1000}'
    bnd=00000000a804253b  # make_bundle's set without bits 6 and 7
    run vsrun run -b "$b" u2
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "uid=1000 gid=1000" ]  # busybox lists no groups when there are none
    [[ ${lines[1]} =~ ^CapEff:[[:space:]]+0000000000000020$ ]]
    [[ ${lines[2]} =~ ^CapBnd:[[:space:]]+$bnd$ ]]
    [[ ${lines[3]} =~ ^CapAmb:[[:space:]]+0000000000000020$ ]]
    # exec --user into a root container whose sets lack both.
    edit_spec "$b" '.process.user = {"uid": 0, "gid": 0} | .process.args = ["sleep", "300"]'
    vsrun run -d -b "$b" u3
    run vsrun exec --user 1000:1000 u3 sh -c 'id; grep -E "^Cap(Eff|Bnd|Amb)" /proc/self/status'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "uid=1000 gid=1000" ]
    [[ ${lines[1]} =~ ^CapEff:[[:space:]]+0000000000000020$ ]]
    [[ ${lines[2]} =~ ^CapBnd:[[:space:]]+$bnd$ ]]
    [[ ${lines[3]} =~ ^CapAmb:[[:space:]]+0000000000000020$ ]]
    # --cap adds to the bounding, effective and permitted sets; root's execve gets bounding.
    run vsrun exec --cap CAP_SYS_ADMIN u3 sh -c 'grep -E "^CapEff" /proc/self/status'
    [[ $output =~ ^CapEff:[[:space:]]+00000000a824253b$ ]]
}

@test "exec sets exactly additionalGids: the caller's supplementary groups stay out" {
    no_cgroup
    b=$(make_bundle g2)
    vsrun run -d -b "$b" g2
    show='grep ^Groups: /proc/self/status'
    run setpriv --groups 4242,4343 -- "$VSRUN" --root "$VSRUN_ROOT" exec g2 sh -c "$show"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output =~ ^Groups:[[:space:]]*$ ]]
    run setpriv --groups 4242 -- "$VSRUN" --root "$VSRUN_ROOT" exec -g 9 --user 5:5 g2 sh -c "$show"
    [[ $output =~ ^Groups:[[:space:]]+9[[:space:]]*$ ]]
}

@test "exec into a paused container: refused, or with --ignore-paused run once resumed" {
    b=$(make_bundle p2)
    vsrun run -d -b "$b" p2
    vsrun pause p2
    run vsrun exec p2 echo ok
    [ "$status" -eq 1 ]
    [[ $output == *"cannot exec in a paused container (use --ignore-paused to override): p2"* ]]
    vsrun exec --ignore-paused p2 echo ok >"$VSERVER_PREFIX/out" 2>&1 &
    local ep=$!
    # Frozen with the container: nothing has run while it is paused.
    sleep 0.5
    kill -0 "$ep"
    [ ! -s "$VSERVER_PREFIX/out" ]
    vsrun resume p2
    wait "$ep"
    [ "$(cat "$VSERVER_PREFIX/out")" = ok ]
}

@test "--rootless: true, false, auto; a bad value refused; without root, a state root is needed" {
    no_cgroup
    for v in true false auto 1 F; do
        vsrun --rootless "$v" list >/dev/null
    done
    run vsrun --rootless maybe list
    [ "$status" -eq 2 ]
    [[ $output == *'--rootless "maybe": use true, false or auto'* ]]
    # As an unprivileged user: spec and features work anywhere; the verbs that keep state need
    # $XDG_RUNTIME_DIR or --root (vsrun_rootless.bats runs the containers).
    chmod 711 "$VSERVER_PREFIX"
    local d=$VSERVER_PREFIX/rl
    mkdir -p "$d/b"
    chown -R 1000:1000 "$d"
    as_user() {
        setpriv --reuid 1000 --regid 1000 --clear-groups -- env -u XDG_RUNTIME_DIR "$VSRUN" "$@"
    }
    as_user spec --rootless --bundle "$d/b"
    jq -e '.linux.uidMappings == [{"containerID": 0, "hostID": 1000, "size": 1}]' \
        "$d/b/config.json"
    as_user features | jq -e '.ociVersionMax' >/dev/null
    local verb
    for verb in run create; do
        run as_user "$verb" -b "$d/b" r1
        echo "$output"
        [ "$status" -eq 1 ]
        [[ $output == *"$verb: vsrun runs as uid 1000 and XDG_RUNTIME_DIR is not set"* ]]
    done
    run as_user list
    [[ $output == *"list: vsrun runs as uid 1000 and XDG_RUNTIME_DIR is not set"* ]]
    run as_user --root "$d/state" exec r1 true
    [[ $output == *'container "r1" does not exist'* ]]
}

@test "hooks: prestart, createRuntime, poststart, poststop get the state; a failure undoes create" {
    no_cgroup
    local o=$VSERVER_PREFIX/hooks
    mkdir -p "$o"
    hook() { echo "{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > $o/$1.json\"]}"; }
    local hooks="\"hooks\": {\"prestart\": [$(hook pre)], \"createRuntime\": [$(hook cr)],
        \"poststart\": [$(hook ps)], \"poststop\": [$(hook stop)]},"
    b=$(EXTRA_TOP=$hooks make_bundle h1)
    vsrun create -b "$b" h1
    jq -e '.id == "h1" and .status == "creating" and .pid > 0' "$o/pre.json"
    jq -e '.id == "h1" and .status == "creating"' "$o/cr.json"
    [ ! -e "$o/ps.json" ]
    vsrun start h1
    jq -e '.status == "running"' "$o/ps.json"
    vsrun delete --force h1
    jq -e '.id == "h1" and .status == "stopped"' "$o/stop.json"
    # run starts the container without `start` (create.cpp): poststart still runs, once the
    # process was let go, and poststop at the delete.
    rm -f "$o"/*.json
    b=$(EXTRA_TOP=$hooks make_bundle h4 /bin/true)
    vsrun run -b "$b" h4
    jq -e '.id == "h4" and .status == "creating"' "$o/pre.json"
    jq -e '.id == "h4" and .status == "running"' "$o/ps.json"
    jq -e '.id == "h4" and .status == "stopped"' "$o/stop.json"
    [ ! -e "$VSRUN_ROOT/h4" ]
    # createRuntime fails: the create fails naming it, and nothing is left.
    b=$(EXTRA_TOP='"hooks": {"createRuntime": [{"path": "/bin/false"}]},' make_bundle h2)
    run vsrun create -b "$b" h2
    [ "$status" -eq 1 ]
    [[ $output == *'hooks.createRuntime[0] "/bin/false" exited with status 1'* ]]
    [ ! -e "$VSRUN_ROOT/h2" ]
    [ -z "$(find $(cgroup_parent_dirs) -mindepth 1 -name h2 2>/dev/null)" ]
    # A hook past its timeout is killed and fails the create.
    b=$(EXTRA_TOP='"hooks": {"prestart": [{"path": "/bin/sleep", "args": ["sleep", "30"],
        "timeout": 1}]},' make_bundle h3)
    run vsrun create -b "$b" h3
    [ "$status" -eq 1 ]
    [[ $output == *"did not finish within its timeout of 1 s"* ]]
    [ ! -e "$VSRUN_ROOT/h3" ]
}

@test "hooks: createContainer in the container's namespaces; startContainer inside, at start" {
    no_cgroup
    local o=$VSERVER_PREFIX/hooks
    mkdir -p "$o"
    # createContainer: a host path, run in the container's namespaces with the host tree still
    # there; startContainer: a path in the container, run there after start, before the process.
    local cc="cat > $o/cc.json; readlink /proc/self/ns/net /proc/self/ns/mnt > $o/cc.ns"
    local hooks="\"hooks\": {\"createContainer\": [{\"path\": \"/bin/sh\",
        \"args\": [\"sh\", \"-c\", \"$cc\"]}],
        \"startContainer\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\",
        \"cat > /tmp/sc.json; echo \$\$ > /tmp/sc.pid\"], \"env\": [\"A=b\"]}]},"
    b=$(EXTRA_TOP=$hooks make_bundle hc1 /bin/sh -c 'cat /tmp/sc.json >/tmp/seen; exec sleep 300')
    rm -f "$VSRUN_ROOTFS"/tmp/sc.* "$VSRUN_ROOTFS/tmp/seen"
    vsrun create -b "$b" hc1
    pid=$(state_pid hc1)
    jq -e --argjson p "$pid" '.id == "hc1" and .status == "creating" and .pid == $p' "$o/cc.json"
    [ "$(cat "$o/cc.ns")" = "$(readlink "/proc/$pid/ns/net" "/proc/$pid/ns/mnt")" ]
    [ ! -e "$VSRUN_ROOTFS/tmp/sc.json" ]
    vsrun start hc1
    wait_status hc1 running
    jq -e --argjson p "$pid" '.id == "hc1" and .status == "created" and .pid == $p' \
        "$VSRUN_ROOTFS/tmp/sc.json"
    # The process came after the hook (it read the hook's file), as the same pid.
    for i in $(seq 50); do [ -s "$VSRUN_ROOTFS/tmp/seen" ] && break; sleep 0.02; done
    jq -e '.status == "created"' "$VSRUN_ROOTFS/tmp/seen"
    [ "$(state_pid hc1)" = "$pid" ]
    # In the container's pid namespace: not pid 1 (vs-init is), a pid only it knows.
    [ "$(cat "$VSRUN_ROOTFS/tmp/sc.pid")" -gt 1 ]
    vsrun delete --force hc1
    # createContainer fails: create fails naming it and leaves nothing.
    b=$(EXTRA_TOP='"hooks": {"createContainer": [{"path": "/bin/false"}]},' make_bundle hc2)
    run vsrun create -b "$b" hc2
    [ "$status" -eq 1 ]
    [[ $output == *'createContainer[0] "/bin/false" exited with status 1'* ]]
    [ ! -e "$VSRUN_ROOT/hc2" ]
    [ -z "$(find $(cgroup_parent_dirs) -mindepth 1 -name hc2 2>/dev/null)" ]
    [ -z "$(prefix_mounts)" ]
    # startContainer fails or times out: start fails naming it, the container is stopped (its
    # process never ran), and delete removes it, running poststop.
    b=$(EXTRA_TOP="\"hooks\": {\"startContainer\": [{\"path\": \"/bin/false\"}],
        \"poststop\": [{\"path\": \"/bin/sh\",
        \"args\": [\"sh\", \"-c\", \"cat > $o/stop.json\"]}]},
        " make_bundle hc3 /bin/sh -c 'touch /tmp/ran.hc3; sleep 300')
    vsrun create -b "$b" hc3
    run vsrun start hc3
    [ "$status" -eq 1 ]
    local want='cannot start container hc3: hooks.startContainer[0] "/bin/false" exited'
    [[ $output == *"$want with status 1"* ]]
    wait_status hc3 stopped
    [ ! -e "$VSRUN_ROOTFS/tmp/ran.hc3" ]
    vsrun delete hc3
    jq -e '.id == "hc3"' "$o/stop.json"
    b=$(EXTRA_TOP='"hooks": {"startContainer": [{"path": "/bin/sleep", "args": ["sleep", "30"],
        "timeout": 1}]},' make_bundle hc4)
    run vsrun run -b "$b" hc4
    [ "$status" -eq 1 ]
    [[ $output == *'startContainer[0] "/bin/sleep" did not finish within its timeout of 1 s'* ]]
    [ ! -e "$VSRUN_ROOT/hc4" ]
}

@test "mounts: propagation options, rootfsPropagation, tmpcopyup, idmap; unknown options named" {
    mkdir -p "$VSERVER_PREFIX"/{pa,pb,idm}
    touch "$VSERVER_PREFIX/idm/f"
    # pb: a shared mount of the host, which a bind keeps receiving from unless made private;
    # pb/sub, a mount below it, as ip-netns(8) mounts each /run/netns/NAME below a shared
    # /run/netns: a container's unmount of its old root must not propagate to it.
    mount --bind "$VSERVER_PREFIX/pb" "$VSERVER_PREFIX/pb"
    mount --make-shared "$VSERVER_PREFIX/pb"
    mkdir -p "$VSERVER_PREFIX/pb/sub"
    mount -t tmpfs vs-sub "$VSERVER_PREFIX/pb/sub"
    local host_mounts
    host_mounts=$(prefix_mounts)
    # What the container's mountinfo says of a mount point, from the host.
    prop() { awk -v m="$2" '$5 == m {for (i = 7; $i != "-"; i++) printf "%s ", $i}' \
        "/proc/$1/mountinfo"; }
    local m='.mounts += [
        {"destination": "/mnt/a", "type": "bind", "source": "\($p)/pa",
         "options": ["rbind", "rshared"]},
        {"destination": "/mnt/b", "type": "bind", "source": "\($p)/pb",
         "options": ["rbind", "private"]},
        {"destination": "/etc", "type": "tmpfs", "source": "tmpfs",
         "options": ["tmpcopyup", "size=1m"]},
        {"destination": "/mnt/i", "type": "bind", "source": "\($p)/idm",
         "options": ["rbind", "idmap", "ro"],
         "uidMappings": [{"containerID": 0, "hostID": 4242, "size": 1}],
         "gidMappings": [{"containerID": 0, "hostID": 4343, "size": 1}]}] |
        .linux.rootfsPropagation = "private"'
    b=$(make_bundle mp1 /bin/sh -c 'cat /etc/passwd; stat -c "%u %g" /mnt/i/f; sleep 300')
    edit_spec "$b" --arg p "$VSERVER_PREFIX" "$m"
    vsrun run -d -b "$b" mp1 >"$VSERVER_PREFIX/mp1.out"
    pid=$(state_pid mp1)
    [[ $(prop "$pid" /mnt/a) == *shared:* ]]
    [[ $(prop "$pid" /mnt/b) != *shared:* && $(prop "$pid" /mnt/b) != *master:* ]]
    for i in $(seq 50); do [ -s "$VSERVER_PREFIX/mp1.out" ] && break; sleep 0.02; done
    grep -q '^root:x:0:0' "$VSERVER_PREFIX/mp1.out"
    grep -qx '4242 4343' "$VSERVER_PREFIX/mp1.out"
    awk '$5 == "/etc" {print $0}' "/proc/$pid/mountinfo" | grep -q ' - tmpfs '
    awk '$5 == "/mnt/i" {print $6}' "/proc/$pid/mountinfo" | grep -q '^ro,'
    # Nothing reached the host's namespace.
    [ "$(prefix_mounts)" = "$host_mounts" ]
    vsrun delete --force mp1
    # rshared root: shared once it is "/", and still nothing of it on the host.
    b=$(make_bundle mp2)
    edit_spec "$b" '.linux.rootfsPropagation = "rshared"'
    vsrun run -d -b "$b" mp2
    [[ $(prop "$(state_pid mp2)" /) == *shared:* ]]
    [ "$(prefix_mounts)" = "$host_mounts" ]
    mountpoint -q "$VSERVER_PREFIX/pb/sub"
    vsrun delete --force mp2
    # An option the filesystem does not know fails the create, naming the mount.
    b=$(make_bundle mp3)
    edit_spec "$b" '.mounts += [{"destination": "/mnt/t", "type": "tmpfs", "source": "tmpfs",
        "options": ["nosuch"]}]'
    run vsrun create -b "$b" mp3
    [ "$status" -eq 1 ]
    [[ $output == *'mounts[7] "/mnt/t"'*nosuch* ]]
    [ ! -e "$VSRUN_ROOT/mp3" ]
    [ "$(prefix_mounts)" = "$host_mounts" ]
    umount -R "$VSERVER_PREFIX/pb"
}

@test "terminal: the pty master goes to --console-socket; an LSM the kernel lacks is refused" {
    no_cgroup
    python3 - "$VSERVER_PREFIX/console.sock" "$VSERVER_PREFIX/console.out" <<'PY' &
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
fds = array.array("i")
msg, anc, _, _ = c.recvmsg(64, socket.CMSG_SPACE(4))
fds.frombytes(anc[0][2][:4])
m = fds[0]
data = b""
while b"ttyok" not in data:
    chunk = os.read(m, 1024)
    if not chunk:
        break
    data += chunk
open(sys.argv[2], "wb").write(data)
PY
    srv=$!
    for i in $(seq 50); do [ -S "$VSERVER_PREFIX/console.sock" ] && break; sleep 0.05; done
    b=$(TERMINAL=true make_bundle t1 /bin/sh -c 'tty; [ -t 0 ] && echo ttyok; sleep 300')
    vsrun create --console-socket "$VSERVER_PREFIX/console.sock" -b "$b" t1
    vsrun start t1
    wait "$srv"
    grep -q '^/dev/pts/0' "$VSERVER_PREFIX/console.out"
    grep -q ttyok "$VSERVER_PREFIX/console.out"
    vsrun delete --force t1
    run vsrun create -b "$b" t2
    [[ $output == *"process.terminal is true but no --console-socket"* ]]
    if ! grep -qw apparmor /sys/kernel/security/lsm 2>/dev/null &&
        [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
        b=$(make_bundle a1)
        edit_spec "$b" '.process.apparmorProfile = "docker-default"'
        run vsrun create -b "$b" a1
        [ "$status" -eq 1 ]
        [[ $output == *'process.apparmorProfile "docker-default": the kernel has no apparmor'* ]]
        [ ! -e "$VSRUN_ROOT/a1" ]
    fi
}

@test "LSM labels the kernel does not run: create and exec refuse them, nothing is left" {
    no_cgroup
    lsm_runs() {
        grep -qw "$1" /sys/kernel/security/lsm 2>/dev/null && return 0
        case $1 in
            apparmor) [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] ;;
            selinux) [ -e /sys/fs/selinux/enforce ] ;;
        esac
    }
    local -A field=([selinux]=.process.selinuxLabel [apparmor]=.process.apparmorProfile)
    local -A value=([selinux]=system_u:system_r:container_t:s0 [apparmor]=docker-default)
    local lsm tried=0
    b=$(make_bundle l1)
    cp "$b/config.json" "$b/plain.json"
    vsrun run -d -b "$b" l1
    for lsm in selinux apparmor; do
        lsm_runs $lsm && continue
        tried=1
        local f=${field[$lsm]} v=${value[$lsm]} want
        want="${f#.} \"$v\": the kernel has no $lsm"
        jq "$f = \$v" --arg v "$v" "$b/plain.json" >"$b/config.json"
        run vsrun create -b "$b" l2
        echo "$output"
        [ "$status" -eq 1 ]
        [[ $output == *"$b/config.json: $want"* ]]
        [ ! -e "$VSRUN_ROOT/l2" ]
        # exec of a --process file with the label, into a container without one.
        jq '.process | .args = ["true"]' "$b/config.json" >"$b/p.json"
        run vsrun exec --process "$b/p.json" l1
        [ "$status" -eq 1 ]
        [[ $output == *"$b/p.json: $want"* ]]
    done
    if ! lsm_runs selinux; then
        jq '.linux.mountLabel = "system_u:object_r:container_file_t:s0"' "$b/plain.json" \
            >"$b/config.json"
        run vsrun create -b "$b" l3
        [ "$status" -eq 1 ]
        local label=system_u:object_r:container_file_t:s0
        [[ $output == *"linux.mountLabel \"$label\": the kernel has no selinux"* ]]
        [ ! -e "$VSRUN_ROOT/l3" ]
    fi
    [ "$tried" -eq 1 ] || skip "the kernel runs both AppArmor and SELinux"
    run vsrun exec l1 echo still
    [ "$output" = still ]
}

@test "namespaces joined by path (CRI's pod sandbox): network, ipc and uts of another container" {
    no_cgroup
    b=$(make_bundle pod)
    vsrun run -d -b "$b" pod
    ppid=$(state_pid pod)
    b=$(make_bundle ctr)
    edit_spec "$b" --arg p "/proc/$ppid/ns" \
        '.hostname = null | .linux.namespaces = [{"type": "pid"},
        {"type": "mount"}, {"type": "network", "path": "\($p)/net"},
        {"type": "ipc", "path": "\($p)/ipc"}, {"type": "uts", "path": "\($p)/uts"}]'
    vsrun run -d -b "$b" ctr
    cpid=$(state_pid ctr)
    for ns in net ipc uts; do
        [ "$(readlink "/proc/$cpid/ns/$ns")" = "$(readlink "/proc/$ppid/ns/$ns")" ]
    done
    [ "$(readlink "/proc/$cpid/ns/pid")" != "$(readlink "/proc/$ppid/ns/pid")" ]
    run nsenter -t "$cpid" -u hostname
    [ "$output" = vsrun-test ]
}

# ns_owner PID NS: the inode of the user namespace that owns /proc/PID/ns/NS (ioctl_ns(2),
# NS_GET_USERNS).
ns_owner() {
    python3 -c 'import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print(os.fstat(fcntl.ioctl(fd, 0xb701)).st_ino)' "/proc/$1/ns/$2"
}

@test "user namespace joined by path (CRI's userns pod): the new namespaces belong to it" {
    no_cgroup
    b=$(make_bundle upod)
    edit_spec "$b" '.linux.namespaces += [{"type": "user"}] |
        .linux.uidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}] |
        .linux.gidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}]'
    vsrun run -d -b "$b" upod
    ppid=$(state_pid upod)
    b=$(make_bundle uctr)
    edit_spec "$b" --arg p "/proc/$ppid/ns" \
        '.linux.namespaces = [{"type": "user", "path": "\($p)/user"},
        {"type": "network", "path": "\($p)/net"}, {"type": "pid"}, {"type": "mount"},
        {"type": "ipc"}, {"type": "uts"}]'
    vsrun run -d -b "$b" uctr
    cpid=$(state_pid uctr)
    [ "$(readlink "/proc/$cpid/ns/user")" = "$(readlink "/proc/$ppid/ns/user")" ]
    [ "$(readlink "/proc/$cpid/ns/net")" = "$(readlink "/proc/$ppid/ns/net")" ]
    local userns
    userns=$(stat -L -c %i "/proc/$ppid/ns/user")
    for ns in mnt pid ipc uts; do
        [ "$(readlink "/proc/$cpid/ns/$ns")" != "$(readlink "/proc/$ppid/ns/$ns")" ]
        [ "$(ns_owner "$cpid" "$ns")" = "$userns" ]
    done
    grep -q "^Uid:[[:space:]]300000[[:space:]]" "/proc/$cpid/status"
    run vsrun exec uctr /bin/sh -c 'id -u; cat /proc/self/uid_map; hostname'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 0 ]
    [[ ${lines[1]} =~ ^\ *0\ +300000\ +65536$ ]]
    [ "${lines[2]}" = vsrun-test ]
    # A new user namespace beside a network namespace joined by path: joined first, with the
    # host's rights over it, then the user namespace is made. Its /sys is the host's (a sysfs
    # needs rights over the network namespace's owner).
    b=$(make_bundle unew)
    edit_spec "$b" --arg p "/proc/$ppid/ns" \
        '.linux.namespaces = [{"type": "user"}, {"type": "mount"},
        {"type": "network", "path": "\($p)/net"}, {"type": "pid"}, {"type": "ipc"},
        {"type": "uts"}] |
        .linux.uidMappings = [{"containerID": 0, "hostID": 400000, "size": 65536}] |
        .linux.gidMappings = [{"containerID": 0, "hostID": 400000, "size": 65536}]'
    vsrun run -d -b "$b" unew
    npid=$(state_pid unew)
    [ "$(readlink "/proc/$npid/ns/net")" = "$(readlink "/proc/$ppid/ns/net")" ]
    userns=$(stat -L -c %i "/proc/$npid/ns/user")
    [ "$userns" != "$(stat -L -c %i "/proc/$ppid/ns/user")" ]
    [ "$(ns_owner "$npid" mnt)" = "$userns" ]
    grep -q "^Uid:[[:space:]]400000[[:space:]]" "/proc/$npid/status"
    # A "user" path that is not a user namespace: one error line, nothing left.
    b=$(make_bundle ubad)
    edit_spec "$b" --arg p "/proc/$ppid/ns" \
        '.hostname = null | .linux.namespaces = [{"type": "mount"},
        {"type": "user", "path": "\($p)/net"}, {"type": "pid"}]'
    run vsrun create -b "$b" ubad
    [ "$status" -eq 1 ]
    local want="vsrun: error: linux.namespaces[1].path \"/proc/$ppid/ns/net\""
    [ "$output" = "$want is not a user namespace: Invalid argument" ]
    [ ! -e "$VSRUN_ROOT/ubad" ]
    # A path that is no namespace, and one that does not exist: each named, nothing left.
    edit_spec "$b" '.linux.namespaces[1].path = "/etc/hostname"'
    run vsrun create -b "$b" ubad
    [ "$status" -eq 1 ]
    local want='vsrun: error: linux.namespaces[1].path "/etc/hostname" is not a namespace'
    [ "$output" = "$want: Invalid argument" ]
    # A FIFO there is refused at once, not waited on for a writer.
    mkfifo "$VSERVER_PREFIX/fifo"
    edit_spec "$b" --arg f "$VSERVER_PREFIX/fifo" '.linux.namespaces[1].path = $f'
    run timeout 20 "$VSRUN" --root "$VSRUN_ROOT" create -b "$b" ubad
    [ "$status" -eq 1 ]
    [[ $output == *"$VSERVER_PREFIX/fifo\" is not a namespace"* ]]
    edit_spec "$b" '.linux.namespaces[1] = {"type": "network", "path": "/nonexistent/ns"}'
    run vsrun create -b "$b" ubad
    [ "$status" -eq 1 ]
    [[ $output == 'vsrun: error: linux.namespaces[1].path "/nonexistent/ns": '* ]]
    [[ $output == *'No such file or directory' ]]
    [ ! -e "$VSRUN_ROOT/ubad" ]
    [ -z "$(find $(cgroup_parent_dirs) -mindepth 1 -type d -name ubad)" ]
}

@test "network namespace joined by path that the user namespace does not own: the host's /sys" {
    no_cgroup
    # Made by the host's root (ip netns add), so owned by the host's user namespace: neither a
    # new user namespace nor one joined by path may mount a sysfs for it (sysfs(5)).
    VSRUN_NETNS=vsrun-${VSERVER_CGROUP_PARENT}
    ip netns add "$VSRUN_NETNS"
    local cmd='grep " /sys " /proc/self/mountinfo; touch /sys/kernel/x 2>&1; ls /sys/class/net'
    local host_dev
    host_dev=$(mountpoint -d /sys)
    # sysfs_is_hosts: the output's /sys line is the host's sysfs (its device), read-only.
    sysfs_is_hosts() {
        [ "$(awk '$5 == "/sys" { print $3 }' <<<"$output")" = "$host_dev" ]
        [[ $(awk '$5 == "/sys" { print $6 }' <<<"$output") == ro,* ]]
        [[ $output == *"Read-only file system"* ]]
    }
    b=$(make_bundle sysnew /bin/sh -c "$cmd")
    edit_spec "$b" --arg n "/run/netns/$VSRUN_NETNS" \
        '.linux.namespaces = [{"type": "user"}, {"type": "mount"},
        {"type": "network", "path": $n}, {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}] |
        .linux.uidMappings = [{"containerID": 0, "hostID": 400000, "size": 65536}] |
        .linux.gidMappings = [{"containerID": 0, "hostID": 400000, "size": 65536}]'
    run vsrun run -b "$b" sysnew
    echo "$output"
    [ "$status" -eq 0 ]
    sysfs_is_hosts
    # A user namespace joined by path (a pod's) beside it.
    b=$(make_bundle upod)
    edit_spec "$b" '.linux.namespaces += [{"type": "user"}] |
        .linux.uidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}] |
        .linux.gidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}]'
    vsrun run -d -b "$b" upod
    b=$(make_bundle sysjoin /bin/sh -c "$cmd")
    edit_spec "$b" --arg n "/run/netns/$VSRUN_NETNS" --arg u "/proc/$(state_pid upod)/ns/user" \
        '.linux.namespaces = [{"type": "user", "path": $u}, {"type": "mount"},
        {"type": "network", "path": $n}, {"type": "pid"}, {"type": "ipc"}, {"type": "uts"}]'
    run vsrun run -b "$b" sysjoin
    echo "$output"
    [ "$status" -eq 0 ]
    sysfs_is_hosts
    # The pod's own network namespace, which its user namespace owns: a sysfs of its own.
    b=$(make_bundle sysown /bin/sh -c "$cmd")
    edit_spec "$b" --arg p "/proc/$(state_pid upod)/ns" \
        '.linux.namespaces = [{"type": "user", "path": "\($p)/user"}, {"type": "mount"},
        {"type": "network", "path": "\($p)/net"}, {"type": "pid"}, {"type": "ipc"},
        {"type": "uts"}]'
    run vsrun run -b "$b" sysown
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(awk '$5 == "/sys" { print $3 }' <<<"$output")" != "$host_dev" ]
    [ "$(grep -v -e ' /sys ' -e Read-only <<<"$output")" = lo ]
}

@test "joined user namespace: a joiner that fails to hand over the init leaves no process" {
    no_cgroup
    require_fault_injection
    b=$(make_bundle upod)
    edit_spec "$b" '.linux.namespaces += [{"type": "user"}] |
        .linux.uidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}] |
        .linux.gidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}]'
    vsrun run -d -b "$b" upod
    b=$(make_bundle ufail)
    edit_spec "$b" --arg u "/proc/$(state_pid upod)/ns/user" \
        '.hostname = null | .linux.namespaces = [{"type": "user", "path": $u}, {"type": "mount"},
        {"type": "pid"}]'
    # vsrun under a subreaper, which adopts what vsrun leaves when it exits (a zombie init
    # included) and prints vsrun's exit code and how many processes it adopted.
    run env VSERVER_FAULT=oci-handover:fail python3 -c '
import ctypes, os, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, st = os.waitpid(pid, 0)
adopted = 0
while True:
    try:
        os.waitpid(-1, 0)
    except ChildProcessError:
        break
    adopted += 1
print(os.waitstatus_to_exitcode(st), adopted)
' "$VSRUN" --root "$VSRUN_ROOT" create -b "$b" ufail
    echo "$output"
    local want='vsrun: error: create container "ufail": injected fault at oci-handover'
    [ "${lines[0]}" = "$want: Input/output error" ]
    [ "${lines[1]}" = "1 0" ]
    [ ! -e "$VSRUN_ROOT/ufail" ]
}

# engine_seccomp FILE: sets linux.seccomp of config.json FILE to the shape of Docker's and
# podman's default profiles: EPERM by default, an allow-list with socketcall in it, and socket
# allowed unless the family is AF_VSOCK (40).
engine_seccomp() {
    local allow
    allow=$(printf '%s\n' access arch_prctl brk capget capset chdir clock_gettime clock_nanosleep \
        clone close close_range connect dup dup2 dup3 execve execveat exit exit_group faccessat \
        faccessat2 fchdir fchmod fcntl fcntl64 fstat fstat64 futex getcwd getdents64 getegid \
        getegid32 getresgid getresuid memfd_create recvmsg sendmsg sendto recvfrom setresgid \
        setresuid setfsgid setfsuid socketpair shutdown umask mkdir unlink unlinkat \
        geteuid geteuid32 getgid getgid32 getgroups getpid getppid getrandom getrlimit gettid \
        gettimeofday getuid getuid32 ioctl kill lseek madvise mmap mmap2 mprotect munmap \
        nanosleep newfstatat open openat pipe pipe2 poll ppoll prctl pread64 prlimit64 read \
        readlink readlinkat rseq rt_sigaction rt_sigprocmask rt_sigreturn sched_yield select \
        set_robust_list set_tid_address setgid setgroups setuid sigaltstack socketcall stat \
        statx tgkill uname wait4 waitid write writev | jq -R . | jq -s -c .)
    jq --argjson allow "$allow" '.linux.seccomp = {
        "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [{"names": $allow, "action": "SCMP_ACT_ALLOW"},
                     {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
                      "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]}]}' \
        "$1" >"$1.new"
    mv "$1.new" "$1"
}

@test "linux.seccomp's socket families hold for i386 socketcall too: a BPF LSM guard from it" {
    cp "$VS_BIN/vs-probe" "$VSRUN_ROOTFS/bin/vs-probe"
    b=$(make_bundle sg1 /bin/vs-probe syscalls --text)
    engine_seccomp "$b/config.json"
    run vsrun run --keep -b "$b" sg1
    echo "$output" | grep -e socket -e error || true
    [ "$status" -eq 0 ]
    row() { awk -v a="$1" -v n="$2" '$1 == a && $2 == n { print $3 }' <<<"$output"; }
    # The filter itself: socket(2) of AF_VSOCK refused on both ABIs that have it.
    [ "$(row x86_64 'socket(AF_VSOCK)')" = EPERM ]
    [ "$(row i386 'socket(AF_VSOCK)')" = EPERM ]
    # Families the profile allows are never refused by the guard (AF_ALG: a socket, or
    # EAFNOSUPPORT where the kernel has no af_alg).
    [[ $(row i386 'socketcall(SOCKET,AF_ALG)') != EPERM ]]
    guard=$(jq -r .socket_guard "$VSRUN_ROOT/sg1/state.json")
    got=$(row i386 'socketcall(SOCKET,AF_VSOCK)')
    echo "guard: $guard; i386 socketcall(SOCKET, AF_VSOCK): $got"
    if [[ $guard == attached ]]; then
        [ "$got" = EPERM ]
    else
        # Without the guard the hole is there (a socket, or EAFNOSUPPORT without vsock), and
        # a profile without the family rule gets no guard at all.
        [[ $got != EPERM ]]
        skip "the kernel cannot run the BPF LSM socket guard: $guard"
    fi
    vsrun delete sg1
    # The control: with the family rule gone, no guard and socketcall opens what socket(2) does.
    b=$(make_bundle sg2 /bin/vs-probe syscalls --text)
    engine_seccomp "$b/config.json"
    edit_spec "$b" '.linux.seccomp.syscalls[1].args = []'
    run vsrun run --keep -b "$b" sg2
    [ "$status" -eq 0 ]
    [ "$(jq -r .socket_guard "$VSRUN_ROOT/sg2/state.json")" = "" ]
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = "$(row i386 'socket(AF_VSOCK)')" ]
}

@test "socket guard: containers in turn in one cgroup each get their own, delete takes it off" {
    cp "$VS_BIN/vs-probe" "$VSRUN_ROOTFS/bin/vs-probe"
    row() { awk -v a="$1" -v n="$2" '$1 == a && $2 == n { print $3 }' <<<"$output"; }
    # The cgroup the containers share, made and kept by a first one without linux.seccomp (as
    # a pod's sandbox), whose processes show what the node's guard does.
    b=$(make_bundle sgpod)
    vsrun run -d -b "$b" sgpod
    local path
    path=$(jq -r .linux.cgroupsPath "$b/config.json")
    run vsrun exec sgpod /bin/vs-probe syscalls --text
    [ "$status" -eq 0 ]
    local bare
    bare=$(row i386 'socketcall(SOCKET,AF_VSOCK)')
    [[ -n $bare && $bare != EPERM && $bare != EACCES ]]
    # Both below share the host's pid namespace: stopped, they may have left processes, so
    # their guards stay until replaced or deleted (one stopped in a pid namespace of its own
    # takes its guard off at once: "socket guard: one stopped in its own pid namespace ...").
    local nopid='.linux.namespaces = [.linux.namespaces[] | select(.type != "pid")]'
    # The first refuses AF_VSOCK with EPERM; it stays (stopped) while the second is made.
    b=$(make_bundle sga /bin/vs-probe syscalls --text)
    engine_seccomp "$b/config.json"
    edit_spec "$b" --arg p "$path" '.linux.cgroupsPath = $p | '"$nopid"
    run vsrun run --keep -b "$b" sga
    [ "$status" -eq 0 ]
    guard=$(jq -r .socket_guard "$VSRUN_ROOT/sga/state.json")
    if [[ $guard != attached ]]; then
        skip "the kernel cannot run the BPF LSM socket guard: $guard"
    fi
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = EPERM ]
    # The second refuses it with EACCES: its guard replaces the first's on the node.
    b=$(make_bundle sgb /bin/vs-probe syscalls --text)
    engine_seccomp "$b/config.json"
    edit_spec "$b" --arg p "$path" '.linux.cgroupsPath = $p |
        .linux.seccomp.syscalls += [{"names": ["socket"], "action": "SCMP_ACT_ERRNO",
            "errnoRet": 13, "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_EQ"}]}] | '"$nopid"
    run vsrun run --keep -b "$b" sgb
    [ "$status" -eq 0 ]
    [ "$(jq -r .socket_guard "$VSRUN_ROOT/sgb/state.json")" = attached ]
    [ "$(row i386 'socket(AF_VSOCK)')" = EACCES ]
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = EACCES ]
    # Deleting the first leaves the second's guard; deleting the second takes it off.
    vsrun delete sga
    run vsrun exec sgpod /bin/vs-probe syscalls --text
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = EACCES ]
    vsrun delete sgb
    run vsrun exec sgpod /bin/vs-probe syscalls --text
    [ "$status" -eq 0 ]
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = "$bare" ]
}

@test "socket guard: a running container's guard stays while others come and go in its cgroup" {
    cp "$VS_BIN/vs-probe" "$VSRUN_ROOTFS/bin/vs-probe"
    row() { awk -v a="$1" -v n="$2" '$1 == a && $2 == n { print $3 }' <<<"$output"; }
    # The containers the node's owner records name (trusted.vsrun.socket_guard.<program id>:
    # the refused families' mask, then the owner's state dir).
    owners() {
        python3 -c 'import os, sys
names = [n for n in os.listxattr(sys.argv[1]) if n.startswith("trusted.vsrun.socket_guard.")]
print(" ".join(sorted(os.path.basename(os.getxattr(sys.argv[1], n).decode().split("\n")[1])
                      for n in names)))' "$node"
    }
    # sga refuses AF_VSOCK with EPERM and runs on (a pod's sandbox).
    b=$(make_bundle sga)
    engine_seccomp "$b/config.json"
    vsrun run -d -b "$b" sga
    guard=$(jq -r .socket_guard "$VSRUN_ROOT/sga/state.json")
    if [[ $guard != attached ]]; then
        skip "the kernel cannot run the BPF LSM socket guard: $guard"
    fi
    local path node
    path=$(jq -r .linux.cgroupsPath "$b/config.json")
    node=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
    node+=$(awk -F: '$1 == 0 { print $3 }' "/proc/$(state_pid sga)/cgroup")
    run vsrun exec sga /bin/vs-probe syscalls --text
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = EPERM ]
    [ "$(owners)" = sga ]
    # A container without linux.seccomp in that cgroup takes nothing off.
    b=$(make_bundle sgn /bin/vs-probe syscalls --text)
    edit_spec "$b" --arg p "$path" '.linux.cgroupsPath = $p'
    run vsrun run --keep -b "$b" sgn
    [ "$status" -eq 0 ]
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = EPERM ]
    vsrun delete sgn
    # One refusing AF_VSOCK with EACCES goes beside sga's guard while sga runs, and its delete
    # takes off its own only.
    b=$(make_bundle sgb /bin/vs-probe syscalls --text)
    engine_seccomp "$b/config.json"
    edit_spec "$b" --arg p "$path" '.linux.cgroupsPath = $p |
        .linux.seccomp.syscalls += [{"names": ["socket"], "action": "SCMP_ACT_ERRNO",
            "errnoRet": 13, "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_EQ"}]}]'
    run vsrun run --keep -b "$b" sgb
    [ "$status" -eq 0 ]
    [ "$(jq -r .socket_guard "$VSRUN_ROOT/sgb/state.json")" = attached ]
    [ "$(owners)" = "sga sgb" ]
    vsrun delete sgb
    [ "$(owners)" = sga ]
    run vsrun exec sga /bin/vs-probe syscalls --text
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = EPERM ]
    # Once sga is stopped (its pid namespace gone with its init) its guard goes: no pile-up.
    vsrun kill sga KILL
    wait_status sga stopped
    b=$(make_bundle sgc /bin/vs-probe syscalls --text)
    engine_seccomp "$b/config.json"
    edit_spec "$b" --arg p "$path" '.linux.cgroupsPath = $p'
    run vsrun run --keep -b "$b" sgc
    [ "$status" -eq 0 ]
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = EPERM ]
    [ "$(owners)" = sgc ]
    vsrun delete sgc
    vsrun delete sga
}

# guard_owners NODE: the containers the owner records on cgroup2 dir NODE name
# (trusted.vsrun.socket_guard.<program id>: the refused families' mask, the owner's state dir,
# its creator), sorted.
guard_owners() {
    python3 -c 'import os, sys
names = [n for n in os.listxattr(sys.argv[1]) if n.startswith("trusted.vsrun.socket_guard.")]
print(" ".join(sorted(os.path.basename(os.getxattr(sys.argv[1], n).decode().split("\n")[1])
                      for n in names)))' "$1"
}

# guard_pod: a container without linux.seccomp (a pod's sandbox) running in the cgroup the
# test's others share; sets path (its cgroupsPath), node (its cgroup2 dir) and bare (what
# i386 socketcall(SOCKET, AF_VSOCK) gives there without a guard).
guard_pod() {
    cp "$VS_BIN/vs-probe" "$VSRUN_ROOTFS/bin/vs-probe"
    local b
    b=$(make_bundle sgpod)
    vsrun run -d -b "$b" sgpod
    path=$(jq -r .linux.cgroupsPath "$b/config.json")
    node=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
    node+=$(awk -F: '$1 == 0 { print $3 }' "/proc/$(state_pid sgpod)/cgroup")
    run vsrun exec sgpod /bin/vs-probe syscalls --text
    [ "$status" -eq 0 ]
    bare=$(row i386 'socketcall(SOCKET,AF_VSOCK)')
    [[ -n $bare && $bare != EPERM ]]
}

@test "socket guard: one stopped in its own pid namespace takes its guard off the shared node" {
    row() { awk -v a="$1" -v n="$2" '$1 == a && $2 == n { print $3 }' <<<"$output"; }
    local path node bare
    guard_pod
    # sga refuses AF_VSOCK with EPERM: while it runs, the node refuses it to sgpod too.
    b=$(make_bundle sga)
    engine_seccomp "$b/config.json"
    edit_spec "$b" --arg p "$path" '.linux.cgroupsPath = $p'
    vsrun run -d -b "$b" sga
    guard=$(jq -r .socket_guard "$VSRUN_ROOT/sga/state.json")
    [[ $guard == attached ]] || skip "the kernel cannot run the BPF LSM socket guard: $guard"
    run vsrun exec sgpod /bin/vs-probe syscalls --text
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = EPERM ]
    [ "$(guard_owners "$node")" = sga ]
    # Stopped, not deleted: its pid namespace died with its init, nothing of it is left, and
    # the state the engine asks takes its guard off; sgpod gets its own profile's answer.
    vsrun kill sga KILL
    wait_status sga stopped
    [ -z "$(guard_owners "$node")" ]
    run vsrun exec sgpod /bin/vs-probe syscalls --text
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = "$bare" ]
    vsrun delete sga
    # Without a pid namespace of its own a stopped container may have left processes: its
    # guard stays until its delete.
    b=$(make_bundle sgh)
    engine_seccomp "$b/config.json"
    edit_spec "$b" --arg p "$path" '.linux.cgroupsPath = $p |
        .linux.namespaces = [.linux.namespaces[] | select(.type != "pid")]'
    vsrun run -d -b "$b" sgh
    vsrun kill sgh KILL
    wait_status sgh stopped
    [ "$(guard_owners "$node")" = sgh ]
    run vsrun exec sgpod /bin/vs-probe syscalls --text
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = EPERM ]
    vsrun delete sgh
    [ -z "$(guard_owners "$node")" ]
    run vsrun exec sgpod /bin/vs-probe syscalls --text
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = "$bare" ]
}

@test "socket guard: a guard a dead create left is not inherited by the next of its id" {
    require_fault_injection
    row() { awk -v a="$1" -v n="$2" '$1 == a && $2 == n { print $3 }' <<<"$output"; }
    local path node bare
    guard_pod
    # Killed once its guard and owner record are on the node, before its state.json exists.
    b=$(make_bundle sgs)
    engine_seccomp "$b/config.json"
    edit_spec "$b" --arg p "$path" '.linux.cgroupsPath = $p'
    export VSERVER_FAULT=oci-guarded:kill
    run vsrun create -b "$b" sgs
    unset VSERVER_FAULT
    [ "$status" -eq 137 ]
    [ "$(guard_owners "$node")" = sgs ] ||
        skip "the kernel cannot run the BPF LSM socket guard:" \
            "$(tail -n 1 "$VSRUN_ROOT/bpf-lsm:support")"
    run vsrun exec sgpod /bin/vs-probe syscalls --text
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = EPERM ]
    # The engine clears the id (a dir without state.json) and makes it again, now refusing
    # AF_ALG only: the dead create's AF_VSOCK guard is no one's, and goes.
    run vsrun delete --force sgs
    [ "$status" -eq 0 ]
    edit_spec "$b" '.linux.seccomp.syscalls[1].args[0].value = 38'
    vsrun run -d -b "$b" sgs
    [ "$(jq -r .socket_guard "$VSRUN_ROOT/sgs/state.json")" = attached ]
    [ "$(guard_owners "$node")" = sgs ]
    run vsrun exec sgpod /bin/vs-probe syscalls --text
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = "$bare" ]
    [ "$(row i386 'socketcall(SOCKET,AF_ALG)')" = EPERM ]
    vsrun delete --force sgs
    [ -z "$(guard_owners "$node")" ]
    run vsrun exec sgpod /bin/vs-probe syscalls --text
    [ "$(row i386 'socketcall(SOCKET,AF_VSOCK)')" = "$bare" ]
}

@test "devices: rules decide open and mknod (EPERM), linux.devices makes the nodes" {
    # A node the container's /dev does not have, whose driver every test kernel has (the loop
    # module's loop-control; a missing driver answers ENODEV after the device cgroup allowed it).
    mknod "$VSRUN_ROOTFS/root/loopctl" c 10 237
    # (make_bundle takes one argument a line: no newline inside one)
    local cmd='mknod /tmp/disk b 8 0 || echo mknod-denied; [ -c /dev/mem0 ] && echo node'
    cmd+='; : </root/loopctl && echo read-ok; (: >/root/loopctl) 2>&1 || echo write-denied'
    cmd+='; head -c 4 /dev/zero | wc -c'
    b=$(make_bundle d1 /bin/sh -c "$cmd")
    edit_spec "$b" '.linux.resources.devices = [{"allow": false, "access": "rwm"},
          {"allow": true, "type": "c", "major": 10, "minor": 237, "access": "r"}] |
        .linux.devices = [{"path": "/dev/mem0", "type": "c", "major": 1, "minor": 12}]'
    run vsrun run -b "$b" d1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"mknod: /tmp/disk: Operation not permitted"* ]]
    [[ $output == *mknod-denied*node*read-ok*"Operation not permitted"*write-denied* ]]
    [[ ${lines[-1]} == *4 ]]
    # An allow rule for it makes the same mknod work: the rules, not a capability, refused it.
    b=$(make_bundle d2 /bin/sh -c 'mknod /tmp/disk b 8 0 && echo made; rm -f /tmp/disk')
    edit_spec "$b" '.linux.resources.devices = [{"allow": false, "access": "rwm"},
          {"allow": true, "type": "b", "major": 8, "minor": 0, "access": "m"}]'
    run vsrun run -b "$b" d2
    [[ $output == *made* ]]
    # --rootless true leaves the rules to the host, as runc's rootless mode does, root or not.
    b=$(make_bundle d4 /bin/sh -c 'mknod /tmp/disk b 8 0 && echo made; rm -f /tmp/disk')
    edit_spec "$b" '.linux.resources.devices = [{"allow": false, "access": "rwm"}]'
    run vsrun --rootless true run -b "$b" d4
    echo "$output"
    [[ $output == *made* ]]
    b=$(make_bundle d3)
    edit_spec "$b" '.linux.devices = [{"path": "/dev/p0", "type": "p"}]'
    run vsrun create -b "$b" d3
    [ "$status" -eq 1 ]
    [[ $output == *'linux.devices[0] "/dev/p0"'* ]]
    [ ! -e "$VSRUN_ROOT/d3" ]
}

@test "devices: a block device in linux.devices is made and allowed; links stay in the rootfs" {
    # /escape is an absolute link to a host dir: resolved inside the rootfs, never on the host.
    mkdir "$VSERVER_PREFIX/host"
    mkdir -p "$VSRUN_ROOTFS/$VSERVER_PREFIX/host"
    ln -s "$VSERVER_PREFIX/host" "$VSRUN_ROOTFS/escape"
    local cmd='stat -c %F:%t:%T:%a /dev/loopx /escape/d0; (: </dev/loopx) 2>&1; echo done'
    b=$(make_bundle bd /bin/sh -c "$cmd")
    edit_spec "$b" '.linux.resources.devices = [{"allow": false, "access": "rwm"}] |
        .linux.devices = [{"path": "/dev/loopx", "type": "b", "major": 7, "minor": 0,
                           "fileMode": 432},
                          {"path": "/escape/d0", "type": "b", "major": 7, "minor": 1}]'
    run vsrun run -b "$b" bd
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "block special file:7:0:660" ]
    [ "${lines[1]}" = "block special file:7:1:666" ]
    # Allowed by the device cgroup: opening it fails only where there is no loop device.
    [[ $output != *"Operation not permitted"* ]]
    [ "${lines[-1]}" = done ]
    [ -z "$(ls -A "$VSERVER_PREFIX/host")" ]
    [ -b "$VSRUN_ROOTFS/$VSERVER_PREFIX/host/d0" ]
}

@test "devices: update --resources replaces the rules live; the defaults stay allowed" {
    mknod "$VSRUN_ROOTFS/root/loopctl" c 10 237
    b=$(make_bundle du)
    edit_spec "$b" '.linux.resources.devices = [{"allow": false, "access": "rwm"},
          {"allow": true, "type": "c", "major": 10, "minor": 237, "access": "r"}]'
    vsrun run -d -b "$b" du
    vsrun exec du /bin/sh -c ': </root/loopctl'
    echo '{"devices": [{"allow": false, "access": "rwm"}]}' | vsrun update --resources - du
    run vsrun exec du /bin/sh -c ': </root/loopctl'
    [ "$status" -ne 0 ]
    [[ $output == *"Operation not permitted"* ]]
    run vsrun exec du /bin/sh -c 'echo x >/dev/null && head -c 2 /dev/urandom | wc -c'
    [ "$output" = 2 ]
    echo '{"devices": [{"allow": true, "type": "c", "major": 10, "minor": 237, "access": "r"}]}' |
        vsrun update --resources - du
    vsrun exec du /bin/sh -c ': </root/loopctl'
}

@test "user namespace: uidMappings/gidMappings; exec joins it, --user changes the ids" {
    b=$(make_bundle u1)
    edit_spec "$b" '.linux.namespaces += [{"type": "user"}] |
        .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}] |
        .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}] |
        .mounts += [{"destination": "/root", "type": "bind", "source": $p,
                     "options": ["rbind", "idmap"]}]' \
        --arg p "$VSERVER_PREFIX/idm"
    mkdir -p "$VSERVER_PREFIX/idm"
    touch "$VSERVER_PREFIX/idm/f"
    vsrun run -d -b "$b" u1
    pid=$(state_pid u1)
    grep -q "^Uid:[[:space:]]200000[[:space:]]" "/proc/$pid/status"
    run vsrun exec u1 /bin/sh -c 'id -u; cat /proc/self/uid_map'
    [ "${lines[0]}" = 0 ]
    [[ ${lines[1]} =~ ^\ *0\ +200000\ +65536$ ]]
    run vsrun exec --user 1000:1000 -g 7 u1 id
    [ "$output" = "uid=1000 gid=1000 groups=7" ]
    # "idmap" without mappings: through the container's user namespace, so the host's root-owned
    # file is its root's (65534, nobody, without the idmap).
    run vsrun exec u1 stat -c "%u %g" /root/f
    [ "$output" = "0 0" ]
}

@test "time namespace: linux.timeOffsets shift boottime and monotonic for the container only" {
    b=$(make_bundle tn1 /bin/sh -c 'cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime')
    edit_spec "$b" '.linux.namespaces += [{"type": "time"}] |
        .linux.timeOffsets = {"boottime": {"secs": 1000000}, "monotonic": {"secs": -5,
        "nanosecs": 7}}'
    run vsrun run -b "$b" tn1
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"monotonic"*"-5"*"7"* ]]
    [[ $output == *"boottime"*"1000000"*"0"* ]]
    local host
    host=$(cut -d. -f1 /proc/uptime)
    [ "${lines[-1]}" -ge $((host + 999990)) ]
    # The host's clocks are untouched.
    [ "$(cut -d. -f1 /proc/uptime)" -lt $((host + 1000)) ]
}

@test "run in the foreground forwards signals to the process and returns its status" {
    no_cgroup
    b=$(make_bundle s1 /bin/sh -c 'trap "exit 42" USR1; while :; do sleep 0.1; done')
    "$VSRUN" --root "$VSRUN_ROOT" run -b "$b" s1 &  # not the function: $! must be vsrun
    rpid=$!
    wait_status s1 running
    pid=$(state_pid s1)
    # The trap is set once sh reads it; SIGUSR1 before that would kill it (default action).
    for i in $(seq 50); do
        grep -q '^SigCgt:.*[1-9a-f]' "/proc/$pid/status" && break
        sleep 0.05
    done
    kill -USR1 "$rpid"
    s=0
    wait "$rpid" || s=$?
    [ "$s" -eq 42 ]
    [ ! -e "$VSRUN_ROOT/s1" ]
}

@test "update: memory and pids limits change live (flags and --resources -)" {
    b=$(make_bundle up1)
    vsrun run -d -b "$b" up1
    vsrun update --memory 64m up1
    m=$(cat $(find $(cgroup_parent_dirs) -path '*/up1/memory.limit_in_bytes' -o \
        -path '*/up1/memory.max' | head -1))
    [ "$m" = 67108864 ]
    echo '{"pids": {"limit": 17}}' | vsrun update --resources - up1
    [ "$(cat $(find $(cgroup_parent_dirs) -path '*/up1/pids.max' | head -1))" = 17 ]
    run vsrun update --memory lots up1
    [ "$status" -eq 1 ]
    [[ $output == *'--memory "lots" is not a size'* ]]
}

@test "events --stats: cpu, memory and pids of the container's cgroup" {
    b=$(make_bundle ev1)
    vsrun run -d -b "$b" ev1
    run vsrun events --stats ev1
    [ "$status" -eq 0 ]
    echo "$output" | jq -e '.type == "stats" and .id == "ev1" and .data.pids.current >= 1 and
        .data.pids.limit == 64 and .data.memory.usage.usage > 0 and .data.cpu.usage.total >= 0'
    vsrun kill ev1 KILL
    wait_status ev1 stopped
    run vsrun events --stats ev1
    [[ $output == *"container not running"* ]]
}

@test "events: an OOM kill is an oom event as it happens; --stats counts it" {
    # The container waits for /tmp/go, then dd's 64 MiB buffer meets a 16 MiB limit.
    local cmd='while [ ! -e /tmp/go ]; do sleep 0.1; done'
    cmd+='; dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 300'
    b=$(make_bundle oom /bin/sh -c "$cmd")
    edit_spec "$b" '.linux.resources.memory = {"limit": 16777216}'
    vsrun run -d -b "$b" oom
    local out=$VSERVER_PREFIX/events
    "$VSRUN" --root "$VSRUN_ROOT" events --interval 60s oom >"$out" &
    local epid=$!
    for i in $(seq 100); do [ -s "$out" ] && break; sleep 0.1; done
    touch "$VSRUN_ROOTFS/tmp/go"
    for i in $(seq 200); do grep -q '"type":"oom"' "$out" && break; sleep 0.1; done
    kill "$epid"
    wait "$epid" || true
    cat "$out"
    [ "$(jq -r 'select(.type == "stats") | .id' "$out" | head -1)" = oom ]
    [ "$(jq -c 'select(.type == "oom")' "$out" | head -1)" = '{"id":"oom","type":"oom"}' ]
    vsrun events --stats oom | jq -e '.data.memory.raw.oom_kill >= 1'
    # The stream ends by itself when the container stops.
    vsrun kill oom KILL
    timeout 10 "$VSRUN" --root "$VSRUN_ROOT" events --interval 60s oom || [ $? -ne 124 ]
}
