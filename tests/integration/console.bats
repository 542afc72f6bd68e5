#!/usr/bin/env bats
# Guest consoles: /dev/console a pty of the guest's devpts whose master the one host daemon
# vs-consoled reads (never blocking the guest), its sanitized and size-bounded log, `vserver
# NAME console` attaching a terminal (tmux plays the admin), and a dead daemon giving errors,
# never a hang. Busybox guests (style reaper) with apps/init/console on; the systemd side is in
# systemd.slow.bats.

load lib

setup() {
    vs_setup
    TMUX_SOCK=vstest-console-$$
}

teardown() {
    tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
    # A daemon a test stopped (by its pid) runs again, so it can end.
    local pid
    if pid=$(consoled_pid); then kill -CONT "$pid" 2>/dev/null || true; fi
    vs_teardown
}

# con_guest NAME [TTYS]: a started busybox guest with a console (and TTYS ttys).
con_guest() {
    make_guest "$1"
    echo on >"$(guest_cfg "$1")/apps/init/console"
    [[ -z ${2:-} ]] || echo "$2" >"$(guest_cfg "$1")/apps/init/ttys"
    vs "$1" start
}

console_log() { echo "$VSERVER_PREFIX/var/log/vservers/$1/console.log"; }

# wait_log NAME TEXT: waits (bounded) until the guest's console log holds TEXT.
wait_log() {
    for _ in $(seq 100); do
        grep -qF -- "$2" "$(console_log "$1")" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "not in $(console_log "$1"): $2"
    cat "$(console_log "$1")" 2>/dev/null || true
    return 1
}

# pane_has TEXT: waits (bounded) until the tmux pane shows TEXT.
pane_has() {
    for _ in $(seq 100); do
        tmux -L "$TMUX_SOCK" capture-pane -p -t vs 2>/dev/null | grep -qF -- "$1" && return 0
        sleep 0.1
    done
    echo "pane lacks: $1"
    tmux -L "$TMUX_SOCK" capture-pane -p -t vs 2>/dev/null || true
    return 1
}

@test "a console: a pty of the guest's devpts, logged with control characters made visible" {
    con_guest g1
    run vs g1 exec sh -c 'ls -l /dev/console; readlink /proc/1/fd/1; cat /proc/self/mountinfo'
    echo "$output"
    [[ ${lines[0]} == c* ]]
    # Bound from the guest's own devpts instance: pts 0 there, never a host pty.
    [[ $output == *" /dev/console "*devpts* ]]
    [ "$(stat -c %t "$(guest_root g1)/dev" 2>/dev/null || echo x)" != 88 ]
    vs g1 exec sh -c 'echo vs-hello-console >/dev/console'
    wait_log g1 vs-hello-console
    # What a guest prints to attack the admin's terminal (OSC title, CSI as a C1 byte and in
    # UTF-8) is in the log only as visible text.
    vs g1 exec sh -c 'printf "evil\033]0;owned\007 \233 \302\233 end\n" >/dev/console'
    wait_log g1 'evil^[]0;owned^G \x9b \xc2\x9b end'
    [ "$(tr -d -c '\033\233' <"$(console_log g1)" | wc -c)" -eq 0 ]
    # One daemon for every guest: a second guest is handed to the same one.
    pid=$(consoled_pid)
    con_guest g2
    [ "$(consoled_pid)" = "$pid" ]
    [ "$(pgrep -c -P 1 -f "vs-consoled --dir $VSERVER_PREFIX/" || true)" -le 1 ]
    run vs g1 status
    [[ $output != *Warning* ]]
    vs g1 stop
    wait_log g1 "the guest stopped"
    vs g2 stop
    # With no guest left the daemon ends by itself.
    for _ in $(seq 50); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
    [ ! -d "/proc/$pid" ]
}

@test "a flood never blocks the writer; the log keeps its rate, counts what it dropped" {
    con_guest g1
    # 3 MiB (a pty buffers a few KiB) at once: the daemon reads it all; the log takes a burst
    # (256 KiB) and then 64 KiB/s, and counts the rest as dropped.
    run timeout 120 "$VS" g1 exec sh -c \
        'dd if=/dev/zero bs=65536 count=48 2>/dev/null | tr "\0" a >/dev/console && echo wrote'
    [ "$status" -eq 0 ]
    [ "$output" = wrote ]
    log=$(console_log g1)
    # Still a working console afterwards: the next line is logged after the count.
    vs g1 exec sh -c 'echo after-flood >/dev/console'
    wait_log g1 after-flood
    dropped=$(sed -n 's/^-- \([0-9]*\) bytes dropped: over the console log.s 64 KiB\/s --$/\1/p' \
        "$log" | awk '{s += $1} END {print s + 0}')
    logged=$(grep -v '^--' "$log" | sed 's/after-flood//' | tr -cd a | wc -c)
    echo "logged $logged, dropped $dropped"
    [ "$dropped" -gt 0 ]
    [ $((logged + dropped)) -eq 3145728 ]
    [ "$(stat -c %s "$log")" -le $((1024 * 1024)) ]
    [ ! -e "$log.1" ]
    # delete takes the guest's console log with it.
    vs g1 delete --force
    [ ! -e "$(dirname "$log")" ]
}

@test "a tty's output spends none of the console log's budget and is never counted as dropped" {
    con_guest g1 1
    # 1 MiB on the tty, four times the log's burst: the tty is not logged, so the console's
    # budget stays whole and the writer is never slowed to the log's rate.
    run timeout 60 "$VS" g1 exec sh -c \
        'dd if=/dev/zero bs=65536 count=16 2>/dev/null | tr "\0" t >/dev/pts/1 && echo wrote'
    [ "$status" -eq 0 ]
    [ "$output" = wrote ]
    vs g1 exec sh -c 'echo after-tty-flood >/dev/console'
    wait_log g1 after-tty-flood
    run grep -c 'bytes dropped' "$(console_log g1)"
    [ "$output" = 0 ]
    [ "$(tr -cd t <"$(console_log g1)" | wc -c)" -lt 100 ]
}

@test "a pty vs-consoled cannot watch fails the start, naming it; nothing is left" {
    require_fault_injection
    make_guest g1
    echo on >"$(guest_cfg g1)/apps/init/console"
    # The daemon this start spawns inherits the fault: its epoll add of the pty fails.
    run env VSERVER_FAULT=consoled:watch:fail "$VS" g1 start
    echo "$output"
    [ "$status" -ne 0 ]
    [[ $output == *"vs-consoled cannot watch the guest's console: epoll_ctl: "* ]]
    assert_no_leaks g1
    run vs g1 status
    [ "$status" -eq 3 ]
    # With no guest left that daemon ends; the next start gets a console that works.
    local pid
    if pid=$(consoled_pid); then
        for _ in $(seq 50); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
    fi
    vs g1 start
    vs g1 exec sh -c 'echo after-refusal >/dev/console'
    wait_log g1 after-refusal
}

@test "a stopped vs-consoled: status says so, a start is refused at once, CONT resumes it" {
    con_guest g1
    pid=$(consoled_pid)
    kill -STOP "$pid"
    # A line fits in the pty's buffer: written at once, read once the daemon runs again.
    run timeout 60 "$VS" g1 exec sh -c 'echo while-stopped >/dev/console && echo wrote'
    [ "$status" -eq 0 ]
    [ "$output" = wrote ]
    run vs g1 status
    [[ $output == *"Warning:"*"vs-consoled (pid $pid) is stopped"*"kill -CONT $pid"* ]]
    run vs g1 console </dev/null
    [ "$status" -ne 0 ]
    [[ $output == *"vs-consoled (pid $pid) is stopped"* ]]
    # A guest started meanwhile is refused at once (not after the 10 s reply timeout), and
    # leaves nothing behind.
    make_guest g2
    echo on >"$(guest_cfg g2)/apps/init/console"
    run timeout 60 "$VS" g2 start
    echo "$output"
    [ "$status" -ne 0 ] && [ "$status" -ne 124 ]
    [[ $output == *"vs-consoled (pid $pid) is stopped"*"kill -CONT $pid"* ]]
    assert_no_leaks g2
    kill -CONT "$pid"
    wait_log g1 while-stopped
    run vs g1 status
    [[ $output != *Warning* ]]
}

@test "console attaches a terminal: output and input pass, a second is refused, Ctrl-] detaches" {
    command -v tmux >/dev/null || skip "no tmux"
    con_guest g1 1
    [ "$(vs g1 exec cat /proc/1/environ | tr '\0' '\n' | grep container_ttys)" = \
        "container_ttys=pts/1" ]
    tmux -L "$TMUX_SOCK" new-session -d -s vs -x 120 -y 30 \
        -e "VSERVER_PREFIX=$VSERVER_PREFIX" -e "VSERVER_CGROUP_PARENT=$VSERVER_CGROUP_PARENT" \
        "$VS g1 console; echo EXITED \$?; sleep 60"
    pane_has 'Connected to the console of guest "g1"; Ctrl-] detaches'
    vs g1 exec sh -c 'echo from-guest-$((6 * 7)) >/dev/console'
    pane_has from-guest-42
    # Typed keys reach a reader of the guest's console.
    vs g1 exec sh -c 'read l </dev/console; echo "$l" >/tmp/got' </dev/null \
        >"$BATS_TEST_TMPDIR/reader" 2>&1 &
    reader=$!
    sleep 0.5
    tmux -L "$TMUX_SOCK" send-keys -t vs 'typed-in-tmux' Enter
    wait "$reader" || { cat "$BATS_TEST_TMPDIR/reader"; false; }
    [ "$(vs g1 exec cat /tmp/got)" = typed-in-tmux ]
    # One terminal per console: a second attach is refused, naming the first.
    run vs g1 console </dev/null
    [ "$status" -ne 0 ]
    [[ $output == *"already attached (by pid "* ]]
    # A tty of apps/init/ttys is its own pty; a tty the guest lacks is refused.
    run vs g1 console --tty 2 </dev/null
    [ "$status" -ne 0 ]
    [[ $output == *"has no tty 2 (it has 1"* ]]
    tmux -L "$TMUX_SOCK" send-keys -t vs C-]
    pane_has 'Detached from the console of guest "g1"'
    pane_has 'EXITED 0'
    # Detached: the next one may attach (here: stdin at its end detaches at once).
    run vs g1 console </dev/null
    [ "$status" -eq 0 ]
}

@test "if vs-consoled dies, console writes fail at once; status says so; restart mends it" {
    con_guest g1
    pid=$(consoled_pid)
    kill -9 "$pid"
    for _ in $(seq 50); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
    # The masters closed with it: the guest's console hung up, so a write fails, never waits.
    run timeout 60 "$VS" g1 exec sh -c \
        'dd if=/dev/zero bs=65536 count=8 2>/dev/null >/dev/console; echo "rc=$?"'
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *rc=1* ]]
    run vs g1 status
    [ "$status" -eq 0 ]
    [[ $output == *"Warning:"*"vs-consoled (pid $pid)"*"has ended"*"vserver g1 restart"* ]]
    run vs g1 console </dev/null
    [ "$status" -ne 0 ]
    [[ $output == *"has ended"* ]]
    vs g1 restart
    run vs g1 status
    [[ $output != *Warning* ]]
    vs g1 exec sh -c 'echo after-restart >/dev/console'
    wait_log g1 after-restart
}

@test "no console unless asked (style reaper); ttys need one; console of a guest without" {
    host_only
    make_guest g1
    vs g1 start
    run vs g1 exec test -e /dev/console
    [ "$status" -ne 0 ]
    run vs g1 console </dev/null
    [ "$status" -ne 0 ]
    [[ $output == *'guest "g1" has no console'*apps/init/console* ]]
    [ -z "$(consoled_pid || true)" ]
    vs g1 stop
    echo off >"$(guest_cfg g1)/apps/init/console"
    echo 2 >"$(guest_cfg g1)/apps/init/ttys"
    run vs g1 start
    [ "$status" -ne 0 ]
    [[ $output == *"apps/init/ttys is 2 but the guest has no console"* ]]
    echo 17 >"$(guest_cfg g1)/apps/init/ttys"
    run vs g1 start
    [ "$status" -ne 0 ]
    [[ $output == *ttys* ]]
}
