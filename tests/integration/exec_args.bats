#!/usr/bin/env bats
# vserver NAME exec/suexec argument handling: "--" ends the options and is not the command.

load lib

setup() { vs_setup; }
teardown() { vs_teardown; }

@test "exec -- CMD runs CMD; suexec USER -- CMD too; exec -- alone is a usage error" {
    make_guest g1
    vs g1 start
    run vs g1 exec -- echo hello
    [ "$status" -eq 0 ] && [ "$output" = hello ] || { echo "$status $output"; false; }
    # A command that itself takes "--" keeps its own.
    run vs g1 exec -- sh -c 'echo "$1"' -- two
    [ "$status" -eq 0 ] && [ "$output" = two ] || { echo "$status $output"; false; }
    run vs g1 suexec nobody -- id -u
    [ "$status" -eq 0 ] && [ "$output" = 65534 ] || { echo "$status $output"; false; }
    run vs g1 exec --
    [ "$status" -eq 2 ]
    # The caller's supplementary groups never reach the guest: root's command gets none.
    run setpriv --groups 4242,4343 -- "$VS" g1 exec -- sh -c 'grep ^Groups: /proc/self/status'
    [ "$status" -eq 0 ] && [[ $output =~ ^Groups:[[:space:]]*$ ]] || { echo "$output"; false; }
    vs g1 stop
}

@test "A16 suexec: a FIFO the guest put at /etc/passwd does not hang the host, nor is it opened" {
    make_guest g1
    vs g1 start
    root=$(guest_root g1)
    mv "$root/etc/passwd" "$root/etc/passwd.real"
    mkfifo "$root/etc/passwd"
    # Opening the FIFO for reading would block forever (no writer): timeout makes that a 124.
    run timeout 60 "$VS" g1 suexec nobody id -u
    [ "$status" -ne 124 ] || { echo "suexec hung on the FIFO"; false; }
    [ "$status" -ne 0 ]
    rm "$root/etc/passwd"
    mv "$root/etc/passwd.real" "$root/etc/passwd"
    run vs g1 suexec nobody id -u
    [ "$status" -eq 0 ] && [ "$output" = 65534 ] || { echo "$status $output"; false; }
    vs g1 stop
}
