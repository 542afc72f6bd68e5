#!/usr/bin/env bash
# Runs a command inside a qemu VM booted with Debian's own kernel and cgroup v2 only, and exits
# with the command's exit status. Default command: tests/vm/smoke.sh, then the unit, priv and
# integration suites of the build dir (never the vm test itself, nor slow ones: the VM has no
# network for debootstrap). A given COMMAND runs in the build dir, as root, inside the VM.
# The VM sees the host's / read-only (9p) under a tmpfs overlay, so it runs the host's binaries
# and the build at their usual paths and nothing it writes reaches the host. See docs/testing.md.
#
# Usage: tests/vm/run.sh [--build DIR] [--timeout SECS] [--mem MB] [--smp N] [--disk SIZE]
#                        [--accel auto|kvm|tcg] [--cgroup systemd|flat] [-- COMMAND ARGS...]
# Env:   VS_VM_TIMEOUT, VS_VM_MEM, VS_VM_SMP, VS_VM_DISK, VS_VM_ACCEL, VS_VM_CGROUP (as the options),
#        VS_VM_CACHE (kernel cache; default BUILD/vm), VS_VM_KERNEL_PKG (see scripts/vm-kernel.sh).
# Exit:  the command's status; 77 (ctest: skipped) when qemu or the kernel cannot be had;
#        124 on timeout; 125 when the VM died before reporting a status.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)

build=$src/build
timeout=${VS_VM_TIMEOUT:-1800}
mem=${VS_VM_MEM:-2048}
smp=${VS_VM_SMP:-2}
disk=${VS_VM_DISK:-16G}
accel=${VS_VM_ACCEL:-auto}
cgroup=${VS_VM_CGROUP:-systemd}
while (($#)); do
  case $1 in
    --build) build=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --smp) smp=$2; shift 2 ;;
    --disk) disk=$2; shift 2 ;;
    --accel) accel=$2; shift 2 ;;
    --cgroup) cgroup=$2; shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "vm: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
build=$(cd "$build" && pwd)
ctest_cmd=(ctest -L '^(unit|priv|integration)$' -LE '^(vm|slow)$' --output-on-failure)
cmd=("$@")
cache=${VS_VM_CACHE:-$build/vm}

log() { echo "vm: $*" >&2; }
skip() { log "SKIP: $*"; exit 77; }

# 9p passthrough must read every file of / and set owners in the share: root only.
((EUID == 0)) || skip "needs root"
qemu=$(command -v qemu-system-x86_64) || skip "qemu-system-x86_64 not installed (qemu-system-x86)"
busybox=/bin/busybox
# The initramfs needs a static busybox: the VM has no libc until it reaches the host's root.
[[ -x $busybox ]] && ! ldd "$busybox" >/dev/null 2>&1 || skip "no static /bin/busybox (busybox-static)"
[[ $(uname -m) == x86_64 ]] || skip "the VM harness boots x86_64 kernels only"

t0=$(date +%s.%N)
kdir=$(bash "$src/scripts/vm-kernel.sh" "$cache") || {
  rc=$?
  ((rc == 77)) && skip "cannot fetch Debian's kernel package"
  exit "$rc"
}
kver=$(cat "$kdir/kver")

# One directory per run, shared read-write with the VM as /run/vm.
mkdir -p "$cache"
share=$(mktemp -d "$cache/run.XXXXXX")
{
  echo "cd $(printf '%q' "$build") || exit 125"
  if ((${#cmd[@]})); then
    printf '%q ' "${cmd[@]}"
    echo
  else
    # Default: the smoke check (is this the VM the suites expect?), then the suites; both run,
    # and the status is the suites' unless only the smoke check failed.
    echo "smoke=0; bash $(printf '%q' "$src/tests/vm/smoke.sh") || smoke=\$?"
    printf '%q ' "${ctest_cmd[@]}"
    echo
    echo 'rc=$?; exit $((rc ? rc : smoke))'
  fi
} >"$share/command"
((${#cmd[@]})) || cmd=(tests/vm/smoke.sh \&\& "${ctest_cmd[@]}")

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
# The scratch disk: a sparse ext4 image holding the root overlay's upper layer and /tmp, as a
# Debian host keeps /tmp on disk. tmpfs would eat the VM's RAM, and 6.1's tmpfs has no user.*
# xattrs (tests set them). Deleted after the run; discard keeps the host file sparse.
truncate -s "$disk" "$share/disk.img"
mkfs.ext4 -q -F -L vmscratch -E lazy_itable_init=1,lazy_journal_init=1 "$share/disk.img" ||
  { log "mkfs.ext4 of the scratch disk failed"; exit 125; }

append="console=ttyS0 quiet panic=-1 no_timer_check cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1 VS_CGROUP=$cgroup"
qemu_args=(-nodefaults -display none -monitor none -serial stdio -no-reboot
  -m "$mem" -smp "$smp" -nic none
  -kernel "$kdir/vmlinuz" -initrd "$share/initramfs.cpio" -append "$append"
  -virtfs "local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap,id=hostroot"
  -virtfs "local,path=$share,mount_tag=results,security_model=passthrough,id=results"
  -drive "file=$share/disk.img,if=virtio,format=raw,cache=unsafe,discard=unmap")

case $accel in
  auto) accels=(); [[ -r /dev/kvm && -w /dev/kvm ]] && accels+=(kvm); accels+=(tcg) ;;
  kvm|tcg) accels=("$accel") ;;
  *) echo "vm: --accel must be auto, kvm or tcg, not '$accel'" >&2; exit 2 ;;
esac

qpid=
kill_qemu() {
  # Only the qemu this script started, by its pid.
  if [[ -n $qpid ]] && kill -0 "$qpid" 2>/dev/null; then
    kill "$qpid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qpid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$qpid" 2>/dev/null || true
  fi
  [[ -n $qpid ]] && wait "$qpid" 2>/dev/null || true
  qpid=
}
trap kill_qemu EXIT
trap 'kill_qemu; exit 130' INT TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }

ulimit -c 0 # a failing KVM attempt aborts; no core file for it.
booted=
used=
for a in "${accels[@]}"; do
  case $a in
    kvm) aargs=(-accel kvm -cpu host) ;;
    tcg) aargs=(-accel tcg,thread=multi -cpu max) ;;
  esac
  # A KVM that hangs is given up after 60 s; the last accelerator gets the whole timeout (TCG on
  # a loaded 2-core host has been seen to need minutes just to boot).
  boot_limit=60
  [[ $a == "${accels[-1]}" ]] && boot_limit=$timeout
  rm -f "$share/booted" "$share/status" "$share/init-error"
  log "booting $kver with $a (${mem} MiB, $smp cpus), timeout ${timeout}s"
  tb=$(now)
  "$qemu" "${aargs[@]}" "${qemu_args[@]}" </dev/null > >(tee "$share/console.log") 2>&1 &
  qpid=$!
  # The init writes "booted" once the kernel runs and the 9p shares work; a KVM that aborts or
  # hangs is detected here and the next accelerator tried.
  while [[ ! -e $share/booted ]] && kill -0 "$qpid" 2>/dev/null; do
    if (($(date +%s) - ${tb%.*} >= boot_limit)); then
      log "$a: no boot after ${boot_limit}s"
      ((boot_limit == timeout)) && { kill_qemu; log "timeout"; exit 124; }
      break
    fi
    sleep 0.1
  done
  if [[ -e $share/booted ]]; then
    booted=$(elapsed "$tb")
    used=$a
    break
  fi
  kill_qemu
  log "$a failed to boot"
done
[[ -n $used ]] || { log "the VM did not boot"; exit 125; }
log "booted with $used in ${booted}s; running: ${cmd[*]}"

trun=$(now)
timed_out=
while kill -0 "$qpid" 2>/dev/null; do
  if (($(date +%s) - ${tb%.*} >= timeout)); then
    timed_out=1
    log "timeout after ${timeout}s: killing qemu (pid $qpid)"
    kill_qemu
    break
  fi
  sleep 0.2
done
wait "$qpid" 2>/dev/null || true
qpid=
run=$(elapsed "$trun")

[[ -f $share/init-error ]] && log "$(cat "$share/init-error")"
if [[ -n $timed_out ]]; then
  rc=124
elif [[ -s $share/status ]]; then
  rc=$(cat "$share/status")
else
  log "the VM stopped without reporting a status (see $share/console.log)"
  rc=125
fi
log "status $rc; boot ${booted}s, run+poweroff ${run}s, total $(elapsed "$t0")s ($used); logs in $share"

# Keep the last few runs' logs, drop older ones.
rm -f "$share/initramfs.cpio" "$share/disk.img"
ls -1dt "$cache"/run.* 2>/dev/null | tail -n +6 | xargs -r rm -rf
ln -sfn "$(basename "$share")" "$cache/last-run"
exit "$rc"
