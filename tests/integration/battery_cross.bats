#!/usr/bin/env bats
# Hostile-guest battery (shared/reference/security.md §8 B24-B26, B28): guest g1 attacks guest
# g2, which must keep running unchanged: signals and /proc, IPC of every kind, per-kernel-uid
# limits, sysctls, time and hostname. Each test asserts the safe outcome in g2 and on the host;
# controls show the checks can fail. Root; everything under a temporary prefix and a random
# cgroup parent (security_lib.bash's teardown also fails on leaks or a changed host knob).

load lib
load security_lib
bats_require_minimum_version 1.5.0

sec_post_teardown() { if [[ -n ${SHARED_VOL:-} ]]; then rm -rf "$SHARED_VOL"; fi; }

g1sh() { vs g1 exec sh -c "$1"; }
g2sh() { vs g2 exec sh -c "$1"; }

# Host pids of guest $1's processes whose command line contains $2.
guest_pids_with() {
    local p
    for p in $(guest_cgroup_pids "$1"); do
        tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$2" && echo "$p"
    done
    return 0
}

# Waits (bounded) until file $2 in guest $1 is non-empty; prints it.
guest_wait_file() {
    local i
    for i in $(seq 100); do
        vs "$1" exec test -s "$2" 2>/dev/null && break
        sleep 0.05
    done
    vs "$1" exec cat "$2"
}

# ---- B24: signals, /proc and roots of another guest ----------------------------------------

@test "B24: kill -9 -1, /proc, /proc/PID/root from g1 never reach g2; a shared volume's .. stays" {
    # Outside the prefix (mode 0700): a user-namespaced guest's init opens the bind source as
    # its own root, which only reaches host paths anyone may traverse.
    SHARED_VOL=$(mktemp -d /tmp/vs-b24-XXXXXX)
    shared=$SHARED_VOL
    chmod 1777 "$shared"
    probe_guest g1
    probe_guest g2
    for g in g1 g2; do
        mkdir -p "$(guest_root $g)/shared"
        echo "$shared /shared none bind 0 0" >>"$(guest_cfg $g)/fstab"
    done
    vs g1 start
    vs g2 start
    g2sh 'echo g2-secret > /root/b24-marker; sleep 424242 </dev/null >/dev/null 2>&1 &'
    victim=$(guest_pids_with g2 424242)
    [ -n "$victim" ]
    g2_pids=$(guest_cgroup_pids g2 | tr '\n' ' ')
    # g1 sees only its own processes: no g2 command line, no g2 host pid number that g1 has not.
    run g1sh 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\0" " "'
    [[ $output != *424242* ]]
    run g1sh "ls -d /proc/$victim/root /proc/$victim 2>&1
        cat /proc/$victim/root/root/b24-marker 2>&1"
    echo "$output"
    [[ $output != *g2-secret* ]]
    # Through the shared volume: .. of the bind mount is g1's own root, and a link g2 planted
    # to its root resolves inside g1.
    g2sh 'ln -sfn /root /shared/g2-root-link'
    run g1sh 'cat /shared/../root/b24-marker /shared/g2-root-link/b24-marker \
        /shared/../../../root/b24-marker 2>&1'
    echo "$output"
    [[ $output != *g2-secret* ]]
    run g1sh 'find / -xdev -name b24-marker 2>/dev/null; find /shared -name b24-marker 2>/dev/null'
    [ -z "$output" ]
    # kill -9 -1 from g1, and a kill of g2's host pid number.
    run g1sh "kill -9 $victim 2>&1; kill -9 -1; true"
    # g2 keeps every process, and answers.
    for p in $g2_pids; do kill -0 "$p"; done
    [ "$(guest_pids_with g2 424242)" = "$victim" ]
    [ "$(g2sh 'cat /root/b24-marker')" = g2-secret ]
    run vs g2 status
    [ "$status" -eq 0 ]
    # Control: the same kill inside g2 does reach its own sleeper, so the check above can fail.
    g2sh "kill -9 \$(pidof sleep)"
    for _ in $(seq 50); do [ -z "$(guest_pids_with g2 424242)" ] && break; sleep 0.05; done
    [ -z "$(guest_pids_with g2 424242)" ]
}

# ---- B25: IPC ----------------------------------------------------------------------------

@test "B25: g1's SysV shm/sem/msg, POSIX mqueue, /dev/shm file, abstract socket: unseen by g2" {
    probe_guest g1
    probe_guest g2
    vs g1 start
    vs g2 start
    key=0x7b25b25
    name=vs-b25-$RANDOM
    g1sh "/bin/vs-probe ipc-make $key $name hold >/tmp/ipc.json 2>&1 </dev/null &"
    made=$(guest_wait_file g1 /tmp/ipc.json)
    echo "made in g1: $made"
    for k in shm sem msg msgsnd mqueue devshm abstract; do
        [ "$(jq -r ".$k" <<<"$made")" = OK ] || { echo "g1 could not make $k"; false; }
    done
    # Control: g1 itself finds every one of them.
    run probe g1 ipc-find "$key" "$name"
    echo "g1: $output"
    for k in shm sem msg mqueue devshm abstract; do [ "$(jq -r ".$k" <<<"$output")" = OK ]; done
    [ "$(jq -r .shm_ids <<<"$output")" -ge 1 ]
    # g2 finds none, and its IPC namespace is empty.
    run probe g2 ipc-find "$key" "$name"
    echo "g2: $output"
    for k in shm sem msg mqueue devshm; do [ "$(jq -r ".$k" <<<"$output")" = ENOENT ]; done
    [ "$(jq -r .abstract <<<"$output")" = ECONNREFUSED ]
    for k in shm_ids msg_ids sem_ids; do [ "$(jq -r ".$k" <<<"$output")" -eq 0 ]; done
    run g2sh 'ipcs 2>/dev/null | grep -ci 7b25b25'
    [ "$output" = 0 ]
    # Nor does the host.
    run "$PROBE_BIN" ipc-find "$key" "$name"
    echo "host: $output"
    for k in shm sem msg mqueue devshm; do [ "$(jq -r ".$k" <<<"$output")" = ENOENT ]; done
    [ "$(jq -r .abstract <<<"$output")" = ECONNREFUSED ]
    [ ! -e "/dev/shm/$name" ]
    ! grep -q "@$name" /proc/net/unix
}

# ---- B26: per-kernel-uid limits ----------------------------------------------------------

# Two started guests. RLIMIT_NPROC is what the test's shells set for themselves with ulimit -u
# (any process may lower it): the kernel compares it with the count of processes of the
# forking process's kernel uid (in a user namespace, of that namespace's uid), which is the
# shared counter under test. (rlimits/nproc in the config becomes pids.max instead.)
nproc_guests() {
    probe_guest g1
    probe_guest g2
    vs g1 start
    vs g2 start
}

# g1's nobody, at RLIMIT_NPROC 30, tries 60 sleepers; prints how many run.
fill_nproc() {
    vs g1 suexec nobody sh -c 'ulimit -u 30
        for i in $(seq 60); do sleep 424242 </dev/null >/dev/null 2>&1 & done' >/dev/null 2>&1 ||
        true
    guest_pids_with g1 424242 | wc -l
}

# g2's nobody, at the same RLIMIT_NPROC, forks 5 processes; prints "forked" when all five ran.
g2_forks() {
    vs g2 suexec nobody sh -c \
        'ulimit -u 30; for i in 1 2 3 4 5; do true & done; wait; echo forked' 2>&1
}

# The [first, last] host uid ranges of two uid_map files do not intersect.
maps_disjoint() {
    local a b la lb
    while read -r _ a la; do
        while read -r _ b lb; do
            if (( a < b + lb && b < a + la )); then
                echo "uid ranges overlap: host $a+$la and $b+$lb"
                return 1
            fi
        done <"$2"
    done <"$1"
}

@test "B26: userns guests have disjoint id maps; g1 exhausting RLIMIT_NPROC leaves g2 forking" {
    export VS_TEST_USERNS=1
    nproc_guests
    maps_disjoint /proc/$(init_pid g1)/uid_map /proc/$(init_pid g2)/uid_map
    maps_disjoint /proc/$(init_pid g1)/gid_map /proc/$(init_pid g2)/gid_map
    # Neither map reaches the host's own ids (0 .. 65535).
    for g in g1 g2; do
        while read -r _ base _; do [ "$base" -ge 65536 ]; done </proc/$(init_pid $g)/uid_map
    done
    got=$(fill_nproc)
    echo "g1's nobody got $got processes"
    [ "$got" -ge 20 ] && [ "$got" -lt 60 ]      # it really hit the limit
    run g2_forks
    echo "g2: $output"
    [[ $output == *forked* ]]
    # The host's nobody too.
    run setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'true & wait; echo forked'
    [[ $output == *forked* ]]
}

@test "B26 control: classic guests share kernel uids, so g1 exhausting RLIMIT_NPROC does reach g2" {
    export VS_TEST_USERNS=0
    nproc_guests
    run maps_disjoint /proc/$(init_pid g1)/uid_map /proc/$(init_pid g2)/uid_map
    [ "$status" -ne 0 ]
    got=$(fill_nproc)
    echo "g1's nobody got $got processes"
    [ "$got" -ge 20 ] && [ "$got" -lt 60 ]
    run g2_forks
    echo "g2: $output"
    [[ $output != *forked* ]]
}

@test "B26: g1 exhausting inotify instances leaves g2 and host root able to make one" {
    probe_guest g1
    probe_guest g2
    vs g1 start
    vs g2 start
    # status says what a classic guest can use up, and only for one (the running namespaces).
    run vs g1 status
    if guest_userns g1; then
        [[ $output != *"classic guest"* ]] || { echo "$output"; false; }
    else
        [[ $output == *"Note: "*"classic guest (no user namespace)"*"inotify instances and"* ]] ||
            { echo "$output"; false; }
    fi
    # Only as long as the checks take: held instances count against host root's own limit.
    g1sh '/bin/vs-probe inotify-hog 100000 hold >/tmp/ino.json 2>&1 </dev/null &'
    hog=$(guest_wait_file g1 /tmp/ino.json)
    g2r=$(probe g2 inotify-hog 2)
    hostr=$("$PROBE_BIN" inotify-hog 2)
    for p in $(guest_pids_with g1 inotify-hog); do kill -9 "$p"; done
    echo "g1: $hog"
    echo "g2: $g2r"
    echo "host root: $hostr"
    [ "$(jq -r .made <<<"$hog")" -gt 0 ]
    if ! guest_userns g1; then
        # Nothing to fix in this mode: without a user namespace guest root is the host's kernel
        # uid 0 itself, and the limit is per kernel uid.
        if [[ $(jq -r .made <<<"$g2r") != 2 || $(jq -r .made <<<"$hostr") != 2 ]]; then
            local why="KNOWN HOLE (classic guests only): guest root is host root's kernel uid 0"
            why+=" (no user namespace) and fs.inotify.max_user_instances"
            why+=" ($(cat /proc/sys/fs/inotify/max_user_instances)) is per kernel uid, so g1's"
            why+=" $(jq -r .made <<<"$hog") instances leave g2 $(jq -r .made <<<"$g2r")/2 and"
            why+=" host root $(jq -r .made <<<"$hostr")/2; user-namespaced guests (build's"
            why+=" default) are not affected"
            skip "$why"
        fi
        return 0
    fi
    # A user-namespaced guest's namespace is owned by its base uid, so its instances are charged
    # to that uid in the host's namespace, never to host root (the creator).
    base=$(awk '{print $2; exit}' /proc/$(init_pid g1)/uid_map)
    owner=$(python3 -c 'import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print(struct.unpack("I", fcntl.ioctl(fd, 0xb704, b"\0" * 4))[0])' /proc/$(init_pid g1)/ns/user)
    echo "g1's user namespace owner: $owner (id map base $base)"
    [ "$owner" = "$base" ]
    [ "$(jq -r .made <<<"$g2r")" = 2 ]
    [ "$(jq -r .made <<<"$hostr")" = 2 ]
}

# ---- B28: sysctls, time, hostname --------------------------------------------------------

@test "B28: g1 setting net sysctls, clock, timens offsets or hostname changes no g2 or host value" {
    probe_guest g1
    probe_guest g2
    vs g1 start
    vs g2 start
    knobs="net/ipv4/ip_forward net/ipv4/tcp_syncookies net/ipv4/ip_default_ttl net/core/somaxconn"
    knobs+=" net/ipv4/conf/all/rp_filter kernel/hostname kernel/domainname"
    snap() {
        local k
        for k in $knobs; do printf '%s=%s ' "$k" "$($1 cat /proc/sys/$k 2>/dev/null)"; done
        printf 'date=%s uts=%s' "$($1 date +%Y)" "$($1 hostname)"
    }
    host_before=$(snap "")
    g2_before=$(snap "vs g2 exec")
    # Own namespaces: the guest's net and uts are not the host's (so a change could stay local).
    [ "$(readlink /proc/$(init_pid g1)/ns/net)" != "$(readlink /proc/self/ns/net)" ]
    [ "$(readlink /proc/$(init_pid g1)/ns/net)" != "$(readlink /proc/$(init_pid g2)/ns/net)" ]
    for kv in net.ipv4.ip_forward=1 net.ipv4.tcp_syncookies=0 net.ipv4.ip_default_ttl=7 \
              net.core.somaxconn=17 net.ipv4.conf.all.rp_filter=2 kernel.hostname=b28evil; do
        run g1sh "sysctl -w $kv 2>&1 ||
            echo $kv | sed 's/\./\//g; s/=/ /' | { read k v; echo \$v > /proc/sys/\$k; }"
        echo "$kv: $status $output"
    done
    run g1sh 'hostname b28evil; date -s "2001-01-01 00:00:00"; unshare -T true
        echo "monotonic 86400 0" > /proc/self/timens_offsets'
    echo "$output"
    [ "$(snap "")" = "$host_before" ]
    [ "$(snap "vs g2 exec")" = "$g2_before" ]
    [ "$(date +%Y)" -ge 2024 ]
    # And whatever g1 did is at most in g1 (its hostname is still its own name here: refused).
    [ "$(vs g1 exec hostname)" = g1 ]
}
