#!/usr/bin/env bash
# Runs the test suites, or one command, inside qemu VMs booted with Debian's own kernel and cgroup
# v2 only, and exits with their status. Default: tests/vm/smoke.sh and every test labelled
# vmgate in the build dir (never the vm test itself, nor slow ones outside the gate: the VMs
# have no network for debootstrap; a slow gate suite's fixture is built by the host first),
# shared out over --jobs VMs (tests/vm/queue.sh). With a COMMAND: one VM runs it in the build
# dir, as root.
# Each VM sees the host's / read-only (9p) under an overlay on a scratch disk, so it runs the
# host's binaries and the build at their usual paths and nothing it writes reaches the host.
# See docs/testing.md.
#
# Usage: tests/vm/run.sh [--build DIR] [--jobs N] [--timeout SECS] [--mem MB] [--smp N]
#                        [--disk SIZE] [--accel auto|kvm|tcg] [--cgroup systemd|flat]
#                        [--tests REGEX] [-- COMMAND ARGS...]
#        --tests keeps only the ctest tests whose name matches REGEX (ctest -R).
# Env:   VS_VM_JOBS, VS_VM_TIMEOUT, VS_VM_MEM, VS_VM_SMP, VS_VM_DISK, VS_VM_ACCEL, VS_VM_CGROUP,
#        VS_VM_TESTS (as the options), VS_VM_CACHE (kernel cache; default BUILD/vm),
#        VS_VM_KERNEL_PKG (see scripts/vm-kernel.sh), VS_VM_APPEND (more kernel command line),
#        VS_VM_TCG_CPU (default max).
# Exit:  the command's (or the suites') status; 77 (ctest: skipped) when not root, or qemu or the
#        kernel cannot be had; 124 on timeout; 125 when a VM died before reporting a status.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)

build=$src/build
# Two VMs by default: under TCG one test keeps about one host core busy, and separate kernels
# keep the tests of one VM from seeing the other's interfaces, cgroups and mounts.
jobs=${VS_VM_JOBS:-$(($(nproc) >= 2 ? 2 : 1))}
timeout=${VS_VM_TIMEOUT:-1800}
mem=${VS_VM_MEM:-2048}
smp=${VS_VM_SMP:-2}
disk=${VS_VM_DISK:-16G}
accel=${VS_VM_ACCEL:-auto}
cgroup=${VS_VM_CGROUP:-systemd}
tests_re=${VS_VM_TESTS:-}
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --disk) disk=$2; shift 2 ;;
    --accel) accel=$2; shift 2 ;;
    --cgroup) cgroup=$2; shift 2 ;;
    --tests) tests_re=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "vm: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
build=$(cd "$build" && pwd)
cmd=("$@")
((${#cmd[@]})) && jobs=1
[[ $jobs =~ ^[1-9][0-9]*$ ]] ||
  { echo "vm: --jobs must be a positive number, not '$jobs'" >&2; exit 2; }
cache=${VS_VM_CACHE:-$build/vm}

log() { echo "vm: $*" >&2; }
skip() { log "SKIP: $*"; exit 77; }

# 9p passthrough must read every file of / and set owners in the share: root only.
((EUID == 0)) || skip "needs root"
qemu=$(command -v qemu-system-x86_64) || skip "qemu-system-x86_64 not installed (qemu-system-x86)"
busybox=/bin/busybox
# The initramfs needs a static busybox: the VM has no libc until it reaches the host's root.
[[ -x $busybox ]] && ! ldd "$busybox" >/dev/null 2>&1 ||
  skip "no static /bin/busybox (busybox-static)"
[[ $(uname -m) == x86_64 ]] || skip "the VM harness boots x86_64 kernels only"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }
t0=$(now)
kdir=$(bash "$src/scripts/vm-kernel.sh" "$cache") || {
  rc=$?
  ((rc == 77)) && skip "cannot fetch Debian's kernel package"
  exit "$rc"
}
kver=$(cat "$kdir/kver")

# One directory per run, shared read-write with every VM of the run as /run/vm.
mkdir -p "$cache"
share=$(mktemp -d "$cache/run.XXXXXX")
if ((${#cmd[@]})); then
  {
    echo "cd $(printf '%q' "$build") || exit 125"
    printf '%q ' "${cmd[@]}"
    echo
  } >"$share/command"
else
  # The queue: the smoke check (is this the VM the suites expect?) first, then the tests: those
  # without a time from an earlier run in ctest's order, then the others longest first.
  mkdir "$share/claims"
  # Without --tests, the gate: the suites labelled vmgate (tests/CMakeLists.txt says which and
  # why; a slow one among them, integration.systemd_cgroup, gets its fixture from the host:
  # the vm test requires it). With it, any unit, priv or integration test the regex names that
  # is not slow, and the gate's suites it names.
  # -FA: fixture setup tests (built on the host) are not queued.
  list() { ctest --test-dir "$build" -N -FA '.*' "$@" | sed -n 's/^ *Test *#[0-9]*: //p'; }
  {
    [[ -n $tests_re ]] && list -L '^(unit|priv|integration)$' -LE '^(vm|slow)$' -R "$tests_re"
    list -L '^vmgate$' -LE '^vm$' ${tests_re:+-R "$tests_re"}
  } | awk '!seen[$0]++' >"$share/all-tests"
  # Without times of an earlier run here (a fresh CI clone), the ones measured on the
  # development machine (tests/vm/costs), so the longest test still starts first.
  costs=$cache/costs
  [[ -f $costs ]] || costs=$src/tests/vm/costs
  [[ -f $costs ]] || costs=/dev/null
  {
    echo @smoke
    awk 'FILENAME == ARGV[1] {cost[$1] = $2; next}
         {print (($1 in cost) ? cost[$1] : 1e9), FNR, $1}' \
      "$costs" "$share/all-tests" | sort -k1,1nr -k2,2n | awk '{print $3}'
  } >"$share/tests"
  echo "cd $(printf '%q' "$build") || exit 125" >"$share/command"
  echo "exec bash $(printf '%q' "$src/tests/vm/queue.sh")" >>"$share/command"
  ntests=$(($(wc -l <"$share/tests") - 1))
  ((jobs > ntests + 1)) && jobs=$((ntests + 1))
fi

# The initramfs: static busybox, the two init stages, the trimmed module tree. Uncompressed: it
# is small, and decompressing under TCG would cost more than reading it.
ird=$share/initramfs
mkdir -p "$ird"/{bin,proc,sys,dev,etc,lib/modules}
cp "$busybox" "$ird/bin/busybox"
cp "$src/tests/vm/init" "$ird/init"
cp "$src/tests/vm/stage2.sh" "$ird/stage2.sh"
chmod 755 "$ird/init" "$ird/stage2.sh"
cp "$kdir/load-order" "$ird/etc/vm-modules"
cp -a "$kdir/lib/modules/$kver" "$ird/lib/modules/"
(cd "$ird" && find . -mindepth 1 | "$busybox" cpio -H newc -o 2>/dev/null) >"$share/initramfs.cpio"
rm -rf "$ird"

# no_timer_check: on a loaded host, TCG can be too slow for the kernel's IO-APIC timer check,
# which then panics at boot ("IO-APIC + timer doesn't work").
# mitigations=off: a throwaway VM; under TCG it halves the cost of a syscall.
append="console=ttyS0 quiet panic=-1 no_timer_check mitigations=off cgroup_no_v1=all"
append+=" systemd.unified_cgroup_hierarchy=1 VS_CGROUP=$cgroup ${VS_VM_APPEND:-}"
# The VM gets a fresh /tmp: the source and build trees, if they live there (a CI clone may), are
# bound back in by the init.
append+=" VS_KEEP_DIRS=$src:$build"

case $accel in
  auto) accels=(); [[ -r /dev/kvm && -w /dev/kvm ]] && accels+=(kvm); accels+=(tcg) ;;
  kvm|tcg) accels=("$accel") ;;
  *) echo "vm: --accel must be auto, kvm or tcg, not '$accel'" >&2; exit 2 ;;
esac

declare -A qpid=()
# start_vm W ACCEL: boots VM number W in the background; its console goes to console.W.log and,
# prefixed with [vmW] when there are several, to our stdout.
start_vm() {
  local w=$1 a=$2 aargs
  case $a in
    kvm) aargs=(-accel kvm -cpu host) ;;
    tcg) aargs=(-accel tcg,thread=multi -cpu "${VS_VM_TCG_CPU:-max}") ;;
  esac
  rm -f "$share/booted.$w" "$share/status.$w" "$share/init-error.$w" "$share/disk.$w.img"
  # The scratch disk: a sparse ext4 image holding the root overlay's upper layer and /tmp, as a
  # Debian host keeps /tmp on disk. tmpfs would eat the VM's RAM, and 6.1's tmpfs has no user.*
  # xattrs (tests set them). Deleted after the run; discard keeps the host file sparse.
  truncate -s "$disk" "$share/disk.$w.img"
  mkfs.ext4 -q -F -L vmscratch -E lazy_itable_init=1,lazy_journal_init=1 "$share/disk.$w.img" ||
    { log "mkfs.ext4 of the scratch disk failed"; return 1; }
  local prefix="" hostroot=local,path=/,mount_tag=hostroot,security_model=passthrough
  hostroot+=,readonly=on,multidevs=remap,id=hostroot
  ((jobs > 1)) && prefix="[vm$w] "
  "$qemu" "${aargs[@]}" -nodefaults -display none -monitor none -serial stdio -no-reboot \
    -m "$mem" -smp "$smp" -nic none \
    -kernel "$kdir/vmlinuz" -initrd "$share/initramfs.cpio" -append "$append VS_VM_WORKER=$w" \
    -virtfs "$hostroot" \
    -virtfs "local,path=$share,mount_tag=results,security_model=passthrough,id=results" \
    -drive "file=$share/disk.$w.img,if=virtio,format=raw,cache=unsafe,discard=unmap" \
    </dev/null > >(tee "$share/console.$w.log" | sed -u "s/^/$prefix/") 2>&1 &
  qpid[$w]=$!
}
alive() { [[ -n ${qpid[$1]:-} ]] && kill -0 "${qpid[$1]}" 2>/dev/null; }
kill_vm() {
  # Only a qemu this script started, by its pid.
  local w=$1 p=${qpid[$1]:-}
  [[ -n $p ]] || return 0
  if kill -0 "$p" 2>/dev/null; then
    kill "$p" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$p" 2>/dev/null || true
  fi
  wait "$p" 2>/dev/null || true
  unset "qpid[$w]"
}
kill_all() { local w; for w in "${!qpid[@]}"; do kill_vm "$w"; done; }
trap kill_all EXIT
trap 'kill_all; exit 130' INT TERM

ulimit -c 0 # a failing KVM attempt aborts; no core file for it.
# Pick the accelerator with VM 0: init writes booted.0 once the kernel runs and the 9p shares
# work. A KVM that aborts or hangs is given up (after 60 s) and the next accelerator tried; the
# last one gets the whole timeout (TCG on a loaded 2-core host has needed minutes to boot).
tb=$(now)
used=
for a in "${accels[@]}"; do
  limit=60
  [[ $a == "${accels[-1]}" ]] && limit=$timeout
  log "booting $kver with $a (${mem} MiB, $smp cpus), timeout ${timeout}s"
  ta=$(now)
  start_vm 0 "$a" || exit 125
  while [[ ! -e $share/booted.0 ]] && alive 0; do
    if (($(date +%s) - ${ta%.*} >= limit)); then
      log "$a: no boot after ${limit}s"
      ((limit == timeout)) && { kill_all; log "timeout"; exit 124; }
      break
    fi
    sleep 0.1
  done
  if [[ -e $share/booted.0 ]]; then
    used=$a
    break
  fi
  kill_vm 0
  log "$a failed to boot"
done
[[ -n $used ]] || { log "the VM did not boot"; exit 125; }
booted=$(elapsed "$ta")
if ((${#cmd[@]})); then
  log "booted with $used in ${booted}s; running: ${cmd[*]}"
else
  log "booted with $used in ${booted}s; $jobs VM(s) share $ntests tests + the smoke check"
fi
for ((w = 1; w < jobs; w++)); do start_vm "$w" "$used" || exit 125; done

trun=$(now)
timed_out=
while :; do
  any=
  for w in "${!qpid[@]}"; do alive "$w" && any=1; done
  [[ -n $any ]] || break
  if (($(date +%s) - ${tb%.*} >= timeout)); then
    timed_out=1
    log "timeout after ${timeout}s: killing the VMs (pids ${qpid[*]})"
    break
  fi
  sleep 0.2
done
kill_all
run=$(elapsed "$trun")

rc=0
for ((w = 0; w < jobs; w++)); do
  [[ -f $share/init-error.$w ]] && log "vm$w: $(cat "$share/init-error.$w")"
  if [[ -s $share/status.$w ]]; then
    s=$(cat "$share/status.$w")
  elif [[ -n $timed_out ]]; then
    s=124
  else
    log "vm$w stopped without reporting a status (see $share/console.$w.log)"
    s=125
  fi
  ((s != 0 && rc == 0)) && rc=$s
done

if [[ -f $share/tests ]]; then
  # One line per test (ctest's result lines from every VM), and what never ran.
  echo "vm: results"
  grep -h -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: ' "$share"/output.*.log 2>/dev/null |
    sed -E 's/^ *[0-9]+\/[0-9]+ /  /' || true
  grep -h '^smoke: [0-9]* failure' "$share"/output.*.log 2>/dev/null | sed 's/^/  /' || true
  missing=$(grep -v -x -F -f <(ls "$share/claims" 2>/dev/null) "$share/tests" || true)
  [[ -n $missing ]] && { echo "  never started: $(echo $missing)"; ((rc == 0)) && rc=1; }
  # Times in the VM, for the next run's longest-first order.
  if [[ -s $share/times ]]; then
    costs=$cache/costs
    [[ -f $costs ]] || costs=$src/tests/vm/costs
    [[ -f $costs ]] || costs=/dev/null
    awk '{c[$1] = $2} END {for (t in c) print t, c[t]}' "$costs" "$share/times" >"$cache/costs.new"
    mv "$cache/costs.new" "$cache/costs"
  fi
fi
[[ -n $timed_out ]] && rc=124
log "status $rc; boot ${booted}s, run+poweroff ${run}s, total $(elapsed "$t0")s" \
  "($used, $jobs VM(s)); logs in $share"

# Keep the last few runs' logs, drop older ones.
rm -f "$share/initramfs.cpio" "$share"/disk.*.img
ls -1dt "$cache"/run.* 2>/dev/null | tail -n +6 | xargs -r rm -rf
ln -sfn "$(basename "$share")" "$cache/last-run"
exit "$rc"
