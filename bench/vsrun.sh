#!/usr/bin/env bash
# Bench: vsrun against crun and runc on one busybox bundle, side by side in one run:
#   run      : `RT run` of /bin/true (foreground, the runtime deletes it on exit), median of RUNS
#              rounds in which each runtime runs once in turn
#   mass N   : `create`+`start` of N containers (sleep), then `kill` + `delete` of all N, for each
#              N of COUNTS, the runtimes' containers in turn; also the cost per container of the
#              first and the last 10% created, which shows a cost that grows with the containers
#              already running
#   podman   : `podman run --rm busybox true` with --runtime vsrun against podman's default
#              runtime (runc here: Debian's default crun refuses this hybrid cgroup layout),
#              interleaved as the run of /bin/true
# crun 1.8 refuses hybrid cgroups, so it runs in a private mount namespace without
# /sys/fs/cgroup/unified (shared/reference/engines.md). Each runtime keeps its state in its own
# --root on a tmpfs (as /run is), every container's cgroup is below /vs-bench-PID/RT.
# vsrun's columns are filled when VSRUN (default: the build's vsrun) can run a container.
# Usage: [RUNS=30] [COUNTS="50 1000"] [VSRUN=path] bench/vsrun.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=../tests/engines/lib.bash
source "$SRC_DIR/tests/engines/lib.bash"
runs=${RUNS:-30}
counts=${COUNTS:-50 1000}
vsrun=${VSRUN:-$VS_BIN/vsrun}
cg=/vs-bench-$$
work=$(mktemp -d /tmp/vs-bench-vsrun.XXXXXX)
mkdir -p "$work/run"
mount -t tmpfs -o mode=0755 vs-bench-run "$work/run"

# settle: waits (at most 60 s) until the kernel has freed the network namespaces of the
# containers deleted before. It tears them down later, in a worker (cleanup_net) that holds the
# rtnl lock every new network namespace needs, so a runtime measured right after another one's
# deletes could pay for them. Settled: the slab's count of namespaces has not dropped for 1 s.
settle() {
  local prev now
  prev=$(awk '$1 == "net_namespace" {print $2}' /proc/slabinfo 2>/dev/null)
  [[ -n $prev ]] || return 0
  for _ in $(seq 60); do
    sleep 1
    now=$(awk '$1 == "net_namespace" {print $2}' /proc/slabinfo)
    ((now < prev)) || return 0
    prev=$now
  done
}

in_crun_ns() { unshare -m --propagation private bash -c 'umount /sys/fs/cgroup/unified; '"$1"; }
# rt_sh NAME CMD: runs shell CMD where runtime NAME works (crun: in its mount namespace).
rt_sh() { if [[ $1 == crun ]]; then in_crun_ns "$2"; else bash -c "$2"; fi; }
rt_bin() {
  case $1 in
    crun | runc) command -v "$1" ;;
    vsrun) echo "$vsrun" ;;
  esac
}

cleanup() {
  set +e
  local rt d
  for rt in crun runc vsrun; do
    [[ -d $work/run/$rt ]] || continue
    # Each container is a directory of the state root (an unmatched glob is no directory).
    for d in "$work/run/$rt"/*; do
      [[ -d $d ]] || continue
      rt_sh "$rt" "$(rt_bin "$rt") --root $work/run/$rt delete --force ${d##*/}" >/dev/null 2>&1 ||
        true
    done
  done
  eng_cleanup  # nothing before eng_init (no ENG_PREFIX)
  local h
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    [[ -d $h${cg#/} ]] && find "$h${cg#/}" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  umount "$work/ns/crun" "$work/ns" 2>/dev/null || true
  umount "$work/run" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== bundle: busybox-static root, runc's spec template" >&2
eng_rootfs "$work/rootfs"
(cd "$work" && runc spec)
# config.json for container NAME of runtime RT running ARGS: the shared root by absolute path,
# its own cgroup.
bundle() {  # dir rt name args...
  local dir=$1 rt=$2 name=$3
  shift 3
  mkdir -p "$dir"
  jq --arg root "$work/rootfs" --arg cg "$cg/$rt/$name" --args '
      .process.args = $ARGS.positional | .process.terminal = false
      | del(.process.capabilities.ambient)
      | .root = {path: $root, readonly: true} | .linux.cgroupsPath = $cg
      | .process.rlimits = [{type: "RLIMIT_NOFILE", hard: 1024, soft: 1024}]' "$@" \
    <"$work/config.json" >"$dir/config.json"
}

rts=(crun runc)
vs_why=""
ENG_IMAGES=$work/images
eng_images "$ENG_IMAGES"
if [[ ! -x $vsrun ]]; then
  vs_why="no vsrun at $vsrun"
else
  # eng_probe: create, start, delete as the engines do (tests/engines/lib.bash), with a prefix
  # of its own: ENG_PREFIX is eng_init's, for podman's phase (and cleanup's eng_cleanup).
  probe_vsrun() {
    local ENG_PREFIX=$work ENG_CGROUP=$cg/vsrun
    eng_probe "$vsrun"
  }
  vs_why=$(probe_vsrun) && rts+=(vsrun)
fi
[[ -z $vs_why ]] || echo "vsrun not measured: $vs_why" >&2

echo "== run /bin/true ($runs rounds, the runtimes in turn in each round)" >&2
# Interleaved, so that every runtime sees the same load on a shared machine: round i runs each
# runtime once, in an order rotated every round. crun runs in a persistent mount namespace
# without /sys/fs/cgroup/unified, entered by setns(2) in the forked child before the exec; the
# others get the same setns, into our own mount namespace.
mkdir -p "$work/ns"
mount --bind "$work/ns" "$work/ns"
mount --make-private "$work/ns"
touch "$work/ns/crun"
unshare --mount="$work/ns/crun" --propagation private \
  sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; true'
for rt in "${rts[@]}"; do bundle "$work/true-$rt" "$rt" true /bin/true; done
settle
run_rts=()
for rt in $(python3 - "$work" "$runs" "$RESULTS" "$vsrun" "${rts[@]}" <<'PY'
import ctypes, json, os, subprocess, sys, time
work, runs, res, vsrun, rts = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
libc = ctypes.CDLL(None, use_errno=True)
ns = {rt: os.open(f"{work}/ns/crun" if rt == "crun" else "/proc/self/ns/mnt", os.O_RDONLY)
      for rt in rts}
binary = {"crun": "crun", "runc": "runc", "vsrun": vsrun}
def once(rt, tag):
    cmd = [binary[rt], "--root", f"{work}/run/{rt}", "run", "--bundle", f"{work}/true-{rt}",
           f"bt-{tag}"]
    def enter():
        if libc.setns(ns[rt], 0x00020000) != 0:  # CLONE_NEWNS
            os._exit(126)
    t0 = time.monotonic_ns()
    r = subprocess.run(cmd, preexec_fn=enter, stdin=subprocess.DEVNULL)
    return r.returncode, (time.monotonic_ns() - t0) / 1e9
times = {rt: [] for rt in rts}
ok = {rt: True for rt in rts}
for i in range(-3, runs):  # three warm-up rounds
    order = rts[i % len(rts):] + rts[:i % len(rts)]
    for rt in order:
        if not ok[rt]:
            continue
        rc, t = once(rt, f"{i}")
        if rc != 0:
            print(f"{rt} run /bin/true failed (exit {rc}): not measured", file=sys.stderr)
            ok[rt] = False
        elif i >= 0:
            times[rt].append(t)
for rt in rts:
    if ok[rt]:
        json.dump({"results": [{"command": rt, "times": times[rt]}]},
                  open(f"{res}/vsrun-run-{rt}.json", "w"))
        print(rt)
PY
); do run_rts+=("$rt"); done

# mass N RT...: for each RT a line "RT create_start_ms kill_delete_ms first middle last", the
# last three the create+start cost per container (us) of the first tenth created, of the tenth
# created once half of them run, and of the last tenth: a cost that grows with the containers
# already running. Interleaved as the run of /bin/true: container i of every runtime is created
# and started in turn (order rotated with i), then each is killed, then each deleted, so all
# see the same load and the same number of containers running (N of each runtime); each phase
# is the sum of that runtime's own commands.
cat >"$work/mass.py" <<'PY'
import ctypes, os, subprocess, sys, time
work, n, tag, vsrun, rts = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
libc = ctypes.CDLL(None, use_errno=True)
ns = {rt: os.open(f"{work}/ns/crun" if rt == "crun" else "/proc/self/ns/mnt", os.O_RDONLY)
      for rt in rts}
binary = {"crun": "crun", "runc": "runc", "vsrun": vsrun}
def rt_run(rt, *args, check=True):
    def enter():
        if libc.setns(ns[rt], 0x00020000) != 0:  # CLONE_NEWNS
            os._exit(126)
    t0 = time.monotonic_ns()
    r = subprocess.run([binary[rt], "--root", f"{work}/run/{rt}", *args], preexec_fn=enter,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=None if check else subprocess.DEVNULL)
    if check and r.returncode != 0:
        sys.exit(f"{rt} {' '.join(args)}: exit {r.returncode}")
    return r.returncode, time.monotonic_ns() - t0
def order(i):
    return rts[i % len(rts):] + rts[:i % len(rts)]
cs = {rt: [] for rt in rts}
kd = {rt: 0 for rt in rts}
for i in range(1, n + 1):
    for rt in order(i):
        _, a = rt_run(rt, "create", "--bundle", f"{work}/mass-{rt}/{i}", f"{tag}-{i}")
        _, b = rt_run(rt, "start", f"{tag}-{i}")
        cs[rt].append(a + b)
for i in range(1, n + 1):
    for rt in order(i):
        kd[rt] += rt_run(rt, "kill", f"{tag}-{i}", "KILL")[1]
for i in range(1, n + 1):
    for rt in order(i):
        # delete refuses a container whose init has not died yet: retry briefly.
        for _ in range(200):
            rc, t = rt_run(rt, "delete", f"{tag}-{i}", check=False)
            kd[rt] += t
            if rc == 0:
                break
            t0 = time.monotonic_ns()
            time.sleep(0.01)
            kd[rt] += time.monotonic_ns() - t0
tenth, mid = max(n // 10, 1), n // 2
for rt in rts:
    c = cs[rt]
    us = lambda a, b: sum(c[a:b]) // 1000 // tenth
    print(rt, sum(c) // 1000000, kd[rt] // 1000000, us(0, tenth), us(mid, mid + tenth),
          us(n - tenth, n))
PY

declare -A mass
for n in $counts; do
  echo "== create+start, then kill+delete, of $n containers (the runtimes in turn)" >&2
  for rt in "${rts[@]}"; do
    python3 - "$work/config.json" "$work/mass-$rt" "$work/rootfs" "$cg/$rt" "$n" <<'PY'
import json, os, sys
tmpl, out, root, cg, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
c = json.load(open(tmpl))
c["process"]["args"] = ["/bin/sleep", "1000000"]
c["process"]["terminal"] = False
c["process"]["capabilities"].pop("ambient", None)
c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]
c["root"] = {"path": root, "readonly": True}
for i in range(1, n + 1):
    os.makedirs(f"{out}/{i}", exist_ok=True)
    c["linux"]["cgroupsPath"] = f"{cg}/m{i}"
    json.dump(c, open(f"{out}/{i}/config.json", "w"))
PY
  done
  settle
  while read -r rt line; do
    mass[$rt.$n]=$line
    echo "$rt $n: $line" >&2
  done < <(python3 "$work/mass.py" "$work" "$n" "m$$" "$vsrun" "${rts[@]}")
  for rt in "${rts[@]}"; do rm -rf "$work/mass-$rt"; done
done

echo "== podman run --rm busybox true ($runs rounds, the runtimes in turn)" >&2
eng_init "$work/podman" "$vsrun"
eng_podman_load "$ENG_IMAGES"
with_vsrun=0
[[ " ${rts[*]} " == *" vsrun "* ]] && with_vsrun=1
# Interleaved as the run of /bin/true: podman's default runtime and vsrun in turn, each round.
python3 - "$RESULTS" "$runs" "$vsrun" "$ENG_PREFIX/bin/podman" "$cg/podman" "$with_vsrun" <<'PY'
import json, subprocess, sys, time
res, runs, vsrun, podman, parent, with_vsrun = sys.argv[1:7]
runs = int(runs)
image = ["--rm", "--cgroup-parent", parent, "localhost/busybox:latest", "true"]
cmds = {"podman-runc": [podman, "run"] + image}
if with_vsrun == "1":
    cmds["podman-vsrun"] = [podman, "run", "--runtime", vsrun] + image
names = list(cmds)
times = {n: [] for n in names}
for i in range(-3, runs):  # three warm-up rounds
    for n in names[i % len(names):] + names[:i % len(names)]:
        t0 = time.monotonic_ns()
        subprocess.run(cmds[n], check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        if i >= 0:
            times[n].append((time.monotonic_ns() - t0) / 1e9)
json.dump({"results": [{"command": n, "times": times[n]} for n in names]},
          open(f"{res}/vsrun-podman.json", "w"))
PY

# Report: medians in ms and ratios within this run.
python3 - "$RESULTS" "$counts" "${run_rts[*]}" "$vs_why" <<'PY' | tee "$RESULTS/vsrun.tsv"
import json, statistics, sys
res, counts, rts, why = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4]
def med(path, name=None):
    for r in json.load(open(path))["results"]:
        if name is None or r["command"] == name:
            return statistics.median(r["times"]) * 1000
run = {rt: med(f"{res}/vsrun-run-{rt}.json") for rt in rts}
print("run /bin/true, median ms:\t" + "\t".join(f"{rt} {run[rt]:.2f}" for rt in rts))
if "vsrun" in run and "crun" in run and "runc" in run:
    print(f"  vsrun/crun {run['vsrun'] / run['crun']:.2f}\tvsrun/runc "
          f"{run['vsrun'] / run['runc']:.2f}")
pod = {r["command"]: statistics.median(r["times"]) * 1000
       for r in json.load(open(f"{res}/vsrun-podman.json"))["results"]}
print("podman run --rm true, median ms:\t" + "\t".join(f"{k} {v:.2f}" for k, v in pod.items()))
if "podman-vsrun" in pod:
    print(f"  vsrun/default(runc) {pod['podman-vsrun'] / pod['podman-runc']:.2f}")
if why:
    print(f"vsrun not measured: {why}")
PY
for n in $counts; do
  printf 'mass %s: create+start ms, kill+delete ms; us/ctr of the first, middle, last 10%%\n' "$n"
  for rt in "${rts[@]}"; do printf '  %s\t%s\n' "$rt" "${mass[$rt.$n]// /	}"; done
  if [[ -n ${mass[vsrun.$n]:-} ]]; then
    read -r vc vk _ _ _ <<<"${mass[vsrun.$n]}"
    read -r cc ck _ _ _ <<<"${mass[crun.$n]}"
    python3 -c "print(f'  vsrun/crun create+start {$vc/$cc:.2f}  kill+delete {$vk/$ck:.2f}')"
  fi
done | tee -a "$RESULTS/vsrun.tsv"
