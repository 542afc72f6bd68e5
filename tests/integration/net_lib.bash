# Helpers of the network suites (net*.bats): a throwaway test "host" network namespace with a
# bridge br0 = the test LAN (192.0.2.0/24, a documentation range used only there), the real
# binary driven in it through nsenter, and a teardown that removes guests, netns, cgroups and
# temp dirs even when a test fails. No packet leaves the namespace.
#
# net_setup TAG         : temp prefix + cgroup parent + $WORK, netns $NS with br0 192.0.2.1/24,
#                         N=(nsenter --net=...) to run anything in it, GUESTS=() for teardown
# net_teardown          : stops every guest in GUESTS, kills $HOSTPID, removes all of the above
#                         (and a second netns "$NS-peer" if a test made one)
# v NAME ARGS...        : vserver inside the test netns
# mk NAME IFACE [MODE]  : builds a busybox guest with --interface IFACE (and interfaces/0/mode)
# retry CMD...          : up to 50 tries 0.1 s apart (a service just started may not listen yet)

# host_only (host_only.bash): marks a test the cgroup-v2 VM skips.
source "$(dirname "${BASH_SOURCE[0]}")/host_only.bash"

net_setup() {
  [[ $EUID -eq 0 ]] || skip "needs root"
  local tag=$1
  export VSERVER_PREFIX=$(mktemp -d "/tmp/vs-$tag-XXXXXX")
  export VSERVER_CGROUP_PARENT=vstest-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
  export WORK=$(mktemp -d "/tmp/vs-$tag-work-XXXXXX")
  NS=vs$tag-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
  ip netns add "$NS"
  N=(nsenter "--net=/run/netns/$NS")
  "${N[@]}" ip link set lo up
  "${N[@]}" ip link add br0 type bridge
  "${N[@]}" ip link set br0 up
  "${N[@]}" ip addr add 192.0.2.1/24 dev br0
  GUESTS=()
}

net_teardown() {
  local g h
  for g in "${GUESTS[@]}"; do v "$g" stop >/dev/null 2>&1 || true; done
  [[ -n "${HOSTPID:-}" ]] && kill "$HOSTPID" 2>/dev/null
  [[ -n "${NS:-}" ]] && ip netns del "$NS" 2>/dev/null
  [[ -n "${NS:-}" ]] && ip netns del "$NS-peer" 2>/dev/null
  local parent=$VSERVER_CGROUP_PARENT
  for h in /sys/fs/cgroup/*/"$parent" /sys/fs/cgroup/unified/"$parent"; do
    [[ -d $h ]] && find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  [[ -n "${VSERVER_PREFIX:-}" ]] && rm -rf "$VSERVER_PREFIX"
  [[ -n "${WORK:-}" ]] && rm -rf "$WORK"
  return 0
}

v() { "${N[@]}" "$VS_BIN/vserver" "$@"; }

mk() {
  v "$1" build -m skeleton --interface "$2" >/dev/null || return 1
  [[ -n "${3:-}" ]] && echo "$3" > "$VSERVER_PREFIX/etc/vservers/$1/interfaces/0/mode"
  GUESTS+=("$1")
}

retry() {
  for _ in $(seq 50); do "$@" && return 0; sleep 0.1; done
  "$@"
}
