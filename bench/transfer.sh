#!/usr/bin/env bash
# Moving guests, ours against the usual tools, as ratios within one run, on the Debian 12
# minbase fixture (scripts/fixtures.sh) grown to about 400 MB with incompressible files:
#  1. local copy of a stopped guest on ext4: vserver-copy (cp --archive in a confined view)
#     vs `cp -a --reflink=auto` and `rsync -aHAX`; on btrfs: vserver-copy of a subvolume root
#     (a snapshot) vs `cp -a --reflink=always`;
#  2. backup: `vserver NAME backup F.tar.zst|.tar.gz` vs GNU `tar --zstd` / `tar -czf` (zstd -3
#     and gzip -6 both sides), and restore vs `tar -x`;
#  3. a copy to another host (an sshd in a network namespace on this machine, another prefix):
#     vserver-copy HOST: vs `rsync -aHAX --numeric-ids` over the same ssh, then a --refresh
#     after 1 MiB changed vs the same rsync again;
#  4. the downtime of `vserver-copy --migrate` of a running guest with a writer (fsync loop).
#
# Usage: bench/transfer.sh   (VS_BIN=<build>/bin picks the build; FIXTURE=<tar.zst> a fixture;
#        REPEAT=N runs the backup and restore timings N times, alternating ours and GNU tar,
#        and reports medians; ONLY=archive runs only those, on ext4, with no far host;
#        ONLY=refresh only --refresh to an ext4 far side against rsync, REPEAT rounds; RT=1
#        runs each timed command under SCHED_FIFO (chrt -f 10), ours and GNU tar alike: on a
#        machine other work keeps busy that approximates an idle one, where otherwise the
#        scheduler's share, not the tools, decides the wall times)
# Every timed command, ours and the peers alike, runs under /usr/bin/time (and chrt with RT=1);
# its CPU time is its own and its children's plus, for a copy to the "far host", the sshd
# sessions' there (a cpuacct cgroup holds that sshd).
# Needs root, rsync, openssh-server, btrfs-progs. Everything lives under a temporary dir, a
# netns and a cgroup parent of its own and is removed on exit, also when interrupted.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
[[ $EUID -eq 0 ]] || { echo "bench/transfer.sh: needs root" >&2; exit 2; }
for p in rsync /usr/sbin/sshd mkfs.btrfs zstd; do
  command -v "$p" >/dev/null || { echo "bench/transfer.sh: $p missing" >&2; exit 2; }
done
fixture=${FIXTURE:-$(VS_BIN=$VS_BIN bash "$SRC_DIR/scripts/fixtures.sh" "$(dirname "$VS_BIN")" |
  tail -1)}

work=$(mktemp -d /tmp/vs-bench-transfer.XXXXXX)
export VSERVER_PREFIX=$work/prefix VSERVER_CGROUP_PARENT=vsbench-transfer-$$
far_prefix=$work/far
far_cg=$VSERVER_CGROUP_PARENT-far
# The far sshd's cgroup: v1's cpuacct where it is mounted, else one of its own in cgroup2.
if mountpoint -q /sys/fs/cgroup/cpuacct; then
  far_cpu_cg=/sys/fs/cgroup/cpuacct/$VSERVER_CGROUP_PARENT-sshd
else
  far_cpu_cg=/sys/fs/cgroup/$VSERVER_CGROUP_PARENT-sshd
fi
ns=vsbench-$$
loops=()
sshd_pid=
cleanup() {
  set +e
  local g
  for g in g g2 g3 mig; do vserver "$g" stop >/dev/null 2>&1; done
  for g in mig g2 far1; do
    VSERVER_PREFIX=$far_prefix VSERVER_CGROUP_PARENT=$far_cg vserver "$g" stop >/dev/null 2>&1
  done
  if [[ -n $sshd_pid ]]; then
    kill "$sshd_pid" 2>/dev/null
    # Gone before its cpuacct cgroup is removed below (rmdir fails while it holds a task).
    for _ in $(seq 50); do kill -0 "$sshd_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  ip netns del "$ns" 2>/dev/null
  local m
  grep -F "$work" /proc/self/mountinfo | awk '{print $5}' | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  for m in "${loops[@]}"; do losetup -d "$m"; done
  local d
  for d in /sys/fs/cgroup/*/"$VSERVER_CGROUP_PARENT" /sys/fs/cgroup/*/"$far_cg" "$far_cpu_cg"; do
    [[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

now() { date +%s.%N; }
REPEAT=${REPEAT:-1}
ONLY=${ONLY:-}
declare -A secs samples cpu cpu_med
# The far host's sshd and its sessions' CPU nanoseconds (0 before it runs).
far_cpu() {
  if [[ -f $far_cpu_cg/cpuacct.usage ]]; then
    cat "$far_cpu_cg/cpuacct.usage"
  else
    awk '$1 == "usage_usec" {print $2 * 1000; f = 1} END {if (!f) print 0}' \
      "$far_cpu_cg/cpu.stat" 2>/dev/null || echo 0
  fi
}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
timed() {  # name command...: its wall time and CPU time (the medians of its runs so far)
  local name=$1 t0 t1 c f0 f1; shift
  local rt=()
  [[ -n ${RT:-} ]] && rt=(chrt -f 10)
  f0=$(far_cpu)
  t0=$(now)
  "${rt[@]}" /usr/bin/time -o "$work/$name.time" -f '%U %S' "$@" >"$work/$name.out" 2>&1 ||
    { echo "$name failed:" >&2; tail -5 "$work/$name.out" >&2; }
  t1=$(now)
  f1=$(far_cpu)
  c=$(tail -1 "$work/$name.time")
  samples[$name]+=" $(echo "$t1 - $t0" | bc)"
  # shellcheck disable=SC2086 # the samples are a blank-separated list of numbers
  secs[$name]=$(median ${samples[$name]})
  cpu[$name]+=" $(awk -v far=$((f1 - f0)) '{printf "%.2f", $1 + $2 + far / 1e9}' <<<"$c")"
  # shellcheck disable=SC2086 # the samples are a blank-separated list of numbers
  cpu_med[$name]=$(median ${cpu[$name]})
}
ratio() { echo "scale=2; $1 / $2" | bc; }

# roots FS: a fresh loop file system of TYPE mounted as the prefix's roots dir.
roots() {
  local type=$1 loop
  truncate -s 3G "$work/$type.img"
  loop=$(losetup -f --show "$work/$type.img"); loops+=("$loop")
  if [[ $type == btrfs ]]; then mkfs.btrfs -q "$loop" >/dev/null; else mkfs.ext4 -q "$loop"; fi
  mkdir -p "$VSERVER_PREFIX/var/lib/vservers"
  mount "$loop" "$VSERVER_PREFIX/var/lib/vservers"
}
# guest NAME [ROOTDIR]: a skeleton guest whose root is the fixture plus 200 MiB of random
# files, its root in the vservers dir or ROOTDIR.
guest() {
  local r=${2:-$VSERVER_PREFIX/var/lib/vservers}/$1
  vserver "$1" build -m skeleton ${2:+--rootdir "$2"} >/dev/null
  find "$r" -mindepth 1 -delete  # the skeleton's dirs make way for the fixture's usr-merge links
  tar --numeric-owner --xattrs --xattrs-include='*' -I zstd -xf "$fixture" -C "$r"
  mkdir -p "$r/srv/data"
  local i
  for i in $(seq 40); do head -c 5M /dev/urandom >"$r/srv/data/blob$i"; done
  vserver "$1" config set apps/init/style reaper >/dev/null
  sync
}
mib() { du -sm --apparent-size "$1" | cut -f1; }

echo "fixture: $fixture"
mkdir -p "$VSERVER_PREFIX/etc/vservers"

# The "far host": an sshd in a network namespace of its own whose sessions see $far_prefix.
far_host() {
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
  ssh-keygen -q -t ed25519 -N '' -f "$work/key"
  cp "$work/key.pub" "$work/authorized_keys"
  echo "[127.0.0.1]:2222 $(cut -d' ' -f1,2 "$work/hostkey.pub")" >"$work/known_hosts"
  mkdir -p "$far_prefix/var/lib/vservers"
  cat >"$work/sshd_config" <<CFG
ListenAddress 127.0.0.1:2222
HostKey $work/hostkey
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
UsePAM no
StrictModes no
PidFile $work/sshd.pid
SetEnv VSERVER_PREFIX=$far_prefix VSERVER_CGROUP_PARENT=$far_cg
CFG
  # shellcheck disable=SC2016 # $1 is the inner shell's argument
  nsenter --net="/run/netns/$ns" unshare --mount --propagation private sh -c \
    'mount -t tmpfs -o mode=0755,size=1m vsbench-run /run && mkdir -m 0755 /run/sshd &&
     exec /usr/sbin/sshd -f "$1"' sh "$work/sshd_config"
  SSH="ssh -F /dev/null -p 2222 -i $work/key -o IdentitiesOnly=yes -o BatchMode=yes"
  SSH+=" -o UserKnownHostsFile=$work/known_hosts"
  for _ in $(seq 50); do
    # shellcheck disable=SC2086 # $SSH is a command line, split on purpose
    nsenter --net="/run/netns/$ns" $SSH root@127.0.0.1 true 2>/dev/null && break
    sleep 0.1
  done
  sshd_pid=$(cat "$work/sshd.pid")
  # Its sessions, forked from now on, are counted in this cgroup: the far side's CPU time.
  mkdir -p "$far_cpu_cg"
  echo "$sshd_pid" >"$far_cpu_cg/cgroup.procs"
  # The sshd's own namespace file: valid as long as it runs, whatever happens to the
  # /run/netns bind mount (other work on this machine adds and deletes netns meanwhile).
  IN_NS=(nsenter --net="/proc/$sshd_pid/ns/net")
  VCOPY_OPTS=(--ssh "$SSH" --remote-vserver "$VS_BIN/vserver")
}
# Commands (not shell functions), so that timed runs them under /usr/bin/time and chrt.
IN_NS=()
VCOPY_OPTS=()
# migrate NAME FS [BIN]: guest NAME started with a writer appending and fsyncing every 10 ms,
# then moved with --migrate (by the build in BIN, default ours, on both sides); records the
# downtime, its phases, the passes and whether a written line is missing there.
declare -A downtime passes lost phases
migrate() {
  local name=$1 fs=$2 bin=${3:-$VS_BIN} writer root
  root=$(readlink -f "$VSERVER_PREFIX/etc/vservers/$name/vdir")
  "$bin/vserver" "$name" start >/dev/null
  # shellcheck disable=SC2016 # the guest's shell expands $i
  "$bin/vserver" "$name" exec sh -c \
    'i=0; while :; do i=$((i+1)); echo $i >>/var/log-w; sync; sleep 0.01; done' >/dev/null 2>&1 &
  writer=$!
  sleep 1
  timed "migrate $fs" "${IN_NS[@]}" "$bin/vserver-copy" "$name" "127.0.0.1:$name" --migrate \
    --json "${VCOPY_OPTS[@]}" --remote-vserver "$bin/vserver"
  # The writer's exec ends with the guest's stop; should the migration have failed, it goes now.
  kill "$writer" 2>/dev/null || true
  wait "$writer" 2>/dev/null || true
  local d p ph
  read -r d p ph <<<"$(python3 -c 'import json, sys
j = json.loads(open(sys.argv[1]).read().splitlines()[-1])
ph = j.get("downtime_phases")
print(j["downtime_s"], "+".join(("live" if p["live"] else "final")
      + ("/snapshot" if p["snapshot"] else "") + ("/checksum" if p["checksum"] else "")
      + ("/list:%d" % p["listed"] if p.get("listed") is not None else "")
      + ":%.2fs" % p["duration_s"] for p in j["passes"]),
      ",".join("%s=%.3f" % (k[:-2], v) for k, v in ph.items()) if ph else "-")' \
    "$work/migrate $fs.out" 2>/dev/null || echo "failed - -")"
  downtime[$fs]+=" $d"
  passes[$fs]+=" $p"
  phases[$fs]+=" $ph"
  cmp -s "$root/var/log-w" "$far_prefix/var/lib/vservers/$name/var/log-w" &&
    lost[$fs]+=" none" || lost[$fs]+=" SOME"
  VSERVER_PREFIX=$far_prefix VSERVER_CGROUP_PARENT=$far_cg "$bin/vserver" "$name" stop \
    >/dev/null
}


echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ $ONLY == refresh || $ONLY == migrate ]]; then
  # The far roots on an ext4 of their own, mounted before sshd copies this mount namespace:
  # the syncfs of a refresh then writes back that file system, not the whole machine's.
  truncate -s 3G "$work/far.img"
  loop=$(losetup -f --show "$work/far.img"); loops+=("$loop")
  mkfs.ext4 -q "$loop"
  mkdir -p "$far_prefix/var/lib/vservers"
  mount "$loop" "$far_prefix/var/lib/vservers"
fi
[[ $ONLY == archive ]] || far_host

if [[ $ONLY == migrate ]]; then
  # ONLY=migrate: REPEAT rounds of --migrate of a running guest with a writer, its root on an
  # ext4 and a btrfs subvolume, the far roots on the ext4 of their own above. BASE_BIN=DIR
  # (a build's bin) migrates the same guests with that build (the one before a change) in every
  # round too, interleaved with ours.
  roots ext4
  truncate -s 3G "$work/btrfs.img"
  loop=$(losetup -f --show "$work/btrfs.img"); loops+=("$loop")
  mkfs.btrfs -q "$loop" >/dev/null
  mkdir -p "$work/btrfs"
  mount "$loop" "$work/btrfs"
  guest me4
  guest mbt "$work/btrfs"
  size=$(mib "$VSERVER_PREFIX/var/lib/vservers/me4")
  builds=(ours)
  [[ -n ${BASE_BIN:-} ]] && builds+=(base)
  for i in $(seq "$REPEAT"); do
    for b in "${builds[@]}"; do
      bin=$VS_BIN
      [[ $b == base ]] && bin=$BASE_BIN
      for g in me4:ext4 mbt:btrfs; do
        migrate "${g%%:*}" "${g#*:} $b" "$bin"
        VSERVER_PREFIX=$far_prefix VSERVER_CGROUP_PARENT=$far_cg "$bin/vserver" "${g%%:*}" \
          delete --force >/dev/null
        "$bin/vserver" "${g%%:*}" config unset apps/init/mark >/dev/null
      done
    done
  done
  echo
  echo "guest: $size MiB, $(find "$VSERVER_PREFIX/var/lib/vservers/me4" | wc -l) entries;" \
    "$REPEAT rounds; $(nproc) cores, shared; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  for b in "${builds[@]}"; do
    for fs in ext4 btrfs; do
      echo
      # shellcheck disable=SC2086 # a blank-separated list of numbers
      echo "$b, root on $fs: downtime (s):${downtime[$fs $b]}; median" \
        "$(median ${downtime[$fs $b]}); written lines lost:${lost[$fs $b]}"
      # shellcheck disable=SC2086 # a blank-separated list of numbers, one argument each
      printf '  phases (s): %s\n' ${phases[$fs $b]}
      # shellcheck disable=SC2086 # a blank-separated list of numbers, one argument each
      printf '  passes: %s\n' ${passes[$fs $b]}
    done
  done
  exit 0
fi

# 1. Local copies.
roots ext4
guest g
R=$VSERVER_PREFIX/var/lib/vservers
size=$(mib "$R/g")
tar -cf - -C "$R/g" . >/dev/null  # the page cache warm for every tool alike
if [[ $ONLY == refresh ]]; then
  # ONLY=refresh: --refresh to an ext4 far side against rsync with the same flags into a copy
  # of its own there, REPEAT rounds of 1 MiB new and one line changed; the same rsync followed
  # by sync -f is the peer with the same durability (receive syncfs()es before the exchange).
  FR=$far_prefix/var/lib/vservers
  # The refreshed copy's old root is removed in the background after the exchange (in the far
  # sshd's cgroup): done before the peer is timed, so its CPU and disk are not charged to it.
  far_settle() {
    for _ in $(seq 300); do
      compgen -G "$FR/.build-far1-*" >/dev/null || return 0
      sleep 0.1
    done
  }
  "${IN_NS[@]}" vserver-copy g 127.0.0.1:far1 -q "${VCOPY_OPTS[@]}"
  "${IN_NS[@]}" rsync -aHAX --numeric-ids --sparse --one-file-system --delete -e "$SSH" \
    "$R/g/" "127.0.0.1:$FR/plain/"
  for i in $(seq "$REPEAT"); do
    head -c 1M /dev/urandom >"$R/g/srv/data/new$i"
    echo "x$i" >>"$R/g/etc/motd"
    timed "vserver-copy --refresh" "${IN_NS[@]}" vserver-copy g 127.0.0.1:far1 --refresh \
      --json "${VCOPY_OPTS[@]}"
    far_settle
    timed "rsync -aHAXSx --delete again" "${IN_NS[@]}" rsync -aHAX --numeric-ids --sparse \
      --one-file-system --delete -e "$SSH" "$R/g/" "127.0.0.1:$FR/plain/"
    echo "x$i" >>"$R/g/etc/issue"
    timed "vserver-copy --refresh " "${IN_NS[@]}" vserver-copy g 127.0.0.1:far1 --refresh \
      --json "${VCOPY_OPTS[@]}"
    far_settle
    # shellcheck disable=SC2016 # $1..$4 are the inner shell's arguments
    timed "rsync again; sync -f" sh -c 'nsenter --net="$1" rsync -aHAX --numeric-ids --sparse \
      --one-file-system --delete -e "$2" "$3/" "127.0.0.1:$4/plain/" && sync -f "$4"' sh \
      "/proc/$sshd_pid/ns/net" "$SSH" "$R/g" "$FR"
  done
  echo
  echo "guest: $size MiB, $(find "$R/g" | wc -l) entries; $REPEAT rounds, medians;" \
    "$(nproc) cores, shared; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| operation | ours (s) | peer | peer (s) | peer / ours |"
  echo "|---|---|---|---|---|"
  printf '| %s | %.2f | %s | %.2f | %.2f |\n' "vserver-copy --refresh" \
    "${secs[vserver-copy --refresh]}" "rsync -aHAXSx --delete again" \
    "${secs[rsync -aHAXSx --delete again]}" \
    "$(ratio "${secs[rsync -aHAXSx --delete again]}" "${secs[vserver-copy --refresh]}")"
  printf '| %s | %.2f | %s | %.2f | %.2f |\n' "vserver-copy --refresh" \
    "${secs[vserver-copy --refresh ]}" "rsync again; sync -f" "${secs[rsync again; sync -f]}" \
    "$(ratio "${secs[rsync again; sync -f]}" "${secs[vserver-copy --refresh ]}")"
  exit 0
fi
if [[ $ONLY != archive ]]; then
  timed "vserver-copy (ext4)" vserver-copy g g2 -q
  timed "cp -a --reflink=auto" cp -a --reflink=auto "$R/g" "$R/cp"
  timed "rsync -aHAX" rsync -aHAX "$R/g/" "$R/rs/"
fi
# 2. Backups and restores, from the same tree; REPEAT rounds, ours and GNU tar alternating.
for _ in $(seq "$REPEAT"); do
  timed "vserver backup .tar.zst" vserver g backup "$work/b.tar.zst" -q
  timed "tar --zstd -c" tar --numeric-owner --xattrs --xattrs-include='*' --acls --zstd \
    -cf "$work/t.tar.zst" -C "$R/g" .
  timed "vserver backup .tar.gz" vserver g backup "$work/b.tar.gz" -q
  timed "tar -czf" tar --numeric-owner --xattrs --xattrs-include='*' --acls -czf \
    "$work/t.tar.gz" -C "$R/g" .
  timed "vserver restore .tar.zst" vserver restore "$work/b.tar.zst" g3 --no-ip -q
  mkdir "$R/tx"
  timed "tar --zstd -x" tar --numeric-owner --xattrs --xattrs-include='*' --acls --zstd \
    -xpf "$work/t.tar.zst" -C "$R/tx"
  vserver g3 delete --force >/dev/null 2>&1 || true
  rm -rf "$R/tx"
  if [[ $ONLY == archive ]]; then
    # The same durability as ours: backup fsyncs the archive before renaming it in, restore
    # syncfs()es the tree before registering the guest. sync(1) FILE and sync -f DIR do that.
    # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
    timed "tar --zstd -c; sync FILE" sh -c 'tar --numeric-owner --xattrs --xattrs-include="*" \
      --acls --zstd -cf "$1" -C "$2" . && sync "$1"' sh "$work/t.tar.zst" "$R/g"
    mkdir "$R/tx"
    # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
    timed "tar --zstd -x; sync -f" sh -c 'tar --numeric-owner --xattrs --xattrs-include="*" \
      --acls --zstd -xpf "$1" -C "$2" && sync -f "$2"' sh "$work/t.tar.zst" "$R/tx"
    rm -rf "$R/tx"
  fi
done
if [[ $ONLY != archive ]]; then
  migrate g2 ext4
  vserver g2 delete --force >/dev/null 2>&1 || true
  rm -rf "$R/cp" "$R/rs"
fi

row() {  # ours peer
  printf '| %s | %.2f | %.2f | %s | %.2f | %.2f | %.2f |\n' "$1" "${secs[$1]}" "${cpu_med[$1]}" \
    "$2" "${secs[$2]}" "${cpu_med[$2]}" "$(ratio "${secs[$2]}" "${secs[$1]}")"
}
table_head() {
  echo "| operation | ours (s) | ours CPU (s) | peer | peer (s) | peer CPU (s) | peer / ours |"
  echo "|---|---|---|---|---|---|---|"
}
cpu_row() {  # name: the CPU seconds (user + system, children included) of each run
  printf '%s: wall %s s; CPU%s s\n' "$1" "${samples[$1]# }" "${cpu[$1]}"
}
if [[ $ONLY == archive ]]; then
  echo
  echo "guest: $size MiB; $REPEAT rounds, medians; ${RT:+SCHED_FIFO; }$(nproc) cores, shared;" \
    "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  table_head
  row "vserver backup .tar.zst" "tar --zstd -c"
  row "vserver backup .tar.gz" "tar -czf"
  row "vserver restore .tar.zst" "tar --zstd -x"
  row "vserver backup .tar.zst" "tar --zstd -c; sync FILE"
  row "vserver restore .tar.zst" "tar --zstd -x; sync -f"
  echo
  for n in "vserver backup .tar.zst" "tar --zstd -c" "vserver backup .tar.gz" "tar -czf" \
    "vserver restore .tar.zst" "tar --zstd -x" "tar --zstd -c; sync FILE" \
    "tar --zstd -x; sync -f"; do cpu_row "$n"; done
  printf 'archives: ours .tar.zst %s MiB, GNU tar %s MiB; ours .tar.gz %s MiB, GNU tar %s MiB\n' \
    "$(mib "$work/b.tar.zst")" "$(mib "$work/t.tar.zst")" "$(mib "$work/b.tar.gz")" \
    "$(mib "$work/t.tar.gz")"
  exit 0
fi

# 1b. On btrfs: a subvolume root is snapshotted.
vserver g delete --force >/dev/null 2>&1 || true
umount "$R"
roots btrfs
guest g
timed "vserver-copy (btrfs snapshot)" vserver-copy g g2 -q
timed "cp -a --reflink=always" cp -a --reflink=always "$R/g" "$R/cp"
rm -rf "$R/cp"

# 3. To another host.
timed "vserver-copy HOST:" "${IN_NS[@]}" vserver-copy g 127.0.0.1:far1 -q "${VCOPY_OPTS[@]}"
timed "rsync -aHAX over ssh" "${IN_NS[@]}" rsync -aHAX --numeric-ids -e "$SSH" "$R/g/" \
  "127.0.0.1:$far_prefix/plain/"
# The same with the flags vserver-copy adds (--sparse, -x, --delete): what they cost.
timed "rsync -aHAXSx --delete over ssh" "${IN_NS[@]}" rsync -aHAX --numeric-ids --sparse \
  --one-file-system --delete -e "$SSH" "$R/g/" "127.0.0.1:$far_prefix/plain2/"
head -c 1M /dev/urandom >"$R/g/srv/data/new"
echo x >>"$R/g/etc/motd"
timed "vserver-copy --refresh" "${IN_NS[@]}" vserver-copy g 127.0.0.1:far1 --refresh --json \
  "${VCOPY_OPTS[@]}"
timed "rsync -aHAX again" "${IN_NS[@]}" rsync -aHAX --numeric-ids --stats -e "$SSH" "$R/g/" \
  "127.0.0.1:$far_prefix/plain/"
refresh_bytes=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["passes"][0]["literal_bytes"])' \
  "$work/vserver-copy --refresh.out")

# 4. A migration of the running btrfs guest (live passes from snapshots).
vserver-copy g mig -q
migrate mig btrfs

echo
echo "guest: $size MiB (fixture + 200 MiB of random files); ${RT:+SCHED_FIFO; }$(nproc) cores," \
  "shared; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
table_head
row "vserver-copy (ext4)" "cp -a --reflink=auto"
row "vserver-copy (ext4)" "rsync -aHAX"
row "vserver-copy (btrfs snapshot)" "cp -a --reflink=always"
row "vserver backup .tar.zst" "tar --zstd -c"
row "vserver backup .tar.gz" "tar -czf"
row "vserver restore .tar.zst" "tar --zstd -x"
row "vserver-copy HOST:" "rsync -aHAX over ssh"
row "vserver-copy HOST:" "rsync -aHAXSx --delete over ssh"
row "vserver-copy --refresh" "rsync -aHAX again"
echo
printf 'archives: ours .tar.zst %s MiB, GNU tar %s MiB; ours .tar.gz %s MiB, GNU tar %s MiB\n' \
  "$(mib "$work/b.tar.zst")" "$(mib "$work/t.tar.zst")" "$(mib "$work/b.tar.gz")" \
  "$(mib "$work/t.tar.gz")"
echo "refresh after 1 MiB changed: $refresh_bytes bytes of file data sent"
for fs in ext4 btrfs; do
  # shellcheck disable=SC2086 # blank-separated lists of numbers, one argument each
  printf 'migration on %s, running guest with a writer: downtime %.3f s; passes %s; ' "$fs" \
    ${downtime[$fs]} ${passes[$fs]}
  # shellcheck disable=SC2086 # a blank-separated list of numbers, one argument each
  printf 'phases %s; ' ${phases[$fs]}
  # shellcheck disable=SC2086 # a blank-separated list of words, one argument each
  printf '%.1f s in all; written lines lost: %s\n' "${secs[migrate $fs]}" ${lost[$fs]}
done
