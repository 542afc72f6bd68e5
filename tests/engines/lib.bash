# Runs real container engines (podman + conmon, containerd with ctr and its CRI plugin) against
# one OCI runtime binary, every engine entirely under a temporary prefix: its own config files,
# storage, state, sockets and events log; nothing of the machine's own engine state is used.
#
# eng_init PREFIX RUNTIME : writes the engines' config under PREFIX for runtime binary RUNTIME;
#                           ENG_ENGINE_RT is the path the engines are given: RUNTIME, or with
#                           VS_ENGINE_TRACE=1 a wrapper of the same name logging every call's
#                           argv and exit status to PREFIX/runtime.log (eng_trace_tail)
# eng_images DIR          : busybox rootfs tar + OCI archives of busybox and pause, cached in DIR
# eng_podman ARGS...      : podman with the prefix's root, runroot, tmpdir and config files
# eng_podman_load DIR     : loads the busybox and pause images of DIR into the prefix's podman
# eng_containerd_start    : starts containerd on the prefix's socket (pid in ENG_CONTAINERD_PID)
# eng_ctr ARGS...         : ctr on that socket
# eng_cri ARGS...         : tests/engines/cri_client.py on that socket
# eng_containerd_stop     : stops containerd and the shims it started, by pid
# eng_bundle DIR ARGS...  : an OCI bundle of the busybox rootfs whose process is ARGS
# eng_probe RUNTIME       : runs /bin/true in a bundle with RUNTIME; prints why not on failure
# eng_cleanup             : removes containers, stops daemons, unmounts and removes the prefix
#
# Cgroups: every container goes below ENG_CGROUP (/vs-engines-NAME, NAME from the prefix):
# podman --cgroup-parent, ctr --cgroup, the CRI pod's cgroup_parent; eng_cleanup removes it.
# Known places outside the prefix that the engines use by design: the runtime's default state
# dir for podman (podman passes no --root: /run/runc, /run/vsrun), and the shims' sockets in
# /run/containerd/s (a path fixed in containerd's shim code, named by a hash of our socket).

ENG_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Debian's python3 has the grpc and protobuf modules; a python first on PATH may not.
ENG_PY=/usr/bin/python3

eng_init() {
    ENG_PREFIX=$1
    ENG_RUNTIME=$2
    ENG_CGROUP=/vs-engines-${ENG_PREFIX##*.}
    local p=$ENG_PREFIX
    ENG_ENGINE_RT=$ENG_RUNTIME
    if [[ ${VS_ENGINE_TRACE:-0} == 1 ]]; then
        # Same base name: podman picks conmon's log flags by the runtime's name.
        ENG_ENGINE_RT=$p/trace/${ENG_RUNTIME##*/}
        mkdir -p "$p/trace"
        cat >"$ENG_ENGINE_RT" <<EOF
#!/bin/sh
echo "\$\$ \$*" >>$p/runtime.log
$ENG_RUNTIME "\$@"
rc=\$?
echo "\$\$ exit \$rc" >>$p/runtime.log
exit \$rc
EOF
        chmod +x "$ENG_ENGINE_RT"
    fi
    mkdir -p "$p"/podman/{root,runroot,tmp,net} "$p"/containerd/{root,state,opt} \
        "$p"/cni/{bin,net.d} "$p"/pods
    # conmon adds --log-format=json --log FILE before the verb only for names in
    # runtime_supports_json; vsrun speaks runc's log format, so it is listed.
    # No CAP_SYS_RESOURCE here and hard nofile 20000: podman's default RLIMIT_NOFILE 1048576 and
    # an nproc above pid_max would fail in setrlimit.
    cat >"$p/containers.conf" <<EOF
[containers]
netns = "host"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$p/podman/events.log"
runtime = "runc"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "vsrun"]
tmp_dir = "$p/podman/tmp"
infra_image = "localhost/pause:latest"

[network]
network_config_dir = "$p/podman/net"
cni_plugin_dirs = ["$p/cni/bin"]
EOF
    cat >"$p/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$p/podman/root"
runroot = "$p/podman/runroot"
EOF
    : >"$p/registries.conf"
    mkdir -p "$p/bin"
    # conmon writes an "oom" file into its working directory when the container is OOM-killed:
    # run from the prefix so that it lands there, not in the caller's directory.
    cat >"$p/bin/podman" <<EOF
#!/bin/sh
cd $p/podman || exit 1
export CONTAINERS_CONF=$p/containers.conf CONTAINERS_STORAGE_CONF=$p/storage.conf
export CONTAINERS_REGISTRIES_CONF=$p/registries.conf
exec podman --root $p/podman/root --runroot $p/podman/runroot --tmpdir $p/podman/tmp \\
    --cgroup-manager cgroupfs --events-backend file "\$@"
EOF
    chmod +x "$p/bin/podman"
    # containerd: own root, state, sockets; CRI with handler "vsrun" = the runtime under test,
    # and the default handler runc. Both keep their runtime state under the prefix (Root).
    # restrict_oom_score_adj: the pause container's -998 needs CAP_SYS_RESOURCE.
    cat >"$p/containerd/config.toml" <<EOF
version = 2
root = "$p/containerd/root"
state = "$p/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]

[grpc]
  address = "$p/containerd/containerd.sock"

[ttrpc]
  address = "$p/containerd/containerd.sock.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$p/containerd/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/pause:latest"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$p/cni/bin"
    conf_dir = "$p/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        Root = "$p/containerd/runc-root"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.vsrun]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.vsrun.options]
        BinaryName = "$ENG_ENGINE_RT"
        Root = "$p/containerd/vsrun-root"
EOF
}

# PREFIX/bin/podman (written by eng_init) is podman on the prefix's store and config files, for
# script(1) and by hand too. fd 3 closed: bats waits for whoever holds its output pipe (conmon).
eng_podman() { "$ENG_PREFIX/bin/podman" "$@" 3>&-; }

# eng_rootfs DIR: a busybox-static root: /bin/busybox and one symlink per applet, the usual
# top-level dirs, passwd/group for root and nobody.
eng_rootfs() {
    local r=$1 a
    mkdir -p "$r"/{bin,dev,etc,proc,sys,tmp,run,root,var/tmp}
    chmod 1777 "$r/tmp" "$r/var/tmp"
    cp /bin/busybox "$r/bin/busybox"
    for a in $("$r/bin/busybox" --list); do
        [[ $a == busybox ]] || ln -sf busybox "$r/bin/$a"
    done
    ln -sf bin "$r/sbin"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
        >"$r/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
}

# eng_images DIR: builds once (under a lock; concurrent suites wait) busybox-rootfs.tar,
# busybox.oci.tar (localhost/busybox:latest) and pause.oci.tar (localhost/pause:latest: the
# static catatonit as /pause, entrypoint `/pause -P`, catatonit's pause mode). Offline: the
# images are made with `podman import` in a throwaway store and saved as OCI archives.
eng_images() {
    local out=$1 tmp rc=0
    mkdir -p "$out"
    (
        flock 9
        [[ -s $out/busybox.oci.tar && -s $out/pause.oci.tar ]] && exit 0
        tmp=$(mktemp -d /tmp/vs-engimg.XXXXXX)
        trap 'rm -rf "$tmp"' EXIT
        eng_rootfs "$tmp/bb"
        tar --numeric-owner -C "$tmp/bb" -cf "$out/busybox-rootfs.tar" .
        mkdir -p "$tmp/pause"
        cp /usr/bin/catatonit "$tmp/pause/pause"
        tar --numeric-owner -C "$tmp/pause" -cf "$tmp/pause.tar" .
        local ENG_PREFIX=$tmp/p
        eng_init "$tmp/p" /bin/false
        eng_podman import -q --change 'CMD ["/bin/sh"]' "$out/busybox-rootfs.tar" \
            localhost/busybox:latest >/dev/null
        eng_podman import -q --change 'ENTRYPOINT ["/pause", "-P"]' "$tmp/pause.tar" \
            localhost/pause:latest >/dev/null
        eng_podman save -q --format oci-archive -o "$tmp/busybox.oci.tar" localhost/busybox:latest
        eng_podman save -q --format oci-archive -o "$tmp/pause.oci.tar" localhost/pause:latest
        eng_podman rmi -a -f >/dev/null
        mv "$tmp/busybox.oci.tar" "$tmp/pause.oci.tar" "$out/"
    ) 9>"$out/.lock" || rc=$?
    return $rc
}

eng_podman_load() {
    eng_podman load -q -i "$1/busybox.oci.tar" >/dev/null &&
        eng_podman load -q -i "$1/pause.oci.tar" >/dev/null
}

eng_ctr() { ctr --address "$ENG_PREFIX/containerd/containerd.sock" "$@"; }

eng_containerd_start() {
    containerd --config "$ENG_PREFIX/containerd/config.toml" \
        >"$ENG_PREFIX/containerd/log" 2>&1 3>&- &
    ENG_CONTAINERD_PID=$!
    echo "$ENG_CONTAINERD_PID" >"$ENG_PREFIX/containerd/pid"
    local i
    for i in $(seq 100); do
        eng_ctr version >/dev/null 2>&1 && return 0
        kill -0 "$ENG_CONTAINERD_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "containerd did not come up; its log:" >&2
    tail -20 "$ENG_PREFIX/containerd/log" >&2
    return 1
}

# The shims containerd started: processes whose command line names our socket.
eng_shim_pids() {
    local d
    for d in /proc/[0-9]*; do
        tr '\0' ' ' 2>/dev/null <"$d/cmdline" |
            grep -q -- "-address $ENG_PREFIX/containerd/containerd.sock " && echo "${d#/proc/}"
    done
    return 0
}

eng_containerd_stop() {
    local pid shims
    [[ -s $ENG_PREFIX/containerd/pid ]] || return 0
    pid=$(cat "$ENG_PREFIX/containerd/pid")
    shims=$(eng_shim_pids)
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    for pid in $shims; do kill -9 "$pid" 2>/dev/null || true; done
    rm -f "$ENG_PREFIX/containerd/pid"
}

eng_cri() {
    "$ENG_PY" "$ENG_SRC/tests/engines/cri_client.py" \
        --socket "$ENG_PREFIX/containerd/containerd.sock" --work "$ENG_PREFIX/cri" "$@"
}

# eng_bundle DIR ARGS...: the busybox rootfs and a config.json of runc's template (`runc spec`,
# an OCI default) with process ARGS, no terminal, a writable root and rlimits within this
# machine's hard limits. The template's ambient capabilities go: they are not in its inheritable
# set, so the kernel cannot raise them (capabilities(7)), and the engines never send any.
eng_bundle() {
    local dir=$1
    shift
    mkdir -p "$dir/rootfs"
    tar -C "$dir/rootfs" -xf "$ENG_IMAGES/busybox-rootfs.tar"
    (cd "$dir" && runc spec)
    jq --args '.process.args = $ARGS.positional | .process.terminal = false
        | .root.readonly = false | del(.process.capabilities.ambient)
        | .process.rlimits = [{type: "RLIMIT_NOFILE", hard: 1024, soft: 1024}]' "$@" \
        <"$dir/config.json" >"$dir/config.json.new"
    mv "$dir/config.json.new" "$dir/config.json"
}

# eng_probe RUNTIME: 0 when RUNTIME can run a container the way the engines do it (create, start,
# delete once /bin/true has exited); otherwise prints the failing step and the runtime's own
# error on one line.
eng_probe() {
    local rt=$1 dir=$ENG_PREFIX/probe id=engprobe$$ out rc=0 step
    rm -rf "$dir"
    eng_bundle "$dir/bundle" /bin/true
    jq --arg cg "$ENG_CGROUP/probe" '.linux.cgroupsPath = $cg' <"$dir/bundle/config.json" \
        >"$dir/config.json" && mv "$dir/config.json" "$dir/bundle/config.json"
    # The container's process inherits create's stdio: never a pipe we wait on, or $(...) would
    # wait for that process, which waits for start.
    step="create --bundle BUNDLE $id"
    "$rt" --root "$dir/state" create --bundle "$dir/bundle" "$id" </dev/null >/dev/null \
        2>"$dir/create.err" || rc=$?
    out=$(cat "$dir/create.err")
    if ((rc == 0)); then
        step="start $id"
        out=$("$rt" --root "$dir/state" start "$id" 2>&1) || rc=$?
    fi
    if ((rc == 0)); then
        # delete refuses a container whose process has not exited yet.
        step="delete $id (after /bin/true exited)"
        for _ in $(seq 50); do
            rc=0
            out=$("$rt" --root "$dir/state" delete "$id" 2>&1) && break
            rc=$?
            sleep 0.1
        done
    fi
    "$rt" --root "$dir/state" delete --force "$id" >/dev/null 2>&1 || true
    rm -rf "$dir"
    ((rc == 0)) && return 0
    echo "'$rt $step' exited $rc: $(tr '\n' ' ' <<<"$out" | cut -c1-300)"
    return 1
}

# eng_trace_tail [N]: the last N (default 30) runtime calls of VS_ENGINE_TRACE=1, on stderr.
eng_trace_tail() {
    [[ -s $ENG_PREFIX/runtime.log ]] || return 0
    echo "last runtime calls (pid argv / pid exit status):" >&2
    tail -n "${1:-30}" "$ENG_PREFIX/runtime.log" >&2
}

# eng_remove_cgroups: ENG_CGROUP's tree in every hierarchy. The engines' last processes
# (conmon, shims, a container's init being reaped) leave their cgroups a moment after the
# engine returns: rmdir is retried for up to 5 s, then whatever still sits in our tree (ours:
# only the engines started here put processes there) is killed and the tree removed.
eng_remove_cgroups() {
    local h d try pid
    local -a left
    for try in $(seq 26); do
        left=()
        for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
            d=$h${ENG_CGROUP#/}
            [[ -d $d ]] || continue
            find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
            [[ -d $d ]] && left+=("$d")
        done
        ((${#left[@]})) || return 0
        if ((try == 25)); then
            for pid in $(find "${left[@]}" -name cgroup.procs -exec cat {} + 2>/dev/null |
                sort -u); do
                kill -KILL "$pid" 2>/dev/null || true
            done
        fi
        sleep 0.2
    done
    echo "eng_cleanup: cgroups left: ${left[*]}" >&2
}

eng_cleanup() {
    [[ -n ${ENG_PREFIX:-} && -d $ENG_PREFIX ]] || return 0
    if [[ -f $ENG_PREFIX/containers.conf ]] && command -v podman >/dev/null; then
        eng_podman rm -a -f -t 0 >/dev/null 2>&1 || true
        eng_podman rmi -a -f >/dev/null 2>&1 || true
    fi
    eng_containerd_stop
    eng_remove_cgroups
    local m
    { grep -F " $ENG_PREFIX" /proc/self/mountinfo || true; } | awk '{print $5}' | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$ENG_PREFIX"
}
