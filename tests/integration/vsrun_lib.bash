# Helpers of the vsrun suites: a busybox-static OCI bundle under the test's prefix, and vsrun
# pointed at a state root there, its cgroups under the test's cgroup parent.
#
# vsrun_setup            : vs_setup + VSRUN_ROOT + the shared busybox rootfs
# make_bundle ID [ARG...]: $VSERVER_PREFIX/bundles/ID with config.json running ARGs
#                          (default: sleep 300); cgroupsPath /$VSERVER_CGROUP_PARENT/ID
# vsrun ARGS             : vsrun --root $VSRUN_ROOT ARGS
# vsrun_teardown         : force-deletes every container of the test, checks nothing leaked

VSRUN="${VS_BIN:?}/vsrun"

vsrun() { "$VSRUN" --root "$VSRUN_ROOT" "$@"; }

vsrun_setup() {
    # Before vs_setup: a skip leaves vsrun_teardown nothing to remove (it needs VSRUN_ROOT).
    [[ -x $VSRUN ]] || skip "no vsrun binary at $VSRUN"
    vs_setup
    VSRUN_ROOT=$VSERVER_PREFIX/run/vsrun
    VSRUN_ROOTFS=$VSERVER_PREFIX/rootfs
    # The busybox rootfs is made once per file and copied per test: its ~400 links cost one
    # fork each, which the emulated cgroup-v2 VM makes slow.
    local tmpl=$BATS_FILE_TMPDIR/rootfs
    if [[ ! -d $tmpl ]]; then
        mkdir -p "$tmpl.new"/{bin,etc,tmp,root,proc,sys,dev}
        cp /bin/busybox "$tmpl.new/bin/busybox"
        local a
        for a in $("$tmpl.new/bin/busybox" --list); do
            [[ -e $tmpl.new/bin/$a ]] || ln -s busybox "$tmpl.new/bin/$a"
        done
        echo "root:x:0:0:root:/root:/bin/sh" >"$tmpl.new/etc/passwd"
        mv "$tmpl.new" "$tmpl"
    fi
    cp -a "$tmpl" "$VSRUN_ROOTFS"
}

# make_bundle ID [ARG...]: writes $VSERVER_PREFIX/bundles/ID/config.json. EXTRA_LINUX and
# EXTRA_TOP (JSON members, each with a trailing comma) are added to "linux" and to the top
# level; TERMINAL=true asks for a terminal.
make_bundle() {
    local id=$1
    shift
    local b=$VSERVER_PREFIX/bundles/$id
    mkdir -p "$b"
    ln -sfn "$VSRUN_ROOTFS" "$b/rootfs"
    local args
    if [[ $# -eq 0 ]]; then set -- sleep 300; fi
    args=$(printf '%s\n' "$@" | jq -R . | jq -s -c .)
    local caps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD",
      "CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP",
      "CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'
    cat >"$b/config.json" <<JSON
{
  "ociVersion": "1.0.2-dev",
  "process": {
    "terminal": ${TERMINAL:-false},
    "user": {"uid": 0, "gid": 0},
    "args": $args,
    "env": ["PATH=/bin:/usr/bin:/sbin:/usr/sbin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {"bounding": $caps, "effective": $caps, "permitted": $caps},
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  ${EXTRA_TOP:-}
  "root": {"path": "rootfs", "readonly": false},
  "hostname": "vsrun-test",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
     "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
     "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
  ],
  "linux": {
    ${EXTRA_LINUX:-}
    "resources": {"pids": {"limit": 64}},
    "cgroupsPath": "/$VSERVER_CGROUP_PARENT/$id",
    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"},
                   {"type": "mount"}, {"type": "cgroup"}],
    "maskedPaths": ["/proc/kcore", "/proc/keys", "/sys/firmware"],
    "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger"]
  }
}
JSON
    echo "$b"
}

# The pid `state` reports for $1.
# edit_spec BUNDLE JQ_ARGS...: config.json of BUNDLE rewritten by jq with JQ_ARGS (the filter
# and its --arg options).
edit_spec() {
    jq "${@:2}" "$1/config.json" >"$1/config.json.new" && mv "$1/config.json.new" "$1/config.json"
}
state_pid() { vsrun state "$1" | jq -r .pid; }
state_status() { vsrun state "$1" | jq -r .status; }

# Waits (bounded) until $1's status is $2.
wait_status() {
    local i
    for i in $(seq 100); do
        [[ $(state_status "$1" 2>/dev/null) == "$2" ]] && return 0
        sleep 0.05
    done
    echo "container $1 is $(state_status "$1" 2>&1), not $2"
    return 1
}

vsrun_teardown() {
    [[ -n ${VSRUN_ROOT:-} ]] || return 0
    local id leaked=0
    if [[ -d $VSRUN_ROOT ]]; then
        for id in $(ls "$VSRUN_ROOT"); do
            vsrun delete --force "$id" >/dev/null 2>&1 || true
        done
        # The BPF LSM probe's answer, kept per boot (src/runtime/oci/socket_guard.cpp).
        rm -f "$VSRUN_ROOT/bpf-lsm:support"
        if [[ -n $(ls -A "$VSRUN_ROOT") ]]; then
            echo "leaked state: $(ls -A "$VSRUN_ROOT")"
            leaked=1
        fi
    fi
    local d
    for d in $(cgroup_parent_dirs); do
        if [[ -n $(find "$d" -mindepth 1 -type d) ]]; then
            echo "leaked cgroups: $(find "$d" -mindepth 1 -type d)"
            leaked=1
        fi
    done
    # Whatever a failed test left: its processes by pid, from its cgroups.
    local pid
    for pid in $(cat $(find $(cgroup_parent_dirs) -name cgroup.procs 2>/dev/null) /dev/null); do
        kill -9 "$pid" 2>/dev/null || true
    done
    vs_teardown || leaked=1
    [[ $leaked -eq 0 ]]
}
