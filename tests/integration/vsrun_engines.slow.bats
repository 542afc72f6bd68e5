#!/usr/bin/env bats
# Real engines drive the OCI runtime under test: podman (+ conmon) with --runtime, containerd's
# `ctr run --runc-binary`, and containerd's CRI (the API the kubelet uses) with a runtime handler
# whose BinaryName is the runtime. The runtime is VS_ENGINE_RUNTIME (default: the build's vsrun);
# VS_ENGINE_RUNTIME=/usr/sbin/runc checks the harness itself. While the build has no vsrun or it
# cannot run a container yet, every test skips and says why. Slow: scripts/engines-setup.sh
# installs the engines with apt. Each engine runs under this file's temporary prefix
# (tests/engines/lib.bash); the busybox and pause images are built offline once per build dir.
# VS_ENGINE_TRACE=1 logs every runtime call the engines make; a failed test shows the last ones.

bats_require_minimum_version 1.5.0
load ../engines/lib

setup_file() {
    [[ $EUID -eq 0 ]] || skip "needs root"
    bash "$VS_SOURCE_DIR/scripts/engines-setup.sh" >&2
    export ENG_RUNTIME=${VS_ENGINE_RUNTIME:-$VS_BIN/vsrun}
    export ENG_IMAGES=$VS_BUILD_DIR/fixtures/engines
    eng_images "$ENG_IMAGES"
    export ENG_PREFIX ENG_CGROUP ENG_ENGINE_RT
    ENG_PREFIX=$(mktemp -d /tmp/vs-engines.XXXXXX)
    eng_init "$ENG_PREFIX" "$ENG_RUNTIME"
    export ENG_SKIP=
    if [[ ! -x $ENG_RUNTIME ]]; then
        ENG_SKIP="no runtime at $ENG_RUNTIME (this build has no vsrun yet)"
        return 0
    fi
    local why
    if ! why=$(eng_probe "$ENG_RUNTIME"); then
        ENG_SKIP="the runtime cannot run a container yet: $why"
        return 0
    fi
    eng_podman_load "$ENG_IMAGES"
    eng_containerd_start
    eng_ctr images import "$ENG_IMAGES/busybox.oci.tar" >/dev/null
    eng_ctr -n k8s.io images import "$ENG_IMAGES/busybox.oci.tar" >/dev/null
    eng_ctr -n k8s.io images import "$ENG_IMAGES/pause.oci.tar" >/dev/null
}

teardown_file() { eng_cleanup; }

setup() { [[ -z $ENG_SKIP ]] || skip "$ENG_SKIP"; }

teardown() {
    [[ -n $ENG_SKIP ]] && return 0
    [[ -n ${BATS_TEST_COMPLETED:-} ]] || eng_trace_tail
    eng_podman rm -a -f -t 0 >/dev/null 2>&1 || true
}

BB=localhost/busybox:latest

# P ARGS...: podman of this file's prefix, the runtime under test chosen per container.
P() { eng_podman "$@"; }
prun() { eng_podman run --runtime "$ENG_ENGINE_RT" --cgroup-parent "$ENG_CGROUP" "$@"; }

# Status of podman container $1 as the runtime reports it (podman passes no --root: the
# runtime's default state dir).
rt_status() { "$ENG_RUNTIME" state "$(P inspect -f '{{.Id}}' "$1")" | jq -r .status; }

# Waits (bounded) until podman container $1's log holds line $2.
wait_log() {
    for _ in $(seq 50); do
        P logs "$1" 2>/dev/null | grep -qx -- "$2" && return 0
        sleep 0.1
    done
    echo "no line '$2' in the log of $1:" >&2
    P logs "$1" >&2
    return 1
}

# The counter a container of count_loop writes to /tmp/n, read through its root from the host.
count_loop='i=0; while :; do i=$((i + 1)); echo $i >/tmp/n; sleep 0.05; done'
counter() { cat "/proc/$(P inspect -f '{{.State.Pid}}' "$1")/root/tmp/n" 2>/dev/null || true; }

@test "podman run --rm: the output and the exit code come back, nothing is left" {
    run -7 prun --rm $BB sh -c 'echo out-$((6 * 7)); exit 7'
    [[ $output == out-42 ]]
    [[ -z $(P ps -a -q) ]]
}

@test "podman run -d, then exec: output, exit code, the container's own pid namespace" {
    prun -d --name d1 $BB sleep 1000
    [[ $(P inspect -f '{{.State.Status}}' d1) == running ]]
    [[ $(rt_status d1) == running ]]
    run -3 P exec d1 sh -c 'echo in-$$; exit 3'
    [[ $output == in-* && $output != in-1 ]]
    [[ $(P exec d1 sh -c 'tr "\0" " " </proc/1/cmdline') == "sleep 1000 " ]]
}

@test "podman exec -t: the process gets a terminal (script(1) supplies ours)" {
    prun -d --name t1 $BB sleep 1000
    run -0 script -qec "$ENG_PREFIX/bin/podman exec -t t1 sh -c 'tty; stty size'" /dev/null
    [[ $output == *"/dev/pts/"* ]]
    run -1 P exec t1 tty
    [[ $output == "not a tty" ]]
}

@test "podman stop: SIGTERM through the runtime, the container's handler exits 0" {
    prun -d --name s1 $BB sh -c 'trap "echo got-term; exit 0" TERM; echo ready
        while :; do sleep 0.1; done'
    wait_log s1 ready
    P stop -t 20 s1 >/dev/null
    [[ $(P inspect -f '{{.State.Status}} {{.State.ExitCode}}' s1) == "exited 0" ]]
    run -0 P logs s1
    [[ $output == *got-term* ]]
}

@test "podman kill: a named signal reaches the handler, then SIGKILL ends it (137)" {
    prun -d --name k1 $BB sh -c 'trap "echo got-usr1" USR1; echo ready
        while :; do sleep 0.1; done'
    wait_log k1 ready
    P kill -s USR1 k1 >/dev/null
    wait_log k1 got-usr1
    [[ $(P inspect -f '{{.State.Status}}' k1) == running ]]
    P kill k1 >/dev/null
    P wait k1 >/dev/null
    [[ $(P inspect -f '{{.State.Status}} {{.State.ExitCode}}' k1) == "exited 137" ]]
}

@test "podman pause / unpause: the container's processes stop and go on again" {
    # Any freezer will do (v1 freezer.state or v2 cgroup.freeze on this hybrid layout): the test
    # checks that the container's loop stops counting, then counts again.
    prun -d --name p1 $BB sh -c "$count_loop"
    local a b
    for _ in $(seq 50); do [[ -n $(counter p1) ]] && break; sleep 0.1; done
    P pause p1 >/dev/null
    [[ $(P inspect -f '{{.State.Status}}' p1) == paused ]]
    [[ $(rt_status p1) == paused ]]
    a=$(counter p1)
    sleep 0.5
    b=$(counter p1)
    [[ -n $a && $a == "$b" ]]
    P unpause p1 >/dev/null
    [[ $(P inspect -f '{{.State.Status}}' p1) == running ]]
    for _ in $(seq 50); do [[ $(counter p1) != "$b" ]] && break; sleep 0.1; done
    [[ $(counter p1) != "$b" ]]
    run -0 P exec p1 echo alive
    [[ $output == alive ]]
}

@test "podman stats: memory and pids of the container's cgroup" {
    prun -d --name st1 $BB sh -c 'sleep 1000 & sleep 1000'
    run -0 P stats --no-stream --format '{{.PIDs}} {{.MemUsage}}' st1
    read -r pids mem _ <<<"$output"
    [[ $pids -ge 2 ]]
    [[ $mem =~ ^[0-9.]+[kMG]?B$ && $mem != 0B ]]
}

@test "podman rm -f: a running container is killed and deleted, in podman and the runtime" {
    prun -d --name r1 $BB sleep 1000
    local id pid
    id=$(P inspect -f '{{.Id}}' r1)
    pid=$(P inspect -f '{{.State.Pid}}' r1)
    kill -0 "$pid"
    P rm -f -t 0 r1 >/dev/null
    [[ -z $(P ps -a -q) ]]
    run ! kill -0 "$pid"
    run ! "$ENG_RUNTIME" state "$id"
}

@test "podman --memory: the limit is the container's, and outgrowing it is a SIGKILL (137)" {
    run -0 prun --rm --memory 32m --memory-swap 32m $BB sh -c \
        'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null ||
        cat /sys/fs/cgroup/memory.max'
    [[ $output == 33554432 ]]
    # tail buffers its input up to a newline, which /dev/zero never sends.
    run -137 prun --rm --memory 32m --memory-swap 32m $BB tail /dev/zero
}

@test "podman --pids-limit: forks past the limit fail inside the container" {
    run prun --rm --pids-limit 8 $BB sh -c \
        'n=0; for i in $(seq 20); do sleep 30 & n=$((n + 1)); done; echo started $n'
    [[ $output == *"can't fork"* ]]
    run -0 prun --rm --pids-limit 8 $BB sh -c 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null ||
        cat /sys/fs/cgroup/pids.max'
    [[ $output == 8 ]]
}

@test "podman --tmpfs (tmpcopyup) and a volume with :rshared reach the container as asked" {
    mkdir -p "$ENG_PREFIX/vol"
    echo hello >"$ENG_PREFIX/vol/file"
    # podman's --tmpfs asks for tmpcopyup by default: the image's /etc is still there.
    run -0 prun --rm --tmpfs /etc -v "$ENG_PREFIX/vol:/mnt/v:rshared" $BB sh -c \
        'cat /mnt/v/file; grep -c "^root:" /etc/passwd; grep " /etc " /proc/self/mountinfo
        grep " /mnt/v " /proc/self/mountinfo'
    [[ ${lines[0]} == hello && ${lines[1]} == 1 ]]
    [[ ${lines[2]} == *" - tmpfs "* ]]
    [[ ${lines[3]} == *shared:* ]]
}

@test "ctr run --runc-binary: output and exit code, state in the runtime's --runc-root" {
    run -5 eng_ctr run --rm --runc-binary "$ENG_ENGINE_RT" --runc-root "$ENG_PREFIX/ctr-root" \
        --cgroup "$ENG_CGROUP/ctr1" --net-host $BB ctr1 sh -c 'echo hello-ctr; exit 5'
    [[ $output == hello-ctr ]]
    [[ -z $(eng_ctr containers ls -q) ]]
}

@test "ctr run -d --runc-binary: task exec, pause/resume, kill, delete" {
    local root=$ENG_PREFIX/ctr-root
    eng_ctr run -d --runc-binary "$ENG_ENGINE_RT" --runc-root "$root" \
        --cgroup "$ENG_CGROUP/ctr2" --net-host $BB ctr2 \
        sleep 1000 >/dev/null
    [[ $("$ENG_RUNTIME" --root "$root/default" state ctr2 | jq -r .status) == running ]]
    run -4 eng_ctr task exec --exec-id e1 ctr2 sh -c 'echo exec-ok; exit 4'
    [[ $output == exec-ok ]]
    eng_ctr task pause ctr2
    [[ $(eng_ctr task ls | awk '$1 == "ctr2" {print $3}') == PAUSED ]]
    eng_ctr task resume ctr2
    [[ $(eng_ctr task ls | awk '$1 == "ctr2" {print $3}') == RUNNING ]]
    eng_ctr task kill -s SIGKILL ctr2
    for _ in $(seq 50); do
        [[ $(eng_ctr task ls | awk '$1 == "ctr2" {print $3}') == STOPPED ]] && break
        sleep 0.1
    done
    eng_ctr task delete ctr2
    eng_ctr containers delete ctr2
    run ! "$ENG_RUNTIME" --root "$root/default" state ctr2
}

# The CRI sequence a kubelet issues for a one-container pod, with RuntimeClass handler "vsrun"
# (containerd's runtimes.vsrun: BinaryName = the runtime under test, Root = RROOT). No CNI here,
# so the pod uses the node's network (NODE), as hostNetwork pods do.
@test "CRI: pod sandbox + container with handler vsrun: run, exec, stop, remove" {
    local rroot=$ENG_PREFIX/containerd/vsrun-root/k8s.io
    local ns='"namespace_options": {"network": "NODE", "pid": "CONTAINER", "ipc": "POD"}'
    local sbcfg="{\"metadata\": {\"name\": \"vstest\", \"uid\": \"u-$$\", \"namespace\": \"vs\"},
        \"log_directory\": \"$ENG_PREFIX/pods/vstest\",
        \"linux\": {\"cgroup_parent\": \"$ENG_CGROUP/pod-vstest\",
                   \"security_context\": {$ns}}}"
    run -0 eng_cri RunPodSandbox "{\"config\": $sbcfg, \"runtime_handler\": \"vsrun\"}"
    local sb
    sb=$(jq -r .pod_sandbox_id <<<"$output")
    run -0 eng_cri PodSandboxStatus "{\"pod_sandbox_id\": \"$sb\"}"
    [[ $(jq -r '.status.state + " " + .status.runtime_handler' <<<"$output") == \
        "SANDBOX_READY vsrun" ]]
    [[ $("$ENG_RUNTIME" --root "$rroot" state "$sb" | jq -r .status) == running ]]

    run -0 eng_cri CreateContainer "{\"pod_sandbox_id\": \"$sb\", \"sandbox_config\": $sbcfg,
        \"config\": {\"metadata\": {\"name\": \"c1\"}, \"image\": {\"image\": \"$BB\"},
        \"command\": [\"sh\", \"-c\",
            \"trap 'exit 0' TERM; echo started; while :; do sleep 0.1; done\"],
        \"log_path\": \"c1.log\", \"linux\": {\"security_context\": {$ns}}}}"
    local c
    c=$(jq -r .container_id <<<"$output")
    eng_cri StartContainer "{\"container_id\": \"$c\"}" >/dev/null
    run -0 eng_cri ContainerStatus "{\"container_id\": \"$c\"}"
    [[ $(jq -r .status.state <<<"$output") == CONTAINER_RUNNING ]]
    [[ $("$ENG_RUNTIME" --root "$rroot" state "$c" | jq -r .status) == running ]]

    run -0 eng_cri ExecSync "{\"container_id\": \"$c\", \"timeout\": 20,
        \"cmd\": [\"sh\", \"-c\", \"echo out; echo err >&2; exit 3\"]}"
    [[ $(jq -r '(.stdout | @base64d) + (.stderr | @base64d) + (.exit_code | tostring)' \
        <<<"$output") == $'out\nerr\n3' ]]

    eng_cri StopContainer "{\"container_id\": \"$c\", \"timeout\": 20}" >/dev/null
    run -0 eng_cri ContainerStatus "{\"container_id\": \"$c\"}"
    [[ $(jq -r '.status.state + " " + (.status.exit_code | tostring)' <<<"$output") == \
        "CONTAINER_EXITED 0" ]]
    grep -q started "$ENG_PREFIX/pods/vstest/c1.log"
    eng_cri RemoveContainer "{\"container_id\": \"$c\"}" >/dev/null
    run ! "$ENG_RUNTIME" --root "$rroot" state "$c"

    eng_cri StopPodSandbox "{\"pod_sandbox_id\": \"$sb\"}" >/dev/null
    run -0 eng_cri PodSandboxStatus "{\"pod_sandbox_id\": \"$sb\"}"
    [[ $(jq -r .status.state <<<"$output") == SANDBOX_NOTREADY ]]
    eng_cri RemovePodSandbox "{\"pod_sandbox_id\": \"$sb\"}" >/dev/null
    run ! "$ENG_RUNTIME" --root "$rroot" state "$sb"
    run ! eng_cri PodSandboxStatus "{\"pod_sandbox_id\": \"$sb\"}"
}
