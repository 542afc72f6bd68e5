# Helpers of the hostile-guest battery (security*.bats), on top of lib.bash (load lib first).
#
# sec_setup / sec_teardown : vs_setup/vs_teardown plus a snapshot of the host knobs a guest must
#                            never change, and a leak check of everything named after the test's
#                            cgroup parent (processes, cgroups) or lying under its prefix (mounts)
# probe_guest NAME [STYLE] : make_guest + the static vs-probe copied to /bin/vs-probe in the root
# probe NAME ARGS...       : run vs-probe inside the running guest NAME
# cap_mask CAP...          : the bit mask of capability numbers
# sweep_row ABI NAME       : the result of one row of the last sweep (sweep_guest NAME first)
# rounds HOST VM           : a repeat count, the second one in the test VM (VS_TEST_VM)
#
# It also defines bats' setup and teardown (sec_setup / sec_teardown). A suite with more to
# clean defines sec_pre_teardown (run before the guests stop) and/or sec_post_teardown (after);
# either failing fails the test.

PROBE_BIN="${VS_BIN}/vs-probe"

# util-vserver's default secure set (docs/security.md, spec::default_bounding_set()): CHOWN 0,
# DAC_OVERRIDE 1, DAC_READ_SEARCH 2, FOWNER 3, FSETID 4, KILL 5, SETGID 6, SETUID 7,
# NET_BIND_SERVICE 10, SYS_CHROOT 18, SYS_PTRACE 19, SYS_BOOT 22, SYS_TTY_CONFIG 26, LEASE 28,
# AUDIT_WRITE 29, SETFCAP 31. Written out here on purpose, so a change of the default is a
# reviewed change of this test too.
DEFAULT_CAPS=(0 1 2 3 4 5 6 7 10 18 19 22 26 28 29 31)

cap_mask() {
    local m=0 b
    for b in "$@"; do m=$((m | (1 << b))); done
    echo "$m"
}

# Host values a guest must never change. One "path<TAB>value" line each; files the kernel does
# not have are recorded as absent.
SEC_HOST_FILES=(/proc/sys/kernel/core_pattern /proc/sys/kernel/core_uses_pid
    /proc/sys/kernel/modprobe
    /proc/sys/kernel/sysrq /proc/sys/kernel/hostname /proc/sys/kernel/domainname
    /proc/sys/vm/overcommit_memory /proc/sys/kernel/printk /proc/sys/kernel/panic
    /proc/sys/net/ipv4/ip_forward /sys/kernel/uevent_helper /proc/sys/kernel/randomize_va_space)

# Read with builtins (every line followed by a space): it runs twice per test, and in the
# emulated cgroup-v2 VM each fork of a cat or tr is slow.
host_snapshot() {
    local f v lines
    for f in "${SEC_HOST_FILES[@]}"; do
        if [[ -r $f ]]; then
            lines=()
            mapfile -t lines <"$f" 2>/dev/null || true
            v=
            ((${#lines[@]} == 0)) || printf -v v '%s ' "${lines[@]}"
            printf '%s\t%s\n' "$f" "$v"
        else
            printf '%s\tabsent\n' "$f"
        fi
    done
    printf 'uname-n\t%s\n' "$(uname -n)"
    printf 'clock-realtime-ok\t%(%Y)T\n' -1
}

sec_setup() {
    vs_setup
    [[ -x $PROBE_BIN ]] || skip "no vs-probe at $PROBE_BIN"
    SEC_SNAPSHOT=$(host_snapshot)
    SEC_HOST_PIDS=()
}

# Live processes anywhere on the host whose cgroup path names the test's cgroup parent. Zombies
# do not count: a stopped guest's init is reparented to the host's PID 1, which (without
# systemd) may leave it unreaped for a while; it holds no resources and lib.bash counts it as
# gone too. Nor does a process whose status is gone by the time we read it: a PID 1 that reaps
# in batches can reap such a zombie between the cgroup listing and this read.
parent_pids() {
    local f p st
    for f in $(grep -l -F "/$VSERVER_CGROUP_PARENT/" /proc/[0-9]*/cgroup 2>/dev/null); do
        p=${f#/proc/}
        p=${p%/cgroup}
        st=$(sed -n 's/^State:[[:space:]]*//p' "/proc/$p/status" 2>/dev/null)
        [[ -z $st || $st == [ZX]* ]] || echo "$p"
    done | sort -un
}

# cgroup dirs of every hierarchy named after the parent (found wherever they are, not only where
# lib.bash expects them).
parent_cgroups() {
    find /sys/fs/cgroup -maxdepth 3 -type d -name "$VSERVER_CGROUP_PARENT" 2>/dev/null || true
}

# The global leak check: after every guest is stopped, no process in the parent, no guest cgroup
# below it, no mount under the prefix.
sec_assert_no_global_leaks() {
    local bad=0 d sub
    local pids
    pids=$(parent_pids | tr '\n' ' ')
    if [[ -n ${pids// /} ]]; then
        echo "leaked processes in cgroup parent $VSERVER_CGROUP_PARENT: $pids"
        bad=1
    fi
    for d in $(parent_cgroups); do
        sub=$(find "$d" -mindepth 1 -type d 2>/dev/null | head -5)
        if [[ -n $sub ]]; then echo "leaked cgroups: $sub"; bad=1; fi
    done
    if [[ -n $(prefix_mounts) ]]; then echo "leaked mounts:"; prefix_mounts; bad=1; fi
    return $bad
}

sec_teardown() {
    local rc=0 g pid now
    # Host processes this test started itself (never anything else).
    for pid in "${SEC_HOST_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    if [[ -n ${VSERVER_PREFIX:-} && -d $VSERVER_PREFIX ]]; then
        for g in "${VS_GUESTS[@]}"; do vs "$g" stop >/dev/null 2>&1 || true; done
        sec_assert_no_global_leaks || rc=1
    fi
    now=$(host_snapshot)
    if [[ -n ${SEC_SNAPSHOT:-} && $now != "$SEC_SNAPSHOT" ]]; then
        echo "HOST CHANGED:"
        diff <(echo "$SEC_SNAPSHOT") <(echo "$now") || true
        rc=1
    fi
    vs_teardown || rc=1
    return $rc
}

setup() { sec_setup; }

teardown() {
    local rc=0
    if declare -F sec_pre_teardown >/dev/null; then sec_pre_teardown || rc=1; fi
    sec_teardown || rc=1
    if declare -F sec_post_teardown >/dev/null; then sec_post_teardown || rc=1; fi
    return $rc
}

# Repeat counts: the first on the host, the second in the cgroup-v2 test VM (VS_TEST_VM, where
# each exec costs ~30x more under TCG). Only counts scale; every assertion stays.
rounds() { if [[ -n ${VS_TEST_VM:-} ]]; then echo "$2"; else echo "$1"; fi; }

probe_guest() {
    make_guest "$@"
    install -m 0755 "$PROBE_BIN" "$(guest_root "$1")/bin/vs-probe"
}

probe() {
    local g=$1
    shift
    vs "$g" exec /bin/vs-probe "$@"
}

# sweep_guest NAME: runs the syscall sweep in NAME; rows land in $SWEEP ("abi name result" lines).
sweep_guest() {
    SWEEP=$(probe "$1" syscalls --text)
    [[ -n $SWEEP ]]
}

sweep_row() { awk -v a="$1" -v n="$2" '$1 == a && $2 == n { print $3 }' <<<"$SWEEP"; }

# CapXxx of /proc/PID/status as a decimal number, read inside guest G.
guest_cap() { echo $((16#$(vs "$1" exec grep "^$2:" "/proc/$3/status" | awk '{print $2}'))); }

# expect_refused RESULT: a write/open the kernel must refuse, with a refusal errno.
expect_refused() {
    case "$1" in
        EROFS | EACCES | EPERM) return 0 ;;
        *) echo "expected EROFS/EACCES/EPERM, got '$1'"; return 1 ;;
    esac
}
