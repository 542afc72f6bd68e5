#!/usr/bin/env bats
# Hostile-guest battery (shared/reference/security.md §8 A13-A15, A18, A19): a guest root that
# races the host's own work on it (the joining helper, mount targets), injects terminal input
# and reaches for host sockets and for the host's view of its files. Each test asserts the safe
# outcome from inside and on the host; where it is cheap, a control shows the test can fail. The
# active parts are vs-probe commands (tools/vs-probe/hostile.cpp). Root; everything under a
# temporary prefix and a random cgroup parent, plus what a test names in teardown (a tmux server
# on its own socket, one socket under /run, A15's shared volume and decoy dirs in /tmp).

load lib
load security_lib
bats_require_minimum_version 1.5.0

# The tmux server of A18, by its own socket (only ever ours), before the guests go: its shell
# may still be inside an enter.
sec_pre_teardown() {
    if [[ -n ${A18_TMUX:-} ]]; then tmux -L "$A18_TMUX" kill-server 2>/dev/null || true; fi
}
sec_post_teardown() {
    local rc=0 d
    # A19's host path socket (its listener is in SEC_HOST_PIDS).
    [[ -n ${A19_SOCK:-} ]] && rm -f "$A19_SOCK"
    # A15's dirs: never a mount point by then (sec_teardown has stopped every guest), checked.
    for d in ${A15_DIRS:-}; do
        if grep -qF " $d" /proc/self/mountinfo; then echo "A15: $d is mounted"; rc=1; fi
        rm -rf "$d"
    done
    return $rc
}

gsh() { vs g1 exec sh -c "$1"; }

sha() { sha256sum "$1" | cut -d' ' -f1; }

# ---- A13: /proc/self/exe overwrite (CVE-2019-5736) ----------------------------------------

# A guest-side writer: lib.bash's exe_sweep_script (it explains the benign exit race it can
# catch: the guest's own file, or the sealed vs-init memfd whose write seal refuses the byte).
EXE_WRITER=$(exe_sweep_script)

@test "A13: /bin/sh as '#!/proc/self/exe': enter, exec, suexec run sealed vs-init; both unchanged" {
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
        [[ $output == *"vs-init: not the PID 1 of a guest"* ]] ||
            { echo "enter $i: $output"; false; }
    done
    for i in $(seq "$(rounds 40 10)"); do
        run vs g1 exec /bin/sh -c true
        [ "$status" -eq 2 ]
        [[ $output == *"vs-init: not the PID 1 of a guest"* ]]
    done
    run vs g1 suexec nobody /bin/sh -c true
    [[ $output == *"vs-init: not the PID 1 of a guest"* ]]
    [[ $output != *usage* ]]
    exe_sweep_stop g1 "$root" "$obs"
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
# guest's files and the stdio the host handed them on purpose, fds 0-2 of every process) and,
# between its birth and its execve, each joining process running the sealed vs-init. A fd > 2
# of the latter, or a fd > 2 naming a host path, is a host handle, and so is a root or cwd of a
# joining process held stopped that is not the guest's, or a file it maps other than its own
# sealed vs-init (the probe reports those as fd -1).
# Prints one per line.
host_handles() {
    local root=$1 json=$2 exe how fd t
    while IFS=$'\t' read -r exe how fd t; do
        [[ $fd -ge 0 && $fd -le 2 ]] && continue
        if [[ $exe == /* && $exe != *"(deleted)"* && $exe != *vserver* ]]; then
            [[ $t != /* || $t == /dev/null || -e $root$t ]] && continue
        fi
        echo "$how fd $fd -> $t (exe $exe)"
    done < <(jq -r '.obtained[] | [.exe, .how, (.fd|tostring), .target] | @tsv' <<<"$json")
}

# Runs the watcher in g1 during N exec/suexec; its JSON lands in $WATCH.
watch_execs() {
    local n=$1 root=/proc/$(init_pid g1)/root out=$VSERVER_PREFIX/watch.json
    vs g1 exec /bin/vs-probe ptrace-watch /tmp/stop 4000000000 >"$out" </dev/null &
    local watcher=$!
    # Wait for it from the host: a ps in the guest would itself be a guest process holding
    # /proc/PID/stat of pids that are gone by the time the watcher's findings are checked.
    local p found
    for _ in $(seq 50); do
        found=
        for p in $(guest_cgroup_pids g1); do
            [[ $(cat "/proc/$p/comm" 2>/dev/null) == vs-probe ]] && found=1
        done
        [[ -n $found ]] && break
        sleep 0.1
    done
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
    jq -c '.obtained | group_by(.exe + " " + (.fd|tostring)) |
        map({exe: .[0].exe, fd: .[0].fd, how: .[0].how, n: length})' <<<"$WATCH"
}

@test "A14: pidfd_getfd, /proc/PID/fd, PTRACE_SEIZE on new pids in 300 exec/suexec: no host fd" {
    probe_guest g1
    vs g1 start
    root=/proc/$(init_pid g1)/root
    n=$(rounds 300 60)
    watch_execs "$n"
    # It saw many of the joining processes (each exec is one new pid in the guest).
    [ "$(jq -r .pids <<<"$WATCH")" -ge $((n / 5)) ]
    # Every exec still ran what it was told, and the guest kept its one sealed init.
    vs g1 exec /bin/true
    [ "$(readlink "/proc/$(init_pid g1)/exe")" = "/memfd:vs-init (deleted)" ]
    handles=$(host_handles "$root" "$WATCH")
    helpers=$(jq -r .attached_helpers <<<"$WATCH")
    echo "held stopped before their execve: $helpers joining processes"
    [ -z "$handles" ] || { echo "$handles" | sort | uniq -c | sort -rn | head; false; }
    # In a user namespace the joining process is not the guest's to trace (its mm belongs to the
    # host's namespace): no helper was ever held stopped before its execve. Without one, guest
    # root keeps util-vserver's CAP_SYS_PTRACE in the host's namespace and may hold it stopped,
    # but it is born with fds 0-2, the guest's root and cwd only: the probe listed its fds,
    # root, cwd and mappings while it was stopped, and the check above found nothing else.
    if [[ $(readlink /proc/$(init_pid g1)/ns/user) != "$(readlink /proc/self/ns/user)" ]] ||
        ! (( $(guest_cap g1 CapEff 1) >> 19 & 1 )); then
        [ "$helpers" -eq 0 ]
    fi
}

@test "A14: without CAP_SYS_PTRACE, attach, pidfd_getfd, /proc/PID/fd of a joining pid: refused" {
    probe_guest g1
    echo '!SYS_PTRACE' >"$(guest_cfg g1)/bcapabilities"
    vs g1 start
    root=/proc/$(init_pid g1)/root
    n=$(rounds 200 60)
    watch_execs "$n"
    [ "$(jq -r .pids <<<"$WATCH")" -ge $((n / 5)) ]
    handles=$(host_handles "$root" "$WATCH")
    [ -z "$handles" ] || { echo "$handles"; false; }
    # No joining process was ever held stopped before its execve, and the ones it reached
    # refused it (the exe is read again while the tracee is stopped, so this is exact).
    [ "$(jq -r .attached_helpers <<<"$WATCH")" -eq 0 ]
    [ "$(jq -r '.helper.attach.EPERM // 0' <<<"$WATCH")" -gt 0 ]
    [ "$(jq -r '.helper.getfd.EPERM // 0' <<<"$WATCH")" -gt 0 ]
}

# Guest root may SIGSTOP its own processes, so it can hold a joining process before its execve,
# and vs-init waits for that execve (CLONE_VFORK). The hold is a race the probe wins now and then
# (one stop command per round); a round it wins must still end within apps/init/timeout.
@test "A14: a stop command held stopped before its execve: stop ends at apps/init/timeout" {
    probe_guest g1
    cfg=$(guest_cfg g1)
    mkdir -p "$cfg/apps/init"
    echo 2 >"$cfg/apps/init/timeout"
    echo /bin/true >"$cfg/apps/init/cmd.stop-sync"
    local r held=0
    for r in $(seq 15); do
        vs g1 start
        root=/proc/$(init_pid g1)/root
        gsh '/bin/vs-probe stop-watch /tmp/stop 4000000000 >/tmp/held 2>&1 </dev/null &'
        for _ in $(seq 50); do [[ -e $root/tmp/held ]] && break; sleep 0.05; done
        run timeout 60 "$VS" g1 stop
        [ "$status" -eq 0 ] || { echo "round $r: stop: $status $output"; false; }
        assert_no_leaks g1
        if [[ $output == *'cmd.stop-sync "/bin/true" did not finish within 2 s'* ]]; then
            echo "round $r: $output"
            held=1
            break
        fi
        [ -z "$output" ] || { echo "round $r: $output"; false; }
    done
    [ "$held" -eq 1 ] || skip "the probe did not win the race in $r stop commands"
}

# ---- A15: mount-target races (CVE-2021-30465, CVE-2019-19921, CVE-2025-52881) ------------

# The mounts of g2 at /proc, /sys and /dev and below, as "mountpoint fstype options" lines.
a15_kernel_mounts() {
    vs g2 exec cat /proc/self/mountinfo |
        awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $6 }' |
        grep -E '^/(proc|sys|dev)(/| )' | sort
}

@test "A15: g1 swaps g2's shared-volume mount target for links out: mount stays inside or fails" {
    A15_DIRS="$(mktemp -d /tmp/vs-a15-vol-XXXXXX) $(mktemp -d /tmp/vs-a15-decoy-XXXXXX)"
    read -r vol decoy <<<"$A15_DIRS"
    chmod 1777 "$vol"
    echo decoy >"$decoy/file"
    decoy_before=$(find "$decoy" -printf '%p %s %T@\n' | sort)
    probe_guest g1
    probe_guest g2
    mkdir -p "$(guest_root g1)/shared" "$(guest_root g2)/data"
    echo "$vol /shared none bind 0 0" >>"$(guest_cfg g1)/fstab"
    printf '%s /data none bind 0 0\nnone /data/sub tmpfs size=1m,mode=700 0 0\n' "$vol" \
        >>"$(guest_cfg g2)/fstab"
    vs g1 start
    # Made by g1 (in a user namespace, the sticky volume lets only a file's owner rename it).
    vs g1 exec mkdir /shared/sub
    # The unraced start: where the tmpfs lands, and g2's kernel mounts, as the reference.
    vs g2 start
    [[ $(vs g2 exec cat /proc/self/mountinfo) == *" /data/sub "*" - tmpfs "* ]]
    kernel_ref=$(a15_kernel_mounts)
    vs g2 stop
    n=$(rounds 100 20)
    started=0 refused=0 bad=0
    for link in "$decoy" "../../../../../../../../..$decoy" /proc/sys/kernel ../../proc \
        "/proc/1/root$decoy"; do
        vs g1 exec sh -c "rm -rf /shared/sub.alt /tmp/stop; ln -s '$link' /shared/sub.alt"
        vs g1 exec sh -c "/bin/vs-probe exchange-loop /shared/sub /shared/sub.alt /tmp/stop \
            2000000000 >/tmp/swaps.json 2>&1 </dev/null &"
        for i in $(seq $((n / 5))); do
            run vs g2 start
            if [ "$status" -ne 0 ]; then
                refused=$((refused + 1))
                [ "${#lines[@]}" -eq 1 ] || { echo "start: $output"; bad=1; }
                assert_no_leaks g2 || bad=1
                continue
            fi
            started=$((started + 1))
            # The tmpfs is on the directory (named /data/sub.alt once the loop has swapped it
            # back) or nowhere: never on the kernel's filesystems, never out of the root.
            tmpfs=$(vs g2 exec cat /proc/self/mountinfo |
                awk '$0 ~ / - tmpfs / && $0 ~ /size=1024k/ { print $5 }')
            if [[ -n $tmpfs && $tmpfs != /data/sub && $tmpfs != /data/sub.alt ]]; then
                echo "tmpfs mounted at $tmpfs (link $link)"
                bad=1
            fi
            if [[ $(a15_kernel_mounts) != "$kernel_ref" ]]; then
                echo "g2's kernel mounts changed (link $link):"
                diff <(echo "$kernel_ref") <(a15_kernel_mounts)
                bad=1
            fi
            vs g2 stop
        done
        vs g1 exec touch /tmp/stop
        for _ in $(seq 100); do vs g1 exec test -s /tmp/swaps.json && break; sleep 0.05; done
        echo "link $link: $(vs g1 exec cat /tmp/swaps.json)"
        [ "$(vs g1 exec cat /tmp/swaps.json | jq -r .swaps)" -gt 0 ]
        vs g1 exec sh -c \
            '[ -d /shared/sub ] && [ ! -L /shared/sub ] || mv -f /shared/sub.alt /shared/sub.tmp' ||
            true
        [ "$bad" -eq 0 ]
    done
    echo "starts: $started, refused: $refused"
    # The race was real: some starts met the symlink, some the directory.
    [ "$refused" -gt 0 ]
    [ $((started + refused)) -eq $(( (n / 5) * 5 )) ]
    # Nothing on the host: no mount at the decoy or the volume, the decoy unchanged.
    ! grep -qF "$decoy" /proc/self/mountinfo
    ! grep -qF " $vol/" /proc/self/mountinfo
    [ "$(find "$decoy" -printf '%p %s %T@\n' | sort)" = "$decoy_before" ]
    [ "$(cat /proc/sys/kernel/core_pattern)" != "" ]
}

@test "A15: g1 makes g2's shared-volume bind source a link to /: g2 gets the volume dir or fails" {
    A15_DIRS=$(mktemp -d /tmp/vs-a15-vol-XXXXXX)
    vol=$A15_DIRS
    chmod 1777 "$vol"
    probe_guest g1
    probe_guest g2
    mkdir -p "$(guest_root g1)/shared" "$(guest_root g2)/data2"
    echo "$vol /shared none bind 0 0" >>"$(guest_cfg g1)/fstab"
    # g2 takes one subdirectory of the volume (a "subpath" volume).
    echo "$vol/src /data2 none bind 0 0" >>"$(guest_cfg g2)/fstab"
    vs g1 start
    vs g1 exec sh -c 'mkdir /shared/src /shared/real && echo a15-volume >/shared/src/marker &&
        cp /shared/src/marker /shared/real/'
    # Control: the directory itself is mounted.
    vs g2 start
    [ "$(vs g2 exec cat /data2/marker)" = a15-volume ]
    vs g2 stop
    for link in / ../../../../../../../.. /proc/1/root /etc; do
        vs g1 exec sh -c "rm -rf /shared/src; ln -s '$link' /shared/src"
        run vs g2 start
        echo "src -> $link: $status $output"
        # fstab bind sources are opened without following symlinks: refused, one line naming
        # the line's target and the symlink, nothing left of g2.
        [ "$status" -ne 0 ] || { vs g2 exec stat -L -c %d:%i /data2; vs g2 stop; false; }
        [ "${#lines[@]}" -eq 1 ]
        [[ $output == *"/data2"* && $output == *symlink* ]]
        assert_no_leaks g2
    done
    # The same source as a real directory again: g2 starts and sees the volume.
    vs g1 exec sh -c 'rm -f /shared/src; mkdir /shared/src; echo again >/shared/src/marker'
    vs g2 start
    [ "$(vs g2 exec cat /data2/marker)" = again ]
}

# ---- A18: terminal injection (TIOCSTI/TIOCLINUX) ------------------------------------------

# A host shell on a terminal of its own: a private tmux server (socket $A18_TMUX, killed in
# teardown) running bash with the test's environment and a known prompt.
a18_shell() {
    command -v tmux >/dev/null || skip "tmux not installed"
    A18_TMUX=vs-a18-$$-$RANDOM
    local sh="env -i PATH=$PATH TERM=xterm HOME=/root VSERVER_PREFIX=$VSERVER_PREFIX"
    sh+=" VSERVER_CGROUP_PARENT=$VSERVER_CGROUP_PARENT PS1='host\$ ' bash --norc --noprofile -i"
    tmux -L "$A18_TMUX" -f /dev/null new-session -d -x 200 -y 50 "$sh"
    a18_wait 'host$'
}
a18_pane() { tmux -L "$A18_TMUX" capture-pane -p -S -200 -t 0; }
a18_type() { tmux -L "$A18_TMUX" send-keys -t 0 -l "$1"; tmux -L "$A18_TMUX" send-keys -t 0 Enter; }
# Up to 10 s (bounded polls) for TEXT to appear on the host terminal.
a18_wait() {
    local i
    for i in $(seq 100); do [[ $(a18_pane) == *"$1"* ]] && return 0; sleep 0.1; done
    a18_pane
    echo "the terminal never showed: $1"
    return 1
}
# Runs "$1" at the host prompt and waits until the host shell has read everything after it:
# anything injected into its input would have run before the marker's echo.
a18_host_run() {
    local m=a18-done-$RANDOM$RANDOM
    a18_type "$1; echo $m-\$((6*7))"
    a18_wait "$m-42"
}

# The two ways a guest process gets a terminal: exec with the host shell's terminal as its
# stdin, and an interactive enter (its own pty). Each injects a command that would create a
# host file, and one that would create a guest file. Prints "exec-json|enter-json".
a18_attack() {
    local host_mark=$1 guest_mark=$2
    a18_host_run \
        "$VS g1 exec /bin/vs-probe tty-inject 0 'touch $host_mark' >$VSERVER_PREFIX/a18-exec.json"
    a18_type "$VS g1 enter"
    a18_wait 'g1:'
    local typed="/bin/vs-probe tty-inject 0 'touch $guest_mark' >/tmp/a18-enter.json;"
    typed+=" /bin/vs-probe tty-inject 0 'touch $host_mark' >/dev/null; echo a18-injected-\$((6*7))"
    a18_type "$typed"
    # Whatever was injected is queued before anything typed after this point.
    a18_wait 'a18-injected-42'
    # The guest shell reads (and runs) whatever landed in its own pty, then leaves.
    a18_type 'echo a18-guest-$((6*7)); exit'
    a18_wait 'a18-guest-42'
    a18_host_run 'true'
}

@test "A18: TIOCSTI/TIOCLINUX from exec (host tty as stdin) and enter: EPERM; no host shell input" {
    probe_guest g1
    vs g1 start
    a18_shell
    host_mark=$VSERVER_PREFIX/a18-host-injected
    a18_attack "$host_mark" /tmp/a18-guest-injected
    exec_r=$(cat "$VSERVER_PREFIX/a18-exec.json")
    enter_r=$(vs g1 exec cat /tmp/a18-enter.json)
    echo "exec: $exec_r"
    echo "enter: $enter_r"
    [ "$(jq -r .tiocsti <<<"$exec_r")" = EPERM ]
    [ "$(jq -r .tioclinux <<<"$exec_r")" = EPERM ]
    [ "$(jq -r .injected <<<"$exec_r")" -eq 0 ]
    [ "$(jq -r .tiocsti <<<"$enter_r")" = EPERM ]
    [ "$(jq -r .tioclinux <<<"$enter_r")" = EPERM ]
    # enter gave the guest a pty of its own (the guest's devpts), not the host's terminal.
    [[ $(jq -r .tty <<<"$enter_r") == /dev/pts/* ]]
    [ ! -e "$host_mark" ]
    run vs g1 exec test -e /tmp/a18-guest-injected
    [ "$status" -ne 0 ]
}

@test "A18 control: unconfined, exec on the host tty injects into the host shell; enter does not" {
    probe_guest g1
    echo unconfined >"$(guest_cfg g1)/seccomp"
    vs g1 start
    a18_shell
    legacy=$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo absent)
    host_mark=$VSERVER_PREFIX/a18-host-injected
    a18_attack "$host_mark" /tmp/a18-guest-injected
    exec_r=$(cat "$VSERVER_PREFIX/a18-exec.json")
    enter_r=$(vs g1 exec cat /tmp/a18-enter.json)
    echo "dev.tty.legacy_tiocsti=$legacy exec: $exec_r enter: $enter_r"
    if [[ $legacy == 0 ]]; then
        # The kernel refuses TIOCSTI to anyone without CAP_SYS_ADMIN: this control cannot show
        # an injection here, only that nothing arrived.
        [ "$(jq -r .tiocsti <<<"$exec_r")" = EIO ]
        [ ! -e "$host_mark" ]
        skip "dev.tty.legacy_tiocsti=0: the kernel refuses TIOCSTI itself, so the control cannot\
 show an injection"
    fi
    # Without the filter the guest's keystrokes reach the host shell through exec: the A18
    # test above fails if the default profile ever lets TIOCSTI through.
    [ "$(jq -r .tiocsti <<<"$exec_r")" = OK ]
    [ -e "$host_mark" ]
    rm -f "$host_mark"
    # Through enter they land in the guest's own pty: the guest shell ran them, the host did not
    # (the second injection of the enter step named the host file).
    [ "$(jq -r .tiocsti <<<"$enter_r")" = OK ]
    vs g1 exec test -e /tmp/a18-guest-injected
    [ ! -e "$host_mark" ]
}

# ---- A19: host sockets, and host users reaching into guests -------------------------------

@test "A19: host abstract and /run sockets are unreachable; the guest's /proc/net/unix is its own" {
    probe_guest g1
    vs g1 start
    name=vs-a19-$$-$RANDOM
    A19_SOCK=/run/$name.sock
    "$PROBE_BIN" unix-listen "@$name" >/dev/null &
    SEC_HOST_PIDS+=($!)
    "$PROBE_BIN" unix-listen "$A19_SOCK" >/dev/null &
    SEC_HOST_PIDS+=($!)
    for _ in $(seq 50); do
        [[ -S $A19_SOCK ]] && grep -q "@$name" /proc/net/unix && break
        sleep 0.1
    done
    # Control: both answer on the host.
    run "$PROBE_BIN" unix-connect "@$name" "$A19_SOCK"
    echo "host: $output"
    [ "$(jq -r '[.[].connect] | unique | join(" ")' <<<"$output")" = OK ]
    # Every named socket the host has (abstract ones included), plus ours, through the guest's
    # own paths and through /proc/1/root.
    mapfile -t targets < <(awk 'NR > 1 && $8 != "" { print $8 }' /proc/net/unix |
        sort -u | head -200)
    run probe g1 unix-connect "@$name" "$A19_SOCK" "/proc/1/root$A19_SOCK" "${targets[@]}"
    echo "$output" | jq -c '[.[] | select(.connect != "ENOENT" and .connect != "ECONNREFUSED")]'
    [ "$status" -eq 0 ]
    [ "$(jq -r '[.[] | select(.connect != "ENOENT" and .connect != "ECONNREFUSED")] | length' \
        <<<"$output")" -eq 0 ]
    # What the guest's connects to one target got, as one word per distinct result.
    connects_to() {
        jq -r --arg t "$1" '[.[] | select(.target == $t) | .connect] | unique | join(" ")' \
            <<<"$output"
    }
    [ "$(connects_to "@$name")" = ECONNREFUSED ]
    [ "$(connects_to "$A19_SOCK")" = ENOENT ]
    # The guest's socket table holds nothing named by the host.
    vs g1 exec sh -c '/bin/vs-probe unix-listen @guest-own-a19 >/dev/null 2>&1 &'
    for _ in $(seq 50); do
        [[ $(vs g1 exec cat /proc/net/unix) == *guest-own-a19* ]] && break
        sleep 0.1
    done
    guest_unix=$(vs g1 exec cat /proc/net/unix)
    echo "$guest_unix"
    [[ $guest_unix == *@guest-own-a19* ]]
    bad=0
    for t in "${targets[@]}" "@$name" "$A19_SOCK"; do
        [[ $guest_unix == *" $t"* ]] && { echo "host socket visible in the guest: $t"; bad=1; }
    done
    [ "$bad" -eq 0 ]
    # And the guest's own abstract socket is not the host's.
    ! grep -q '@guest-own-a19' /proc/net/unix
    rm -f "$A19_SOCK"
}

@test "A19: a host user cannot traverse base, run or cache dir, nor run a guest's setuid file" {
    probe_guest g1
    vs g1 start
    root=$(guest_root g1)
    # The guest plants a setuid-root shell (moby CVE-2021-41091: host users running it).
    install -m 4755 "$PROBE_BIN" "$root/bin/a19-suid"
    # Only the test's own temp prefix opens up; every dir below it is as vserver made it.
    chmod 755 "$VSERVER_PREFIX"
    # Through a shell: setpriv itself still holds root's capabilities at its own execve.
    as_nobody() {
        setpriv --reuid=65534 --regid=65534 --clear-groups /bin/sh -c 'exec "$@"' sh "$@"
    }
    for p in "$root" "$root/bin/a19-suid" "$(dirname "$(guest_state g1)")" "$(guest_state g1)" \
             "$VSERVER_PREFIX/var/cache/vservers" /proc/$(init_pid g1)/root/bin; do
        run as_nobody stat "$p"
        echo "nobody: stat $p: $status $output"
        [ "$status" -ne 0 ]
        [[ $output == *"Permission denied"* ]]
    done
    run as_nobody "$root/bin/a19-suid" status
    [ "$status" -ne 0 ]
    # Control: with the base dir and its parents opened by hand, the same user runs it as root
    # (euid 0), so the checks above fail if vserver ever creates a traversable base dir.
    chmod 755 "$VSERVER_PREFIX/var" "$VSERVER_PREFIX/var/lib" "$(dirname "$root")"
    run as_nobody "$root/bin/a19-suid" status
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $(grep -o '"CapEff":"[0-9a-f]*"' <<<"$output") != '"CapEff":"0000000000000000"' ]]
    chmod 700 "$(dirname "$root")"
    run as_nobody "$root/bin/a19-suid" status
    [ "$status" -ne 0 ]
}
