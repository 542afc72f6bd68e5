# Shared helpers of the integration bats suites: a temporary prefix, guests built and cleaned.
#
# vs_setup     : a private VSERVER_PREFIX and VSERVER_CGROUP_PARENT per test
# make_guest   : a small busybox guest (build -m skeleton, else a hand-made busybox-static root)
#                VS_TEST_USERNS=1: a user-namespaced guest (build --userns); =0: a classic one
#                (build --no-userns); unset: whatever build makes by default
# guest_userns : true (0) when guest $1 is configured with a user namespace
# vs           : the vserver binary under test
# vs_teardown  : stops every guest the test made, checks nothing leaked, removes all it made
# exe_sweep_script [seen] : a guest-side ash script that write-opens every /proc/PID/exe
# exe_sweep_stop G ROOT PID : stops that script (run in guest G, job PID); it must have swept
#
# Everything a test creates is under $VSERVER_PREFIX or the cgroup parent; teardown kills only
# processes found in that cgroup parent, by pid.

VS="${VS_BIN:?set VS_BIN to the bin dir of the build}/vserver"

vs() { "$VS" "$@"; }

# require_fault_injection: skips the test unless vserver was built with VS_FAULT_INJECTION=ON
# (scripts/build.sh does): only then does the binary read VSERVER_FAULT (src/base/fault.cpp).
require_fault_injection() {
    grep -q VSERVER_FAULT "$VS" ||
        skip "vserver built without VS_FAULT_INJECTION (no VSERVER_FAULT points)"
}

# host_only (host_only.bash): marks a test the cgroup-v2 VM skips.
source "$(dirname "${BASH_SOURCE[0]}")/host_only.bash"

vs_setup() {
    [[ $EUID -eq 0 ]] || skip "needs root"
    [[ -x $VS ]] || skip "no vserver binary at $VS"
    VSERVER_PREFIX=$(mktemp -d /tmp/vstest.XXXXXX)
    VSERVER_CGROUP_PARENT="vstest-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
    export VSERVER_PREFIX VSERVER_CGROUP_PARENT
    VS_GUESTS=()
}

# The host dirs of this test's cgroup parent, one per hierarchy that has it.
cgroup_parent_dirs() {
    local d
    for d in /sys/fs/cgroup/*/"$VSERVER_CGROUP_PARENT" /sys/fs/cgroup/"$VSERVER_CGROUP_PARENT"; do
        [[ -d $d ]] && echo "$d"
    done
    return 0
}

# Pids in the cgroup dirs of guest $1 (any hierarchy), one per line, sorted, unique.
guest_cgroup_pids() {
    local d
    for d in $(cgroup_parent_dirs); do
        [[ -r $d/$1/cgroup.procs ]] && cat "$d/$1/cgroup.procs"
    done | sort -un
}

# mountinfo lines of the host (our mount namespace) that mention the prefix.
prefix_mounts() { grep -F "$VSERVER_PREFIX" /proc/self/mountinfo || true; }

# The shared lxcfs daemon's mount (virt_mem/virt_cpu/virt_load) stays when a guest stops.
guest_prefix_mounts() {
  prefix_mounts | grep -vF "$VSERVER_PREFIX/run/vservers/.lxcfs/mnt " || true
}

# daemon_pid DIR: the pid of the host daemon start made under the prefix, recorded as "PID
# STARTTIME" in run/vservers/DIR/daemon, if that very process still runs (the start time rules
# out a reused pid).
daemon_pid() {
    local f=$VSERVER_PREFIX/run/vservers/$1/daemon pid start
    [[ -r $f ]] || return 1
    read -r pid start <"$f"
    [[ -d /proc/$pid ]] || return 1
    [[ $(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null) == "$start" ]] || return 1
    echo "$pid"
}

# The pid of the lxcfs daemon, and of vs-consoled (guests' consoles), if they run.
lxcfs_pid() { daemon_pid .lxcfs; }
consoled_pid() { daemon_pid .console; }

# The build flag VS_TEST_USERNS asks for (empty when unset).
test_userns_flag() {
    case ${VS_TEST_USERNS:-} in
        1) echo --userns ;;
        0) echo --no-userns ;;
        '') ;;
        *) echo "VS_TEST_USERNS must be 1, 0 or unset, not '$VS_TEST_USERNS'" >&2; return 1 ;;
    esac
}

# make_guest NAME [STYLE]  (STYLE: plain, sysv, reaper; default reaper)
make_guest() {
    local name=$1 style=${2:-reaper}
    local cfg=$VSERVER_PREFIX/etc/vservers/$name root=$VSERVER_PREFIX/var/lib/vservers/$name
    local mode
    mode=$(test_userns_flag) || return 1
    # shellcheck disable=SC2086 # an empty mode is no argument
    if ! vs "$name" build -m skeleton $mode >/dev/null 2>&1; then
        rm -rf "$cfg" "$root"
        mkdir -p "$cfg" "$root"/{bin,sbin,etc,tmp,root,proc,sys,dev}
        cp /bin/busybox "$root/bin/busybox"
        local a
        for a in $("$root/bin/busybox" --list); do
            [[ -e $root/bin/$a ]] || ln -s busybox "$root/bin/$a"
        done
        echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
        echo "nobody:x:65534:65534:nobody:/:/bin/sh" >>"$root/etc/passwd"
        echo "40$((RANDOM % 900 + 100))" >"$cfg/context"
        # build's default is a user-namespaced guest
        [[ $mode == --no-userns ]] || : >"$cfg/userns"
    fi
    # The test guests run with util-vserver's default secure capability set and flags.
    rm -f "$cfg/bcapabilities" "$cfg/ccapabilities" "$cfg/cflags" "$cfg/flags"
    mkdir -p "$cfg/apps/init"
    echo "$style" >"$cfg/apps/init/style"
    VS_GUESTS+=("$name")
}

guest_userns() {
    local f=$VSERVER_PREFIX/etc/vservers/$1/userns
    [[ -e $f ]] && ! grep -qixE '[[:space:]]*(no|false|0|off)[[:space:]]*' "$f"
}

guest_root() { echo "$VSERVER_PREFIX/var/lib/vservers/$1"; }
guest_cfg() { echo "$VSERVER_PREFIX/etc/vservers/$1"; }
guest_state() { echo "$VSERVER_PREFIX/run/vservers/$1/state.json"; }
init_pid() { sed -n 's/.*"init_pid": *\([0-9]*\).*/\1/p' "$(guest_state "$1")"; }

# True (0) when nothing of guest $1 is left on the host: no process in its cgroup, no cgroup
# dir, no mount under the prefix, no state file. Prints what it found otherwise.
assert_no_leaks() {
    local name=$1 bad=0 d
    local pids
    pids=$(guest_cgroup_pids "$name")
    if [[ -n $pids ]]; then echo "leaked processes of $name: $pids"; bad=1; fi
    for d in $(cgroup_parent_dirs); do
        if [[ -d $d/$name ]]; then echo "leaked cgroup $d/$name"; bad=1; fi
    done
    if [[ -n $(guest_prefix_mounts) ]]; then echo "leaked mounts:"; guest_prefix_mounts; bad=1; fi
    if [[ -e $(guest_state "$name") ]]; then echo "leaked state $(guest_state "$name")"; bad=1; fi
    for d in join.json join.bpf; do
        d=$(dirname "$(guest_state "$name")")/$d
        if [[ -e $d ]]; then echo "leaked join profile $d"; bad=1; fi
    done
    return $bad
}

vs_teardown() {
    [[ -n ${VSERVER_PREFIX:-} && -d $VSERVER_PREFIX ]] || return 0
    local g pid d leaked=0
    for g in "${VS_GUESTS[@]}"; do
        vs "$g" stop >/dev/null 2>&1 || true
        assert_no_leaks "$g" || leaked=1
    done
    # Whatever is still there goes, by pid and by path, even when the test failed half-way.
    for g in "${VS_GUESTS[@]}"; do
        for pid in $(guest_cgroup_pids "$g"); do kill -9 "$pid" 2>/dev/null || true; done
    done
    # The lxcfs daemon a virt_* guest started under the prefix, by its recorded pid.
    if pid=$(lxcfs_pid); then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
    fi
    # The console daemon ends by itself once it holds no guest; one still there goes by pid.
    if pid=$(consoled_pid); then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
    fi
    local m
    while read -r m; do
        umount -l "$m" 2>/dev/null || true
    done < <(prefix_mounts | awk '{print $5}' | sort -r)
    for d in $(cgroup_parent_dirs); do
        find "$d" -depth -mindepth 1 -type d -exec rmdir {} \; 2>/dev/null || true
        rmdir "$d" 2>/dev/null || true
    done
    rm -rf "$VSERVER_PREFIX"
    [[ $leaked -eq 0 ]] || { echo "teardown found leaks (see above)"; return 1; }
}

# exe_sweep_script [seen]: prints a guest-side ash script (CVE-2019-5736 checks). Each sweep
# tries an O_WRONLY|O_APPEND open of every /proc/PID/exe (a brace group with a redirection: no
# fork unless the open succeeds, so it is fast and reaches short-lived pids); with "seen" it
# first logs the exe link of every pid (one ls) to /tmp/seen. What an open that succeeded
# reached is named through the open fd itself: the process may be gone by then. That can happen
# in one benign race: the open resolves the link, then the process exits and its mm lets go of
# the exe's write denial before the open checks it (seen on 6.1). It then holds the guest's own
# file, or the sealed vs-init memfd, whose write seal must refuse the byte tried on it. Opens
# land in /tmp/writable, the sweep count in /tmp/sweeps; it stops when /tmp/stop appears.
exe_sweep_script() {
    local init=': >/tmp/writable; n=0' seen=''
    if [[ ${1:-} == seen ]]; then
        init=": >/tmp/seen; $init"
        seen='ls -l /proc/[0-9]*/exe 2>/dev/null |
        sed -n "s|.* /proc/\([0-9]*\)/exe -> |\1 |p" >>/tmp/seen'
    fi
    printf '%s\n' "$init" 'while [ ! -e /tmp/stop ]; do' "    $seen" '
    for e in /proc/[0-9]*/exe; do
        { t=$(readlink /proc/self/fd/3)
          case $t in "/memfd:vs-init (deleted)") printf x >&3 && t="$t WRITTEN" ;; esac
          echo "$e $t" >>/tmp/writable; } 2>/dev/null 3>>"$e"
    done
    n=$((n + 1))
done
echo "$n" >/tmp/sweeps'
}

# exe_sweep_stop NAME ROOT PID: stops exe_sweep_script running in guest NAME as job PID and
# fails unless it swept at least once. ROOT is the guest's root as the host sees it. The stop
# file is made from inside: a user-namespaced guest's /tmp refuses files of host ids
# (EOVERFLOW).
exe_sweep_stop() {
    vs "$1" exec touch /tmp/stop
    wait "$3"
    echo "sweeps: $(cat "$2/tmp/sweeps")"
    [ "$(cat "$2/tmp/sweeps")" -gt 0 ]
}
