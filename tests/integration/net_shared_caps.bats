#!/usr/bin/env bats
# Shared network mode (no network namespace): the guest's bounding set lacks CAP_NET_RAW and
# CAP_NET_ADMIN (net::required_cap_drops), even when bcapabilities asks for them, for init and
# for exec'd processes; a guest with its own network namespace keeps what it asked for.

load net_lib

setup() { net_setup netcaps; }
teardown() { net_teardown; }

# mk_caps NAME IFACE-SPEC [MODE]: a busybox guest whose bcapabilities ask for NET_RAW and
# NET_ADMIN.
mk_caps() {
  mk "$@" || return 1
  printf 'NET_RAW\nNET_ADMIN\n' > "$VSERVER_PREFIX/etc/vservers/$1/bcapabilities"
}

# bit MASK N: 1 when capability number N is in the hex mask.
bit() { echo $(( (0x$1 >> $2) & 1 )); }

capbnd() { v "$1" exec cat /proc/self/status | awk '$1 == "CapBnd:" { print $2 }'; }

@test "shared mode: init and exec'd processes lack CAP_NET_RAW (13) and CAP_NET_ADMIN (12)" {
  mk_caps gs br0:192.0.2.30/24 shared
  mk_caps gv br0:192.0.2.31/24
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
