#!/bin/bash
# Checks, inside the test VM, that it is the system the suites are meant to meet there: cgroup v2
# only with the usual controllers, working limits, user namespaces, loop-mounted filesystems with
# quotas, veth across network namespaces. Run first by tests/vm/run.sh's default command, so a
# broken VM fails loudly instead of making the suites skip. Usage (inside the VM only):
#   tests/vm/smoke.sh
set -uo pipefail
fails=0
ok() { echo "smoke: ok   $*"; }
bad() { echo "smoke: FAIL $*"; fails=$((fails + 1)); }
check() {
  local what=$1
  shift
  if "$@" >/tmp/smoke.out 2>&1; then ok "$what"; else bad "$what: $(tail -n3 /tmp/smoke.out)"; fi
}

[[ $(hostname) == vsvm ]] ||
  { echo "smoke: refusing to run outside the test VM (hostname vsvm)"; exit 2; }

cg=/sys/fs/cgroup
check "cgroup2 at $cg" test "$(stat -f -c %T $cg)" = cgroup2fs
for c in cpuset cpu io memory pids; do
  check "controller $c available" grep -qw $c $cg/cgroup.controllers
done
# Enabled by tests/vm/init unless booted with VS_CGROUP=flat.
if grep -q 'VS_CGROUP=flat' /proc/cmdline; then
  check "no controller enabled at the root (flat)" test -z "$(<$cg/cgroup.subtree_control)"
else
  check "cpuset cpu io memory pids enabled at the root" \
    bash -c "for c in cpuset cpu io memory pids; do
      grep -qw \$c $cg/cgroup.subtree_control || exit 1
    done"
fi
mkdir -p /tmp/v1
if mount -t cgroup -o memory none /tmp/v1 2>/dev/null; then
  bad "cgroup v1 memory mountable"
  umount /tmp/v1
else
  ok "cgroup v1 is off"
fi

t=$cg/smoke-$$
mkdir $t
echo 4 >$t/pids.max
# In the child cgroup, forking past pids.max must fail (bash reports "fork: retry" / EAGAIN).
out=$(bash -c "echo \$\$ >$t/cgroup.procs; for i in 1 2 3 4 5 6; do sleep 3 & done; wait" 2>&1)
grep -q 'Resource temporarily unavailable\|retry' <<<"$out" && ok "fork gets EAGAIN at pids.max" ||
  bad "fork past pids.max: $out"
grep -q '^max [1-9]' $t/pids.events && ok "pids.events counts it" ||
  bad "pids.events: $(cat $t/pids.events)"
rmdir $t

mkdir $t
echo 32M >$t/memory.max
echo 0 >$t/memory.swap.max
# dd reads into one 200 MiB buffer, touching every page of it.
bash -c "echo \$\$ >$t/cgroup.procs; exec dd if=/dev/zero of=/dev/null bs=200M count=1" 2>/dev/null
grep -q '^oom_kill [1-9]' $t/memory.events &&
  ok "memory.max OOM-kills ($(grep oom_kill $t/memory.events))" ||
  bad "no OOM kill at memory.max: $(cat $t/memory.events)"
rmdir $t

check "user namespace (unshare -U -r)" test "$(unshare -U -r id -u)" = 0
check "user namespace as uid 1000" \
  setpriv --reuid 1000 --regid 1000 --clear-groups unshare -U -r true
check "pid+mount+uts+ipc+net+cgroup namespaces" unshare -p -f -m -u -i -n -C --mount-proc true

img=/tmp/smoke.img
rm -f $img; truncate -s 320M $img
mkdir -p /tmp/mnt
check "xfs with project quota (loop)" bash -c "mkfs.xfs -q $img &&
  mount -o loop,prjquota $img /tmp/mnt && mkdir /tmp/mnt/p &&
  xfs_quota -x -c 'project -s -p /tmp/mnt/p 42' -c 'limit -p bhard=1m 42' /tmp/mnt &&
  ! dd if=/dev/zero of=/tmp/mnt/p/f bs=64k count=64 2>/dev/null; rc=\$?; umount /tmp/mnt; exit \$rc"
rm -f $img; truncate -s 64M $img
check "ext4 with project quota (loop)" bash -c "mkfs.ext4 -q -O quota,project $img &&
  mount -o loop,prjquota $img /tmp/mnt && umount /tmp/mnt"
rm -f $img; truncate -s 128M $img
check "btrfs with qgroups (loop)" bash -c "mkfs.btrfs -q $img && mount -o loop $img /tmp/mnt &&
  btrfs quota enable /tmp/mnt && btrfs subvolume create /tmp/mnt/s >/dev/null &&
  btrfs qgroup limit 1M /tmp/mnt/s &&
  ! dd if=/dev/zero of=/tmp/mnt/s/f bs=64k count=64 conv=fsync 2>/dev/null
  rc=\$?; umount /tmp/mnt; exit \$rc"
rm -f $img

check "veth + bridge across a network namespace" bash -c "ip netns add smoke &&
  ip link add smbr type bridge && ip link add sm0 type veth peer name sm1 &&
  ip link set sm0 master smbr && ip link set sm1 netns smoke &&
  ip addr add 10.199.0.1/24 dev smbr && ip link set smbr up && ip link set sm0 up &&
  ip -n smoke addr add 10.199.0.2/24 dev sm1 && ip -n smoke link set sm1 up &&
  ip -n smoke link set lo up && ip netns exec smoke busybox ping -c1 -W5 10.199.0.1 >/dev/null
  rc=\$?; ip link del sm0; ip link del smbr; ip netns del smoke; exit \$rc"

echo "smoke: $fails failure(s)"
((fails == 0))
