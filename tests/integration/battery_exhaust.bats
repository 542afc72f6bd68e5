#!/usr/bin/env bats
# Hostile-guest battery (shared/reference/security.md §8 C31, C32): guest g1 exhausts disk
# space, inodes, file descriptors, CPU and the disk's fsync capacity. The safe outcome: g1 hits
# its own limit (EDQUOT, EMFILE, CPU throttling), while the host's file systems and the state
# dir stay writable, `vserver status` keeps answering and g2 keeps running and working. Every
# loop is bounded by a count; `timeout` only guards against a hang. Root; everything under a
# temporary prefix, a random cgroup parent and a loop file system the test makes (teardown).

load lib
load security_lib
bats_require_minimum_version 1.5.0

sec_post_teardown() {
    if [[ -n ${WORK:-} ]]; then
        mountpoint -q "$WORK/mnt" && umount "$WORK/mnt"
        [[ -f $WORK/loop ]] && losetup -d "$(cat "$WORK/loop")"
        rm -rf "$WORK"
    fi
    return 0
}

# The host side keeps working: the state dir takes a write, status answers for both guests,
# g2 runs a command and still has its sleeper.
host_and_g2_fine() {
    local f=$VSERVER_PREFIX/run/vservers/.c-probe
    echo ok >"$f" && [ "$(cat "$f")" = ok ] && rm -f "$f"
    run timeout 60 "$VS" g1 status
    [ "$status" -eq 0 ] || { echo "g1 status: $status $output"; return 1; }
    run timeout 60 "$VS" g2 status
    [ "$status" -eq 0 ] || { echo "g2 status: $status $output"; return 1; }
    run timeout 60 "$VS" g2 exec sh -c 'echo g2-works; pidof sleep'
    [[ $status -eq 0 && $output == g2-works* && -n ${lines[1]:-} ]] ||
        { echo "g2: $output"; return 1; }
}

# A loop file system of $2 MiB of type $1 at $WORK/mnt (options $3), or skip with the reason.
loop_fs() {
    WORK=$(mktemp -d /tmp/vs-c31-XXXXXX)
    mkdir "$WORK/mnt"
    truncate -s "${2}M" "$WORK/fs.img"
    LOOP=$(losetup -f --show "$WORK/fs.img")
    echo "$LOOP" >"$WORK/loop"
    case $1 in
        btrfs)
            command -v mkfs.btrfs >/dev/null || skip "btrfs-progs not installed"
            mkfs.btrfs -q "$LOOP" >/dev/null 2>&1 ;;
        ext4)
            command -v mkfs.ext4 >/dev/null || skip "e2fsprogs not installed"
            mkfs.ext4 -q -O quota,project -E quotatype=prjquota "$LOOP" >/dev/null 2>&1 ;;
    esac
    local err
    if ! err=$(mount ${3:+-o "$3"} "$LOOP" "$WORK/mnt" 2>&1); then
        skip "$1${3:+ with $3} cannot be mounted on this kernel: $err $(dmesg 2>/dev/null |
            tail -1)"
    fi
}

# The root of a guest built with --rootdir (guest_root assumes the default base dir).
groot() { readlink "$(guest_cfg "$1")/vdir"; }

# build_on NAME [ARGS...]: a busybox guest with its root under $WORK/mnt/guests.
build_on() {
    local g=$1 mode
    shift
    mode=$(test_userns_flag)
    # shellcheck disable=SC2086 # an empty mode is no argument
    run vs "$g" build -m skeleton --rootdir "$WORK/mnt/guests" $mode "$@"
    [ "$status" -eq 0 ] || { echo "$output"; return 1; }
    VS_GUESTS+=("$g")
    install -m 0755 "$PROBE_BIN" "$(groot "$g")/bin/vs-probe"
}

set_dlimit() {
    local cfg
    cfg=$(guest_cfg "$1")
    mkdir -p "$cfg/dlimits/root"
    readlink "$cfg/vdir" >"$cfg/dlimits/root/directory"
    echo "$2" >"$cfg/dlimits/root/space_total"
    echo "$3" >"$cfg/dlimits/root/inodes_total"
}

start_with_sleeper() {
    vs "$1" start
    vs "$1" exec sh -c 'sleep 424242 </dev/null >/dev/null 2>&1 &'
}

# ---- C31: disk -----------------------------------------------------------------------------

@test "C31: g1 filling its disk limit (dd, fallocate, files): EDQUOT; fs, host, g2 stay writable" {
    loop_fs btrfs 512
    build_on g1
    build_on g2
    set_dlimit g1 16384 100000      # 16 MiB
    start_with_sleeper g1
    start_with_sleeper g2
    run vs g1 exec dd if=/dev/zero of=/root/fill bs=1M count=64 conv=fsync
    echo "dd: $output"
    [ "$status" -ne 0 ]
    [[ $output == *"Disk quota exceeded"* ]]
    run vs g1 exec fallocate -l 64M /root/falloc
    echo "fallocate: $output"
    [ "$status" -ne 0 ]
    # 3000 small files (12 MiB of blocks at least) on top: refused before the end.
    run vs g1 exec sh -c \
        'i=0; while [ $i -lt 3000 ]; do echo x >/root/f$i || exit 1; i=$((i+1)); done'
    echo "small files: $status"
    [ "$status" -ne 0 ]
    # What g1's big file got is at most the limit.
    [ "$(stat -c %s "$(groot g1)/root/fill")" -le $((16 << 20)) ]
    # Meanwhile: g2 on the same file system, the host on it and on /, the state dir.
    vs g2 exec dd if=/dev/zero of=/root/g2file bs=1M count=32 conv=fsync
    dd if=/dev/zero of="$WORK/mnt/hostfile" bs=1M count=32 conv=fsync status=none
    [ "$(stat -c %s "$WORK/mnt/hostfile")" -eq $((32 << 20)) ]
    host_and_g2_fine
    # A restart while full either works (its state is written on the host, not in the root) or
    # fails cleanly: one line naming the disk limit, nothing left behind, g2 unaffected.
    vs g1 stop
    run vs g1 start
    echo "start while full: $status $output"
    if [ "$status" -ne 0 ]; then
        [[ ${lines[-1]} == *"disk limits of guest \"g1\""* ]]
        assert_no_leaks g1
    fi
    run vs g2 exec true
    [ "$status" -eq 0 ]
}

@test "C31: g1 creating files past its inode limit gets EDQUOT; g2 and the host still create some" {
    no_cgroup
    loop_fs ext4 512 prjquota
    build_on g1 --context 41231
    build_on g2 --context 41232
    set_dlimit g1 65536 400
    start_with_sleeper g1
    start_with_sleeper g2
    run vs g1 exec sh -c 'i=0; while [ $i -lt 2000 ]; do
        : >/root/f$i || { echo "stopped at $i"; exit 1; }; i=$((i+1))
    done'
    echo "$output"
    [ "$status" -ne 0 ]
    [[ $output == *"Disk quota exceeded"* ]]
    # It stopped within its limit (which also counts the files the guest had before).
    n=$(find "$(groot g1)/root" -name 'f*' | wc -l)
    echo "g1 made $n files"
    [ "$n" -lt 400 ]
    m=$(rounds 1000 200)
    vs g2 exec sh -c "i=0; while [ \$i -lt $m ]; do : >/root/f\$i; i=\$((i+1)); done"
    mkdir "$WORK/mnt/host-files"
    for i in $(seq "$m"); do : >"$WORK/mnt/host-files/$i"; done
    host_and_g2_fine
}

@test "C31: the guest's writable tmpfs mounts (/dev, /dev/shm, /tmp) bound inodes, not only bytes" {
    no_cgroup
    probe_guest g1
    vs g1 start
    mounts=$(vs g1 exec cat /proc/self/mountinfo | awk '{ for (i = 7; $i != "-"; i++);
        if ($(i + 1) == "tmpfs" && $6 ~ /^rw/) print $5, $(i + 3) }')
    echo "$mounts"
    [ -n "$mounts" ]
    # Empty files take no bytes, so size= does not stop them; without nr_inodes a tmpfs takes up
    # to half the RAM's pages of inodes, each ~1 KiB of kernel memory.
    m=$(rounds 2000 500)
    vs g1 exec sh -c "mkdir /dev/shm/c31 && i=0
        while [ \$i -lt $m ]; do : >/dev/shm/c31/\$i; i=\$((i+1)); done"
    [ "$(vs g1 exec sh -c 'ls /dev/shm/c31 | wc -l')" -eq "$m" ]
    unbounded=$(awk '$2 !~ /nr_inodes=/ { print $1 }' <<<"$mounts" | tr '\n' ' ')
    [ -z "$unbounded" ] || { echo "tmpfs without nr_inodes at $unbounded"; false; }
    # The bound holds: /dev/shm (nr_inodes=65536) refuses files past it with ENOSPC (65536
    # shell iterations: host only, the VM's emulated CPU would take minutes).
    [[ -z ${VS_TEST_VM:-} ]] || return 0
    run vs g1 exec sh -c 'mkdir /dev/shm/full && i=0
        while [ $i -lt 70000 ]; do true >/dev/shm/full/$i || exit 0; i=$((i+1)); done; exit 1'
    [ "$status" -eq 0 ]
    [[ $output == *"No space left on device"* ]]
}

@test "C31: log and console spam from g1 stays in g1 (its /dev fills up); nothing grows on host" {
    no_cgroup
    probe_guest g1
    probe_guest g2
    start_with_sleeper g1
    start_with_sleeper g2
    host_before=$(du -sk "$VSERVER_PREFIX/run" | cut -f1)
    marker=VS-C31-SPAM-$RANDOM$RANDOM
    # 96 MiB at /dev/kmsg (a plain file in the guest's 64 MiB /dev), its console and stdio.
    run vs g1 exec sh -c \
        "echo '<0>$marker' >/dev/kmsg && dd if=/dev/zero bs=1M count=96 >>/dev/kmsg"
    echo "kmsg: $output"
    [ "$status" -ne 0 ]
    [ "$(vs g1 exec df -k /dev | awk 'NR == 2 { print $4 }')" -eq 0 ]
    [ "$(vs g1 exec stat -c %s /dev/kmsg)" -le $((64 << 20)) ]
    vs g1 exec sh -c "echo '$marker' >/dev/console; dd if=/dev/zero bs=1M count=16 >/dev/console
        echo '$marker' >/proc/1/fd/1; dd if=/dev/zero bs=1M count=16 >/proc/1/fd/1
        true" 2>/dev/null
    vs g1 exec sh -c "i=0; while [ \$i -lt $(rounds 2000 200) ]; do
        logger -t c31 '$marker' 2>/dev/null; i=\$((i+1))
    done; true"
    # The guest's own /dev is full, and only that: the host's log never saw the marker, the run
    # dir did not grow, status answers and g2 works.
    ! dmesg 2>/dev/null | grep -q "$marker"
    [ "$(du -sk "$VSERVER_PREFIX/run" | cut -f1)" -le $((host_before + 64)) ]
    host_and_g2_fine
    vs g1 exec rm -f /dev/kmsg
    vs g1 exec true
}

# ---- C32: fds, CPU, fsync --------------------------------------------------------------------

@test "C32: g1 opening fds stops at its RLIMIT_NOFILE; the host's file table and g2 are unharmed" {
    no_cgroup
    probe_guest g1
    probe_guest g2
    mkdir -p "$(guest_cfg g1)/rlimits" "$(guest_cfg g2)/rlimits"
    echo 1024 >"$(guest_cfg g1)/rlimits/nofile"
    # g2's own, higher limit (the host's soft limit may be 1024 itself, as under systemd).
    echo 4096 >"$(guest_cfg g2)/rlimits/nofile"
    start_with_sleeper g1
    start_with_sleeper g2
    run probe g1 fd-hog
    echo "$output"
    [ "$(jq -r .error <<<"$output")" = EMFILE ]
    [ "$(jq -r .nofile <<<"$output")" -eq 1024 ]
    [ "$(jq -r .opened <<<"$output")" -le 1024 ]
    # Ten of them at once, all held: still bounded per process; the host's table has room.
    for i in $(seq 10); do
        vs g1 exec sh -c \
            '/bin/vs-probe fd-hog >/dev/null; sleep 424243 </dev/null >/dev/null 2>&1 &'
    done
    read -r used _ max </proc/sys/fs/file-nr
    echo "host file-nr: $used of $max"
    [ "$used" -lt $((max / 2)) ]
    run probe g2 fd-hog
    echo "g2: $output"
    [ "$(jq -r .opened <<<"$output")" -gt 4000 ]
    host_and_g2_fine
}

# The cpu controller's throttle counter of guest $1 (v2 cpu.stat or v1 cpu,cpuacct).
nr_throttled() {
    local d
    for d in /sys/fs/cgroup/"$VSERVER_CGROUP_PARENT"/"$1" \
             /sys/fs/cgroup/cpu,cpuacct/"$VSERVER_CGROUP_PARENT"/"$1" \
             /sys/fs/cgroup/cpu/"$VSERVER_CGROUP_PARENT"/"$1"; do
        [[ -r $d/cpu.stat ]] && { awk '$1 == "nr_throttled" { print $2 }' "$d/cpu.stat"; return 0; }
    done
    echo "no cpu.stat for $1" >&2
    return 1
}

@test "C32: four busy loops in g1 at cpu.max 20% are throttled; status and g2 keep working" {
    probe_guest g1
    probe_guest g2
    mkdir -p "$(guest_cfg g1)/limits"
    echo "20000 100000" >"$(guest_cfg g1)/limits/cpu.max"
    start_with_sleeper g1
    start_with_sleeper g2
    # Its start may have been throttled already (a slow machine): count from here.
    before=$(nr_throttled g1)
    for i in 1 2 3 4; do vs g1 exec sh -c 'while :; do :; done </dev/null >/dev/null 2>&1 &'; done
    # Wait for the kernel to throttle it (a bounded number of polls, not a time limit).
    for _ in $(seq 100); do [ "$(nr_throttled g1)" -gt $((before + 2)) ] && break; sleep 0.1; done
    echo "nr_throttled: $before before the loops, $(nr_throttled g1) after"
    [ "$(nr_throttled g1)" -gt $((before + 2)) ]
    for i in $(seq "$(rounds 5 2)"); do host_and_g2_fine; done
    # stop ends the loops (SIGTERM is ignored by nothing here; the killseq's SIGKILL if it were).
    run timeout 120 "$VS" g1 stop
    [ "$status" -eq 0 ]
    [ -z "$(guest_cgroup_pids g1)" ]
}

@test "C32: an fsync storm in g1 (2 x 300 synced writes) leaves status, state dir and g2 working" {
    probe_guest g1
    probe_guest g2
    start_with_sleeper g1
    start_with_sleeper g2
    m=$(rounds 300 60)
    for j in 1 2; do
        vs g1 exec sh -c "i=0; while [ \$i -lt $m ]; do
            dd if=/dev/zero of=/root/sync$j bs=4k count=4 conv=fsync 2>/dev/null; i=\$((i+1))
        done; echo done >/root/storm$j" &
    done
    for i in $(seq "$(rounds 10 3)"); do host_and_g2_fine; done
    wait
    [ "$(vs g1 exec cat /root/storm1 /root/storm2)" = "$(printf 'done\ndone')" ]
    host_and_g2_fine
}
