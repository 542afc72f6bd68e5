#!/usr/bin/env bats
# Host tools on real guests (started by `vserver start`, processes added by `vserver exec`):
# vps labels, vkill scope, and ps inside a guest.

load lib

setup() { vs_setup; }
teardown() {
    [[ -n ${EXEC_PID:-} ]] && kill "$EXEC_PID" 2>/dev/null || true
    vs_teardown
}

VPS() { "$VS_BIN/vps" "$@"; }
VKILL() { "$VS_BIN/vkill" "$@"; }

@test "a process exec'd into a running guest while vps runs is labelled with that guest" {
    make_guest ra
    vs ra start
    local xid
    xid=$(cat "$(guest_cfg ra)/context")
    # vps in a loop while the exec happens; the exec'd sleep must appear labelled "xid ra".
    vs ra exec sleep 300 &
    EXEC_PID=$!
    local found=""
    for _ in $(seq 1 50); do
        out=$(VPS -e -o pid,args)
        found=$(grep -E "^ *[0-9]+ +$xid ra +sleep 300" <<<"$out" || true)
        [[ -n $found ]] && break
        sleep 0.1
    done
    echo "$out" | grep -E "sleep 300|CONTEXT" || true
    [ -n "$found" ]
    # The host's own processes stay MAIN, including the vserver exec client.
    grep -E "^ *$EXEC_PID +0 MAIN" <<<"$(VPS -e -o pid,args)"
}

@test "vkill on a real guest signals only that guest's processes; ps inside sees only the guest" {
    make_guest rb
    make_guest rc
    vs rb start
    vs rc start
    local b_init c_init
    b_init=$(init_pid rb)
    c_init=$(init_pid rc)
    # Inside rb, ps lists only rb's processes: its init is PID 1 and rc's init is absent.
    run vs rb exec ps -o pid,comm
    echo "$output"
    [ "$status" -eq 0 ]
    grep -E '^ *1 ' <<<"$output"
    ! grep -q "^ *$c_init " <<<"$output"
    # vkill refuses rc's init when asked for rb, and the host's own shell.
    run VKILL --xid rb -s 0 "$c_init"
    [ "$status" -ne 0 ]
    run VKILL --xid rb -s 0 $$
    [ "$status" -ne 0 ]
    kill -0 "$c_init"
    # With no pid it signals all of rb: rb's init goes, rc's stays.
    VKILL --xid rb -s KILL
    for _ in $(seq 1 50); do kill -0 "$b_init" 2>/dev/null || break; sleep 0.1; done
    ! kill -0 "$b_init" 2>/dev/null
    kill -0 "$c_init"
}
