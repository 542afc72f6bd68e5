#!/usr/bin/env bash
# Issue 3 bench: guest-to-guest TCP throughput over veth (two guests on a test bridge) and over
# shared mode (two shared guests, addresses on the bridge), as a ratio to host loopback, all in
# one throwaway network namespace (no packet leaves it). Tool: busybox nc + dd, a fixed byte
# count per transfer, elapsed time from /proc/uptime inside the sender (10 ms resolution; the
# exec overhead is excluded). Usage: bench/net_throughput.sh [MIB] [RUNS]
source "$(dirname "$0")/lib.sh"
mib=${1:-1024}
runs=${2:-5}
bench_prefix
ns=vsbench-$$
N=(nsenter "--net=/run/netns/$ns")  # not `ip netns exec`: it would hide /sys/fs/cgroup
v() { "${N[@]}" "$VS_BIN/vserver" "$@"; }
guests=(btva btvb btsa btsb)
cleanup() {
  for g in "${guests[@]}"; do v "$g" stop >/dev/null 2>&1 || true; done
  for g in "${guests[@]}"; do v "$g" delete --force >/dev/null 2>&1 || true; done
  [[ -n "${hostsrv:-}" ]] && kill "$hostsrv" 2>/dev/null
  ip netns del "$ns" 2>/dev/null || true
  for h in /sys/fs/cgroup/*/"$VSERVER_CGROUP_PARENT" /sys/fs/cgroup/unified/"$VSERVER_CGROUP_PARENT"; do
    [[ -d $h ]] && find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rm -rf "$VSERVER_PREFIX" "${bbdir:-}"
}
trap cleanup EXIT

ip netns add "$ns"
"${N[@]}" ip link set lo up
"${N[@]}" ip link add br0 type bridge
"${N[@]}" ip link set br0 up
"${N[@]}" ip addr add 10.88.0.1/24 dev br0

v btva build -m skeleton --interface eth0=br0:10.88.0.10/24 >/dev/null
v btvb build -m skeleton --interface eth0=br0:10.88.0.11/24 >/dev/null
v btsa build -m skeleton --interface br0:10.88.0.20/24 >/dev/null
v btsb build -m skeleton --interface br0:10.88.0.21/24 >/dev/null
echo shared > "$VSERVER_PREFIX/etc/vservers/btsa/interfaces/0/mode"
echo shared > "$VSERVER_PREFIX/etc/vservers/btsb/interfaces/0/mode"
for g in "${guests[@]}"; do v "$g" start; done

# The sender script: prints elapsed centiseconds of dd | nc for MIB MiB to IP PORT.
send='a=$(cut -d" " -f1 /proc/uptime); dd if=/dev/zero bs=1048576 count='"$mib"' 2>/dev/null | nc $0 $1 || exit 1; b=$(cut -d" " -f1 /proc/uptime); echo "$a $b"'

# one LABEL SERVER-PREFIX CLIENT-PREFIX IP PORT: one bounded transfer; prints MiB/s.
one() {
  local label=$1 srv=$2 cli=$3 ip=$4 port=$5
  # Server: nc -l discarding everything, detached so exec returns. Its stdin must not hit EOF:
  # busybox nc quits as soon as stdin ends, before reading the socket (hence the sleep).
  $srv sh -c "(sleep 120 | nc -l -p $port >/dev/null 2>&1) </dev/null >/dev/null 2>&1 &"
  sleep 0.3
  local t; t=$(timeout 120 $cli sh -c "$send" "$ip" "$port") || { echo "$label: transfer failed" >&2; return 1; }
  python3 -c 'import sys; a,b=map(float,sys.argv[1].split()); print(f"{float(sys.argv[2])/(b-a):.1f}")' "$t" "$mib"
}

declare -A res
run_case() {  # label server-prefix client-prefix ip
  local xs=() i
  for i in $(seq "$runs"); do xs+=("$(one "$@" $((5000 + i)))"); done
  res[$1]=$(printf '%s\n' "${xs[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  echo "$1: runs ${xs[*]} MiB/s; median ${res[$1]}" >&2
}
bbdir=$(mktemp -d /tmp/vs-bench-bb.XXXXXX)  # host side: busybox nc/dd/cut like the guests
for a in nc dd cut sh; do ln -s "$(command -v busybox)" "$bbdir/$a"; done
H="${N[*]} env PATH=$bbdir:$PATH busybox"
run_case loopback "$H" "$H" 127.0.0.1
run_case veth "${N[*]} $VS_BIN/vserver btvb exec" "${N[*]} $VS_BIN/vserver btva exec" 10.88.0.11
run_case shared "${N[*]} $VS_BIN/vserver btsb exec" "${N[*]} $VS_BIN/vserver btsa exec" 10.88.0.21
{
  printf 'case\tMiB/s\tratio_to_loopback\n'
  for c in loopback veth shared; do
    python3 -c 'import sys; print(f"{sys.argv[1]}\t{sys.argv[2]}\t{float(sys.argv[2])/float(sys.argv[3]):.2f}")' "$c" "${res[$c]}" "${res[loopback]}"
  done
} | tee "$RESULTS/net_throughput.tsv"
