#!/usr/bin/env bash
# Bench: guest-to-guest TCP throughput over veth (two guests on a test bridge) and over
# shared mode (two shared guests, addresses on the bridge), as a ratio to host loopback, all in
# one throwaway network namespace (no packet leaves it). Tool: iperf3 (Debian's, with its
# libraries copied into the guest roots), one TCP stream, DURATION seconds per run, the
# receiver's rate. A fourth case runs iperf3 from the host inside the veth guests' network
# namespaces (nsenter --net), without the guests' confinement: it separates the cost of the
# path (veth + bridge) from the cost of running inside a guest.
# Usage: bench/net_throughput.sh [DURATION] [RUNS]
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
secs=${1:-5}
runs=${2:-5}
command -v iperf3 >/dev/null || {
  echo "iperf3 missing: scripts/install-deps.sh --bench" >&2
  exit 1
}
bench_prefix
ns=vsbench-$$
N=(nsenter "--net=/run/netns/$ns")  # not `ip netns exec`: it would hide /sys/fs/cgroup
v() { "${N[@]}" "$VS_BIN/vserver" "$@"; }
guests=(btva btvb btsa btsb)
srvpids=()
cleanup() {
  for p in "${srvpids[@]}"; do kill "$p" 2>/dev/null; done
  for g in "${guests[@]}"; do v "$g" stop >/dev/null 2>&1 || true; done
  for g in "${guests[@]}"; do v "$g" delete --force >/dev/null 2>&1 || true; done
  ip netns del "$ns" 2>/dev/null || true
  for h in /sys/fs/cgroup/*/"$VSERVER_CGROUP_PARENT" \
           /sys/fs/cgroup/unified/"$VSERVER_CGROUP_PARENT"; do
    [[ -d $h ]] && find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rm -rf "$VSERVER_PREFIX"
}
trap cleanup EXIT

bench_lan "$ns"

v btva build -m skeleton --interface eth0=br0:10.88.0.10/24 >/dev/null
v btvb build -m skeleton --interface eth0=br0:10.88.0.11/24 >/dev/null
v btsa build -m skeleton --interface br0:10.88.0.20/24 >/dev/null
v btsb build -m skeleton --interface br0:10.88.0.21/24 >/dev/null
echo shared > "$VSERVER_PREFIX/etc/vservers/btsa/interfaces/0/mode"
echo shared > "$VSERVER_PREFIX/etc/vservers/btsb/interfaces/0/mode"
# iperf3 and the libraries it loads, at the same paths in every guest root.
for g in "${guests[@]}"; do
  root=$VSERVER_PREFIX/var/lib/vservers/$g
  for f in "$(command -v iperf3)" $(ldd "$(command -v iperf3)" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$f")"
    cp -L "$f" "$root$f"
  done
done
for g in "${guests[@]}"; do v "$g" start; done
init_pid() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["init_pid"])' \
    "$VSERVER_PREFIX/run/vservers/$1/state.json"
}

# one LABEL SERVER-PREFIX CLIENT-PREFIX IP PORT: one run; prints MiB/s received.
one() {
  local label=$1 srv=$2 cli=$3 ip=$4 port=$5 out
  $srv iperf3 -s -1 -p "$port" >/dev/null 2>&1 &
  srvpids+=($!)
  sleep 0.5
  # shellcheck disable=SC2086 # $cli is a command prefix (ip netns exec NS), split on purpose
  out=$(timeout $((secs + 30)) $cli iperf3 -c "$ip" -p "$port" -t "$secs" -J) ||
    { echo "$label: iperf3 failed" >&2; return 1; }
  wait "${srvpids[-1]}" 2>/dev/null || true
  python3 -c 'import json,sys
bps = json.loads(sys.argv[1])["end"]["sum_received"]["bits_per_second"]
print("%.0f" % (bps / 8 / 1048576))' "$out"
}

declare -A res
run_case() {  # label server-prefix client-prefix ip
  local xs=() i
  for i in $(seq "$runs"); do xs+=("$(one "$@" $((5200 + i)))"); done
  res[$1]=$(printf '%s\n' "${xs[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  echo "$1: runs ${xs[*]} MiB/s; median ${res[$1]}" >&2
}
run_case loopback "${N[*]}" "${N[*]}" 127.0.0.1
run_case veth "${N[*]} $VS_BIN/vserver btvb exec" "${N[*]} $VS_BIN/vserver btva exec" 10.88.0.11
run_case veth-path "nsenter --net=/proc/$(init_pid btvb)/ns/net" \
  "nsenter --net=/proc/$(init_pid btva)/ns/net" 10.88.0.11
run_case shared "${N[*]} $VS_BIN/vserver btsb exec" "${N[*]} $VS_BIN/vserver btsa exec" 10.88.0.21
{
  printf 'case\tMiB/s\tratio_to_loopback\n'
  for c in loopback veth veth-path shared; do
    python3 -c 'import sys
print(f"{sys.argv[1]}\t{sys.argv[2]}\t{float(sys.argv[2])/float(sys.argv[3]):.2f}")' \
      "$c" "${res[$c]}" "${res[loopback]}"
  done
} | tee "$RESULTS/net_throughput.tsv"
