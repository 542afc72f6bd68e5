#!/usr/bin/env bats
# exec/suexec/enter take the guest's start-time settings from its join profile
# (RUN_DIR/join.json + join.bpf, runtime/join_profile.hpp), and rebuild them from the config when
# the profile is missing, stale or damaged. Root; everything under a temporary prefix.

load lib
bats_require_minimum_version 1.5.0

setup() { vs_setup; }
teardown() { vs_teardown; }

run_dir() { echo "$VSERVER_PREFIX/run/vservers/$1"; }
bounding() { vs "$1" exec sh -c 'grep CapBnd /proc/self/status' | awk '{print $2}'; }
nofile() { vs "$1" exec sh -c 'ulimit -n'; }

@test "exec keeps the caps and rlimits the guest started with; restart applies the config's" {
    make_guest g1
    mkdir -p "$(guest_cfg g1)/rlimits"
    echo 300 >"$(guest_cfg g1)/rlimits/nofile"
    vs g1 start
    [ -s "$(run_dir g1)/join.json" ]
    [ -s "$(run_dir g1)/join.bpf" ]
    before=$(bounding g1)
    [ "$(nofile g1)" = 300 ]
    # CAP_CHOWN (bit 0) is in util-vserver's default set.
    [ $((16#$before & 1)) -eq 1 ]
    echo '!CHOWN' >"$(guest_cfg g1)/bcapabilities"
    echo 200 >"$(guest_cfg g1)/rlimits/nofile"
    # A running context keeps what it started with, as a VServer context did.
    [ "$(bounding g1)" = "$before" ]
    [ "$(nofile g1)" = 300 ]
    [ "$(vs g1 suexec nobody sh -c 'ulimit -n')" = 300 ]
    vs g1 restart
    after=$(bounding g1)
    [ $((16#$after & 1)) -eq 0 ]
    [ $((16#$after | 1)) -eq $((16#$before)) ]
    [ "$(nofile g1)" = 200 ]
}

@test "a missing, stale or damaged join profile is rebuilt from the config; stop removes it" {
    make_guest g1
    vs g1 start
    run_d=$(run_dir g1)
    saved=$(cat "$run_d/join.json")
    # From here on the config says !CHOWN: an exec that shows it read the config, not the profile.
    echo '!CHOWN' >"$(guest_cfg g1)/bcapabilities"
    [ $((16#$(bounding g1) & 1)) -eq 1 ]

    rm "$run_d/join.json"
    [ $((16#$(bounding g1) & 1)) -eq 0 ]

    echo '{"version": 1, "init_pid": ' >"$run_d/join.json"
    [ $((16#$(bounding g1) & 1)) -eq 0 ]

    # Another run's profile (a recycled init pid would not match the start time either).
    sed 's/"init_pid":[0-9]*/"init_pid":1/' <<<"$saved" >"$run_d/join.json"
    [ $((16#$(bounding g1) & 1)) -eq 0 ]

    # The program file shorter than the profile says.
    printf '%s' "$saved" >"$run_d/join.json"
    [ $((16#$(bounding g1) & 1)) -eq 1 ]
    truncate -s 8 "$run_d/join.bpf"
    [ $((16#$(bounding g1) & 1)) -eq 0 ]
    # Whichever way it got its settings, the command ran under the guest's seccomp filter.
    [ "$(vs g1 exec sh -c 'grep ^Seccomp: /proc/self/status' | awk '{print $2}')" = 2 ]

    vs g1 stop
    [ ! -e "$run_d/join.json" ]
    [ ! -e "$run_d/join.bpf" ]
}
