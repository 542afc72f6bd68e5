#!/usr/bin/env bats
# exec/suexec/enter never show the host's vserver binary inside the guest (CVE-2019-5736): what
# a guest can see of a joining process before its final execve is the sealed vs-init memfd.
# Root; everything under a temporary prefix.

load lib
bats_require_minimum_version 1.5.0

setup() { vs_setup; }
teardown() { vs_teardown; }

# A guest-side observer: lib.bash's exe_sweep_script, also logging every exe link it sees.
OBSERVER=$(exe_sweep_script seen)

@test "300 (VM: 100) exec/suexec: a guest watching /proc/*/exe never sees nor write-opens vserver" {
    make_guest g1
    vs g1 start
    # The guest's /tmp is its own tmpfs: look through the init's root.
    root=/proc/$(init_pid g1)/root
    sum=$(sha256sum "$VS" | cut -d' ' -f1)
    vs g1 exec sh -c "$OBSERVER" &
    obs=$!
    for _ in $(seq 50); do [[ -e $root/tmp/seen ]] && break; sleep 0.1; done
    # The VM emulates every exec (TCG): fewer rounds there still cross the exec/exit windows.
    rounds=300
    [[ -z ${VS_TEST_VM:-} ]] || rounds=100
    for i in $(seq "$rounds"); do
        case $((i % 10)) in
            0) vs g1 suexec nobody /bin/true ;;
            5) run -127 vs g1 exec /no/such/program ;;
            *) vs g1 exec /bin/true ;;
        esac
    done
    exe_sweep_stop g1 "$root" "$obs"
    # Every exe link seen is the sealed vs-init (the init, and joining processes before their
    # execve) or a binary of the guest itself.
    bad=0
    while read -r pid link; do
        [[ $link == "/memfd:vs-init (deleted)" ]] && continue
        [[ $link == /* && -f $root$link ]] && continue
        echo "pid $pid: exe $link"
        bad=1
    done < <(sort -u -k2 "$root/tmp/seen")
    grep -c memfd:vs-init "$root/tmp/seen"
    [ "$bad" -eq 0 ]
    ! grep -q vserver "$root/tmp/seen"
    # No exe of a live process could be opened for writing, not even the init's (a running
    # memfd: ETXTBSY). What the exit race above let through is the guest's own file or the
    # sealed memfd, never written; never anything of the host.
    while read -r e t; do
        echo "opened for writing: $e -> $t"
        [[ $t == "/memfd:vs-init (deleted)" ]] && continue
        [[ $t == /* && $t != *vserver* && -f $root$t ]] || bad=1
    done <"$root/tmp/writable"
    [ "$bad" -eq 0 ]
    [ "$(sha256sum "$VS" | cut -d' ' -f1)" = "$sum" ]
}

@test "exec of /proc/self/exe or a '#!/proc/self/exe' script runs sealed vs-init, not vserver" {
    make_guest g1
    vs g1 start
    root=/proc/$(init_pid g1)/root
    sum=$(sha256sum "$VS" | cut -d' ' -f1)
    # The spawned process's exe at its execve is what /proc/self/exe names: vs-init, which
    # refuses to act as a reaper outside PID 1 (the host binary would print its usage).
    run -2 vs g1 exec /proc/self/exe
    [[ $output == *"vs-init: not the PID 1 of a guest"* ]]
    [[ $output != *"usage"* ]]
    vs g1 exec sh -c "printf '#!/proc/self/exe\n' >/tmp/evil; chmod 755 /tmp/evil"
    run -2 vs g1 exec /tmp/evil
    [[ $output == *"vs-init: not the PID 1 of a guest"* ]]
    run -2 vs g1 suexec nobody /tmp/evil
    [[ $output == *"vs-init: not the PID 1 of a guest"* ]]
    # The init's own exe is the sealed memfd and cannot be opened for writing.
    run vs g1 exec sh -c 'readlink /proc/1/exe; true 2>&1 >>/proc/1/exe || echo refused'
    [[ $output == *"/memfd:vs-init (deleted)"* ]]
    [[ $output == *refused* ]]
    [ "$(sha256sum "$VS" | cut -d' ' -f1)" = "$sum" ]
}

@test "exec keeps its exit codes, stdio and process tree through the sealed vs-init" {
    make_guest g1
    vs g1 start
    run vs g1 exec sh -c 'echo out; echo err >&2; exit 42'
    [ "$status" -eq 42 ]
    [[ $output == *out*err* ]]
    run -127 vs g1 exec no-such-command
    [[ $output == *'no-such-command'* ]]
    vs g1 exec sh -c "printf 'not a program\n' >/tmp/plain; chmod 644 /tmp/plain"
    run -126 vs g1 exec /tmp/plain
    [[ $output == *'/tmp/plain'* ]]
    # stdin reaches the command; a signal death is 128+N.
    [ "$(echo piped | vs g1 exec cat)" = piped ]
    run vs g1 exec sh -c 'kill -TERM $$'
    [ "$status" -eq 143 ]
    # The command's parent is outside the guest (ppid 0), and no vs-init is left behind.
    run vs g1 exec sh -c 'grep PPid /proc/self/status'
    [[ $output == *"PPid:"*0* ]]
    run vs g1 exec ps
    [ "$(grep -c vs-init <<<"$output")" -eq 1 ]
    run vs g1 suexec nobody sh -c 'id -u; id -g'
    [ "$(echo $output)" = "65534 65534" ]
}
