#!/usr/bin/env bats
# virt_mem, virt_cpu, virt_load: one shared lxcfs daemon, its files bound over the guest's
# /proc and /sys/devices/system/cpu/online; a dead daemon gives errors, never a hang.

load lib

setup() {
    vs_setup
    command -v lxcfs >/dev/null || skip "lxcfs is not installed (Debian package lxcfs)"
    [[ -e /dev/fuse ]] || skip "no /dev/fuse"
}
teardown() { vs_teardown; }

set_key() {
  mkdir -p "$(dirname "$(guest_cfg "$1")/$2")"
  printf '%s\n' "$3" >"$(guest_cfg "$1")/$2"
}

# The host's procps free and its libraries, into guest $1 as /usr/bin/free.procps: it reads
# /proc/meminfo, as top and Debian's free do; busybox free takes its total from sysinfo(2),
# which no /proc view changes.
copy_procps_free() {
    local root l
    root=$(guest_root "$1")
    mkdir -p "$root/usr/bin"
    cp /usr/bin/free "$root/usr/bin/free.procps"
    for l in $(ldd /usr/bin/free | grep -o '/[^ ]*'); do
        mkdir -p "$root$(dirname "$l")"
        cp -L "$l" "$root$l"
    done
}

# free's total in MiB inside guest $1.
guest_mem_total() { vs "$1" exec /usr/bin/free.procps -m | awk '/^Mem:/ {print $2}'; }

@test "virt_mem: free shows the guest's memory.max; without the flag, the host's" {
    make_guest g1
    set_key g1 limits/memory.max 256M
    set_key g1 cflags virt_mem
    copy_procps_free g1
    make_guest g2
    set_key g2 limits/memory.max 256M
    copy_procps_free g2
    vs g1 start
    vs g2 start
    [ "$(guest_mem_total g1)" -eq 256 ]
    [ "$(vs g1 exec awk '/^MemTotal:/ {print $2}' /proc/meminfo)" -eq 262144 ]
    host=$(free -m | awk '/^Mem:/ {print $2}')
    [ "$(guest_mem_total g2)" -eq "$host" ]
    # The guest's use, not the host's: free memory is below the limit.
    used=$(vs g1 exec /usr/bin/free.procps -m | awk '/^Mem:/ {print $3}')
    [ "$used" -lt 256 ]
    # Read-only, as every /proc view.
    run vs g1 exec sh -c 'echo x >/proc/meminfo'
    [ "$status" -ne 0 ]
    # Files the flag does not ask for stay the kernel's.
    run vs g1 exec grep -c lxcfs /proc/self/mountinfo
    [ "$output" -eq 2 ]  # meminfo and swaps
}

@test "virt_cpu: nproc, /proc/cpuinfo and cpu/online show the guest's cpuset" {
    [ "$(nproc --all)" -ge 2 ] || skip "needs 2 CPUs"
    make_guest g1
    set_key g1 cpuset/cpus 0
    set_key g1 cflags virt_cpu
    vs g1 start
    [ "$(vs g1 exec nproc)" -eq 1 ]
    [ "$(vs g1 exec grep -c ^processor /proc/cpuinfo)" -eq 1 ]
    [ "$(vs g1 exec cat /sys/devices/system/cpu/online)" = 0 ]
    [ "$(vs g1 exec grep -c '^cpu[0-9]' /proc/stat)" -eq 1 ]
}

@test "virt_load and both modes: one lxcfs for every guest, user-namespaced or not" {
    make_guest g1
    set_key g1 cflags virt_load
    make_guest g2
    set_key g2 cflags virt_mem
    copy_procps_free g2
    rm -f "$(guest_cfg g2)/userns"  # classic: no user namespace
    vs g1 start
    pid=$(lxcfs_pid)
    vs g2 start
    [ "$(lxcfs_pid)" = "$pid" ]
    # Its own process: not in a guest's cgroup, not a child left per guest.
    [ "$(pgrep -c -x lxcfs -s "$pid")" -eq 1 ]
    run vs g1 exec cat /proc/loadavg
    [ "$status" -eq 0 ]
    [[ $output =~ ^[0-9]+\.[0-9]+\ [0-9]+\.[0-9]+ ]]
    vs g1 exec grep -q ' /proc/loadavg .* fuse.lxcfs ' /proc/self/mountinfo
    [ "$(guest_mem_total g2)" -gt 0 ]
    vs g2 exec grep -q ' /proc/meminfo .* fuse.lxcfs ' /proc/self/mountinfo
    # Stopping every guest leaves the daemon for the next one, and nothing of the guests.
    vs g1 stop
    vs g2 stop
    assert_no_leaks g1
    assert_no_leaks g2
    [ "$(lxcfs_pid)" = "$pid" ]
}

@test "a dead lxcfs: the guest's files fail at once, status says what to do, restart mends" {
    make_guest g1
    set_key g1 limits/memory.max 256M
    set_key g1 cflags virt_mem
    copy_procps_free g1
    vs g1 start
    pid=$(lxcfs_pid)
    run vs g1 status
    [[ $output != *Warning* ]]
    kill -9 "$pid"
    for _ in $(seq 50); do
      [[ $(awk '{print $3}' /proc/$pid/stat 2>/dev/null) =~ ^(Z|)$ ]] && break
      sleep 0.1
    done
    run timeout 10 "$VS" g1 exec cat /proc/meminfo
    [ "$status" -ne 124 ]  # not a hang
    [ "$status" -ne 0 ]
    [[ $output == *"not connected"* ]]
    run vs g1 status
    [ "$status" -eq 0 ]
    [[ $output == *"Warning:"*"lxcfs"*"vserver g1 restart"* ]]
    vs g1 restart
    [ "$(lxcfs_pid)" != "$pid" ]
    [ "$(guest_mem_total g1)" -eq 256 ]
    run vs g1 status
    [[ $output != *Warning* ]]
}
