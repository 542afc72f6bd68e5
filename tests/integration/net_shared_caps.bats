#!/usr/bin/env bats
# Shared network mode (no network namespace): the guest's bounding set lacks CAP_NET_RAW and
# CAP_NET_ADMIN (net::required_cap_drops), even when bcapabilities asks for them, for init and
# for exec'd processes; a guest with its own network namespace keeps what it asked for.

setup() {
  [[ $EUID -eq 0 ]] || skip "needs root"
  export VSERVER_PREFIX=$(mktemp -d /tmp/vs-netcaps-XXXXXX)
  export VSERVER_CGROUP_PARENT=vstest-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
  NS=vsnetcaps-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
  ip netns add "$NS"
  N=(nsenter "--net=/run/netns/$NS")
  "${N[@]}" ip link set lo up
  "${N[@]}" ip link add br0 type bridge
  "${N[@]}" ip link set br0 up
  "${N[@]}" ip addr add 192.0.2.1/24 dev br0
  GUESTS=()
}

teardown() {
  for g in "${GUESTS[@]}"; do v "$g" stop >/dev/null 2>&1 || true; done
  [[ -n "${NS:-}" ]] && ip netns del "$NS" 2>/dev/null
  for h in /sys/fs/cgroup/*/"$VSERVER_CGROUP_PARENT" /sys/fs/cgroup/unified/"$VSERVER_CGROUP_PARENT"; do
    [[ -d $h ]] && find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  [[ -n "${VSERVER_PREFIX:-}" ]] && rm -rf "$VSERVER_PREFIX"
  return 0
}

v() { "${N[@]}" "$VS_BIN/vserver" "$@"; }

# mk NAME IFACE-SPEC [MODE]: a busybox guest whose bcapabilities ask for NET_RAW and NET_ADMIN.
mk() {
  v "$1" build -m skeleton --interface "$2" >/dev/null || return 1
  [[ -n "${3:-}" ]] && echo "$3" > "$VSERVER_PREFIX/etc/vservers/$1/interfaces/0/mode"
  printf 'NET_RAW\nNET_ADMIN\n' > "$VSERVER_PREFIX/etc/vservers/$1/bcapabilities"
  GUESTS+=("$1")
}

# bit MASK N: 1 when capability number N is in the hex mask.
bit() { echo $(( (0x$1 >> $2) & 1 )); }

capbnd() { v "$1" exec cat /proc/self/status | awk '$1 == "CapBnd:" { print $2 }'; }

@test "shared mode: init and exec'd processes lack CAP_NET_RAW (13) and CAP_NET_ADMIN (12)" {
  mk gs br0:192.0.2.30/24 shared
  mk gv br0:192.0.2.31/24
  v gs start
  v gv start
  bnd=$(capbnd gs)
  echo "shared CapBnd: $bnd"
  [[ -n $bnd ]]
  [ "$(bit "$bnd" 13)" = 0 ]
  [ "$(bit "$bnd" 12)" = 0 ]
  # The guest's init too (pid 1 of its pid namespace).
  init=$(v gs exec cat /proc/1/status | awk '$1 == "CapBnd:" { print $2 }')
  [ "$(bit "$init" 13)" = 0 ]
  [ "$(bit "$init" 12)" = 0 ]
  # Control: the same bcapabilities in a guest with its own network namespace are kept.
  own=$(capbnd gv)
  echo "own-netns CapBnd: $own"
  [ "$(bit "$own" 13)" = 1 ]
  [ "$(bit "$own" 12)" = 1 ]
  # What the bits stand for: the shared guest cannot change the host's links.
  run v gs exec ip link set br0 down
  [ "$status" -ne 0 ]
  "${N[@]}" ip link show br0 | grep -q "state UP\|,UP"
}
