#!/usr/bin/env bash
# Bench: vps against `ps -e -o pid,cgroup,comm` on a host with ~10,000 processes across
# 50 fake guests (cgroups + context files under a temp prefix), in one run; and the CPU cost of
# one vtop refresh of that host. Usage: bench/vps_vtop.sh [GUESTS] [PER_GUEST] [RUNS]
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
guests=${1:-50}
per=${2:-200}
runs=${3:-10}
bench_prefix
# The v1 hierarchies a real guest's figures come from (pids for membership; cpuacct and memory
# for the cgroup accounting vtop and vserver-stat read), plus the cgroup2 node on hybrid hosts.
hs=(pids)
for h in cpuacct memory; do [[ -d /sys/fs/cgroup/$h ]] && hs+=("$h"); done
[[ -d /sys/fs/cgroup/unified ]] && hs+=(unified)
starters=()

cleanup() {
  # Only processes in our own cgroups (all started below) and our starters, by pid.
  for i in $(seq 1 "$guests"); do
    local f=/sys/fs/cgroup/pids/$VSERVER_CGROUP_PARENT/g$i/cgroup.procs
    [[ -f $f ]] && while read -r p; do kill -9 "$p" 2>/dev/null || true; done < "$f"
  done
  for p in "${starters[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  sleep 1
  for h in "${hs[@]}"; do
    for i in $(seq 1 "$guests"); do
      rmdir "/sys/fs/cgroup/$h/$VSERVER_CGROUP_PARENT/g$i" 2>/dev/null || true
    done
    rmdir "/sys/fs/cgroup/$h/$VSERVER_CGROUP_PARENT" 2>/dev/null || true
  done
  rm -rf "$VSERVER_PREFIX"
}
trap cleanup EXIT

echo "starting $guests guests x $per processes" >&2
for i in $(seq 1 "$guests"); do
  mkdir -p "$VSERVER_PREFIX/etc/vservers/g$i"
  echo $((1000 + i)) > "$VSERVER_PREFIX/etc/vservers/g$i/context"
  for h in "${hs[@]}"; do mkdir -p "/sys/fs/cgroup/$h/$VSERVER_CGROUP_PARENT/g$i"; done
  # One perl per guest joins the guest's cgroups, then forks per-1 sleeping children: cheap
  # processes (fork without exec) that inherit the cgroups.
  perl -e '
    my ($parent, $g, $n, @hs) = @ARGV;
    for my $h (@hs) {
      open(my $f, ">>", "/sys/fs/cgroup/$h/$parent/$g/cgroup.procs") or die "$h: $!";
      print $f "$$\n"; close($f) or die "$h: $!";
    }
    for (2 .. $n) { my $p = fork; die "fork: $!" unless defined $p; if (!$p) { sleep; exit 0 } }
    sleep;' "$VSERVER_CGROUP_PARENT" "g$i" "$per" "${hs[@]}" &
  starters+=($!)
  disown $!  # killed by pid in cleanup; no job-control noise
done
want=$((guests * per))
for _ in $(seq 100); do
  have=0
  for i in $(seq 1 "$guests"); do
    have=$((have + $(wc -l < "/sys/fs/cgroup/pids/$VSERVER_CGROUP_PARENT/g$i/cgroup.procs")))
  done
  ((have >= want)) && break
  sleep 0.5
done
procs=(/proc/[0-9]*); total=${#procs[@]}
echo "guest processes: $have, all processes: $total" >&2

hf vps_10k --warmup 2 --runs "$runs" -N \
  'ps -e -o pid,cgroup,comm' \
  "$VS_BIN/vps -e -o pid,comm" \
  'ps aux' \
  "$VS_BIN/vps aux" \
  "$VS_BIN/vps --json" \
  "$VS_BIN/vserver-stat"

# vtop: CPU (user+sys) of N refreshes minus one, divided by N-1; -d 0 so no sleeping.
# Default view: guests collapsed (rows from the guest cgroups). With -e every guest is expanded,
# so every process's stat line is read: the cost of the per-process design, for comparison.
cpu_of() {  # iterations [vtop args]
  local TIMEFORMAT='%U %S' t n=$1; shift
  t=$( { time "$VS_BIN/vtop" -b -n "$n" -d 0 "$@" >/dev/null; } 2>&1 )
  awk '{ printf "%.4f\n", $1 + $2 }' <<<"$t"
}
per_refresh() {  # [vtop args]
  local n=21 one many
  one=$(cpu_of 1 "$@"); many=$(cpu_of $n "$@")
  awk -v a="$one" -v b="$many" -v n=$n 'BEGIN { printf "%.1f", (b - a) / (n - 1) * 1000 }'
}
collapsed=$(per_refresh); expanded=$(per_refresh -e)
collapsed2=$(per_refresh); expanded2=$(per_refresh -e)
echo "vtop: ${collapsed} / ${collapsed2} ms CPU per refresh (collapsed)," \
  "${expanded} / ${expanded2} ms (-e, all expanded)" >&2
{
  echo "processes=$total guest_processes=$have guests=$guests"
  medians "$RESULTS/vps_10k.json"
  echo "vtop_refresh_cpu_ms=$collapsed $collapsed2"
  echo "vtop_refresh_expanded_cpu_ms=$expanded $expanded2"
} | tee "$RESULTS/vps_vtop.txt"
