#!/usr/bin/env bats
# Hostile-guest battery (shared/reference/security.md §8 A13-A15, A18-A20): a guest root that
# races the host's own work on it (the joining helper, mount targets), injects terminal input,
# reaches for host sockets and spoofs its network identity. Each test asserts the safe outcome
# from inside and on the host; where it is cheap, a control shows the test can fail. The active
# parts are vs-probe commands (tools/vs-probe/hostile.cpp). Root; everything under a temporary
# prefix, a random cgroup parent and network namespaces the tests create.

load lib
load security_lib
bats_require_minimum_version 1.5.0

setup() { sec_setup; }
teardown() {
    local rc=0
    [[ -n ${A20_NS:-} ]] && { a20_teardown || rc=1; }
    sec_teardown || rc=1
    return $rc
}

gsh() { vs g1 exec sh -c "$1"; }

sha() { sha256sum "$1" | cut -d' ' -f1; }

# Repeat counts: the first on the host, the second in the cgroup-v2 test VM (VS_TEST_VM, where
# each exec costs ~30x more under TCG). Only counts scale; every assertion stays.
rounds() { if [[ -n ${VS_TEST_VM:-} ]]; then echo "$2"; else echo "$1"; fi; }

# ---- A13: /proc/self/exe overwrite (CVE-2019-5736) ----------------------------------------

# A guest-side writer: every sweep tries an O_WRONLY|O_APPEND open of every /proc/PID/exe and
# names what an open that succeeded reached (exec_exe.bats explains the benign exit race it can
# catch: the guest's own file, or the sealed vs-init memfd whose write seal refuses the byte).
EXE_WRITER='
: >/tmp/writable; n=0
while [ ! -e /tmp/stop ]; do
    for e in /proc/[0-9]*/exe; do
        { t=$(readlink /proc/self/fd/3)
          case $t in "/memfd:vs-init (deleted)") printf x >&3 && t="$t WRITTEN" ;; esac
          echo "$e $t" >>/tmp/writable; } 2>/dev/null 3>>"$e"
    done
    n=$((n + 1))
done
echo "$n" >/tmp/sweeps
'

@test "A13: /bin/sh replaced by '#!/proc/self/exe': enter, exec sh and suexec run the sealed vs-init; vserver and vs-init unchanged" {
    make_guest g1
    vs g1 start
    root=/proc/$(init_pid g1)/root
    vs_sum=$(sha "$VS") init_sum=$(sha "$VS_BIN/vs-init")
    # The guest keeps its busybox under another name and turns /bin/sh into the exploit.
    gsh 'rm /bin/sh && printf "#!/proc/self/exe\n" >/bin/sh && chmod 755 /bin/sh'
    [ "$(head -c 16 "$root/bin/sh")" = '#!/proc/self/exe' ]
    vs g1 exec /bin/busybox sh -c "$EXE_WRITER" &
    obs=$!
    for _ in $(seq 50); do [[ -e $root/tmp/writable ]] && break; sleep 0.1; done
    # enter runs the guest's /bin/sh; exec sh and suexec name it directly.
    for i in $(seq "$(rounds 20 5)"); do
        run script -qec "$VS g1 enter" /dev/null </dev/null
        [[ $output == *"vs-init: not the PID 1 of a guest"* ]] || { echo "enter $i: $output"; false; }
    done
    for i in $(seq "$(rounds 40 10)"); do
        run vs g1 exec /bin/sh -c true
        [ "$status" -eq 2 ]
        [[ $output == *"vs-init: not the PID 1 of a guest"* ]]
    done
    run vs g1 suexec nobody /bin/sh -c true
    [[ $output == *"vs-init: not the PID 1 of a guest"* ]]
    [[ $output != *usage* ]]
    vs g1 exec touch /tmp/stop
    wait "$obs"
    echo "sweeps: $(cat "$root/tmp/sweeps")"
    [ "$(cat "$root/tmp/sweeps")" -gt 0 ]
    # Nothing of the host was ever opened for writing; the sealed memfd never took a byte.
    bad=0
    while read -r e t; do
        echo "opened for writing: $e -> $t"
        [[ $t == "/memfd:vs-init (deleted)" ]] && continue
        [[ $t == /* && $t != *vserver* && $t != *vs-init* && -f $root$t ]] || bad=1
    done <"$root/tmp/writable"
    [ "$bad" -eq 0 ]
    [ "$(sha "$VS")" = "$vs_sum" ]
    [ "$(sha "$VS_BIN/vs-init")" = "$init_sum" ]
    # The guest's init still runs from its sealed copy.
    [ "$(readlink "/proc/$(init_pid g1)/exe")" = "/memfd:vs-init (deleted)" ]
}

# ---- A14: ptrace of the joining helper (CVE-2016-9962) ------------------------------------

# The processes a guest can see are its own commands (after their execve; their fds are the
# guest's files and the stdio the host handed them on purpose) and, between its birth and its
# execve, each joining process running the sealed vs-init. A fd > 2 of the latter, or any fd
# naming a host path, is a host handle. Prints one line per handle found.
host_handles() {
    local root=$1 json=$2 exe how fd t
    while IFS=$'\t' read -r exe how fd t; do
        if [[ $exe != /* || $exe == *"(deleted)"* || $exe == *vserver* ]]; then
            [[ $fd -le 2 ]] && continue
        elif [[ $t != /* || $t == /dev/null || -e $root$t ]]; then
            continue
        fi
        echo "$how fd $fd -> $t (exe $exe)"
    done < <(jq -r '.obtained[] | [.exe, .how, (.fd|tostring), .target] | @tsv' <<<"$json")
}

# Runs the watcher in g1 during N exec/suexec; its JSON lands in $WATCH.
watch_execs() {
    local n=$1 root=/proc/$(init_pid g1)/root out=$VSERVER_PREFIX/watch.json
    vs g1 exec /bin/vs-probe ptrace-watch /tmp/stop 4000000000 >"$out" </dev/null &
    local watcher=$!
    for _ in $(seq 50); do [[ $(vs g1 exec ps 2>/dev/null) == *vs-probe* ]] && break; sleep 0.1; done
    for i in $(seq "$n"); do
        case $((i % 10)) in
            0) vs g1 suexec nobody /bin/true </dev/null >/dev/null 2>&1 ;;
            *) vs g1 exec /bin/true </dev/null >/dev/null 2>&1 ;;
        esac
    done
    vs g1 exec touch /tmp/stop
    wait "$watcher"
    WATCH=$(cat "$out")
    jq -c 'del(.obtained)' <<<"$WATCH"
    jq -c '.obtained | group_by(.exe + " " + (.fd|tostring)) | map({exe: .[0].exe, fd: .[0].fd, how: .[0].how, n: length})' <<<"$WATCH"
}

@test "A14: a guest attacking every new pid (pidfd_getfd, /proc/PID/fd, PTRACE_SEIZE) during 300 exec/suexec gets no host fd" {
    probe_guest g1
    vs g1 start
    root=/proc/$(init_pid g1)/root
    n=$(rounds 300 60)
    watch_execs "$n"
    # It saw many of the joining processes (each exec is one new pid in the guest).
    [ "$(jq -r .pids <<<"$WATCH")" -ge $((n / 4)) ]
    handles=$(host_handles "$root" "$WATCH")
    if [[ -n $handles && $(readlink /proc/$(init_pid g1)/ns/user) == "$(readlink /proc/self/ns/user)" ]] &&
        (( $(guest_cap g1 CapEff 1) >> 19 & 1 )); then
        echo "$handles" | sort | uniq -c | sort -rn | head
        skip "KNOWN HOLE: without a user namespace, guest root's CAP_SYS_PTRACE (util-vserver default) reaches the joining vs-init between its clone and its close_range: $(wc -l <<<"$handles") host fds (its sync socket to vserver, its exec-status pipe) taken and $(jq -r .attached_helpers <<<"$WATCH") helpers held stopped in $n exec"
    fi
    [ -z "$handles" ] || { echo "$handles"; false; }
    # Every exec still ran what it was told, and the guest kept its one sealed init.
    vs g1 exec /bin/true
    [ "$(readlink "/proc/$(init_pid g1)/exe")" = "/memfd:vs-init (deleted)" ]
}

@test "A14: without CAP_SYS_PTRACE every attach, pidfd_getfd and /proc/PID/fd open on a joining process is refused" {
    probe_guest g1
    echo '!SYS_PTRACE' >"$(guest_cfg g1)/bcapabilities"
    vs g1 start
    root=/proc/$(init_pid g1)/root
    n=$(rounds 200 60)
    watch_execs "$n"
    [ "$(jq -r .pids <<<"$WATCH")" -ge $((n / 4)) ]
    handles=$(host_handles "$root" "$WATCH")
    [ -z "$handles" ] || { echo "$handles"; false; }
    # No joining process was ever held stopped before its execve, and the ones it reached
    # refused it (the exe is read again while the tracee is stopped, so this is exact).
    [ "$(jq -r .attached_helpers <<<"$WATCH")" -eq 0 ]
    [ "$(jq -r '.helper.attach.EPERM // 0' <<<"$WATCH")" -gt 0 ]
    [ "$(jq -r '.helper.getfd.EPERM // 0' <<<"$WATCH")" -gt 0 ]
}
