#!/usr/bin/env bats
# Every resource key of the config reaches the guest's cgroup, read from INSIDE a real guest
# (`vserver NAME build -m skeleton`) through its own read-only cgroup view: limits/ (v1 or v2
# knob names), sched/ (token bucket -> cpu quota), cpuset/, rlimits/nproc and rss (cgroup-wide
# in util-vserver), cgroup/<file> passthrough. Root; temp VSERVER_PREFIX and a random cgroup
# parent; lib.bash's teardown stops the guests and removes what they left.

load lib
bats_require_minimum_version 1.5.0

setup() {
    vs_setup
    export PATH="$VS_BIN:$PATH"
}

teardown() { vs_teardown; }

limits_guest() {
    local name=$1
    run vs "$name" build -m skeleton
    [ "$status" -eq 0 ] || { echo "build $name: $output"; return 1; }
    VS_GUESTS+=("$name")
    mkdir -p "$(guest_cfg "$name")"/{limits,rlimits,sched,cpuset,cgroup}
}

set_key() { printf '%s\n' "$3" >"$(guest_cfg "$1")/$2"; }

# v1 hosts (this one: hybrid) have the controller knobs under /sys/fs/cgroup/<controller>/;
# a pure cgroup2 host has the guest's cgroup2 dir at /sys/fs/cgroup.
v1() { [[ -d /sys/fs/cgroup/memory ]]; }

# inside NAME PATH: a file of the guest's cgroup view, read inside the guest.
inside() { vs "$1" exec cat "/sys/fs/cgroup/$2"; }

@test "limits/: memory.max, memory.high, cpu.max, cpu.weight, pids.max reach the guest's cgroup" {
    limits_guest k1
    set_key k1 limits/memory.max 64M
    set_key k1 limits/memory.high 48M
    set_key k1 limits/cpu.max "50000 100000"
    set_key k1 limits/cpu.weight 300
    set_key k1 limits/pids.max 77
    vs k1 start
    if v1; then
        [ "$(inside k1 memory/memory.limit_in_bytes)" = 67108864 ]
        [ "$(inside k1 memory/memory.soft_limit_in_bytes)" = 50331648 ]
        [ "$(inside k1 cpu/cpu.cfs_quota_us)" = 50000 ]
        [ "$(inside k1 cpu/cpu.cfs_period_us)" = 100000 ]
        # cpu.weight 100 is cpu.shares 1024: linear, so 300 -> 3072.
        [ "$(inside k1 cpu/cpu.shares)" = 3072 ]
        [ "$(inside k1 pids/pids.max)" = 77 ]
    else
        [ "$(inside k1 memory.max)" = 67108864 ]
        [ "$(inside k1 memory.high)" = 50331648 ]
        [ "$(inside k1 cpu.max)" = "50000 100000" ]
        [ "$(inside k1 cpu.weight)" = 300 ]
        [ "$(inside k1 pids.max)" = 77 ]
    fi
    # Read-only from inside: the guest cannot lift its own limit.
    run vs k1 exec sh -c \
        'echo max > /sys/fs/cgroup/pids/pids.max 2>/dev/null || echo max > /sys/fs/cgroup/pids.max'
    [ "$status" -ne 0 ]
    if v1; then [ "$(inside k1 pids/pids.max)" = 77 ]; else [ "$(inside k1 pids.max)" = 77 ]; fi
}

@test "sched/fill-rate and sched/interval become a cpu quota (1 of 4 -> 25000/100000)" {
    limits_guest k2
    set_key k2 sched/fill-rate 1
    set_key k2 sched/interval 4
    vs k2 start
    if v1; then
        [ "$(inside k2 cpu/cpu.cfs_quota_us)" = 25000 ]
        [ "$(inside k2 cpu/cpu.cfs_period_us)" = 100000 ]
    else
        [ "$(inside k2 cpu.max)" = "25000 100000" ]
    fi
}

@test "cpuset/cpus pins every guest process to those cpus" {
    limits_guest k3
    set_key k3 cpuset/cpus 0
    vs k3 start
    run vs k3 exec sh -c \
        'grep Cpus_allowed_list /proc/1/status; grep Cpus_allowed_list /proc/self/status'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "Cpus_allowed_list:	0" ]
    [ "${lines[1]}" = "Cpus_allowed_list:	0" ]
}

@test "rlimits/nproc and rlimits/rss are guest-wide: pids.max and memory.max; limits/ wins" {
    limits_guest k4
    set_key k4 rlimits/nproc 33
    set_key k4 rlimits/rss 8192  # pages, as util-vserver counted them
    vs k4 start
    local pages=$(( $(getconf PAGESIZE) * 8192 ))
    if v1; then
        [ "$(inside k4 pids/pids.max)" = 33 ]
        [ "$(inside k4 memory/memory.limit_in_bytes)" = "$pages" ]
    else
        [ "$(inside k4 pids.max)" = 33 ]
        [ "$(inside k4 memory.max)" = "$pages" ]
    fi
    vs k4 stop
    set_key k4 limits/pids.max 44
    vs k4 start
    if v1; then [ "$(inside k4 pids/pids.max)" = 44 ]; else [ "$(inside k4 pids.max)" = 44 ]; fi
}

@test "cgroup/<file> is written verbatim into the guest's cgroup" {
    limits_guest k5
    if v1; then
        set_key k5 cgroup/memory.swappiness 17
        vs k5 start
        [ "$(inside k5 memory/memory.swappiness)" = 17 ]
    else
        set_key k5 cgroup/memory.low 1048576
        vs k5 start
        [ "$(inside k5 memory.low)" = 1048576 ]
    fi
}
