#!/usr/bin/env bats
# `vserver NAME ip` and the config writer end to end: address conflicts with other guests'
# configs (an unreadable one refuses, naming it), and a save that fails undoing the live
# change. Runs in a network namespace it creates, like net.bats (net_lib.bash).

load net_lib

setup() { net_setup ipcfg; }
teardown() { net_teardown; }

cfg() { echo "$VSERVER_PREFIX/etc/vservers/$1"; }

# No writer leftovers (".NAME.tmp.PID...") anywhere under the config dir.
no_leftovers() {
  local left
  left=$(find "$VSERVER_PREFIX/etc/vservers" -name '.*.tmp.*')
  [[ -z $left ]] || { echo "left behind: $left"; false; }
}

# vserver in a private mount namespace where guest $1's config dir is a read-only bind mount
# (unshare -m makes the mount private: the host never sees it).
v_ro() { ro_in "$(cfg "$1")" "$@"; }
# The same with DIR read-only: ro_in DIR NAME ARGS...
ro_in() {
  local dir=$1
  shift
  unshare -m -- sh -c 'mount --bind -o ro "$1" "$1" && shift && exec "$@"' sh "$dir" \
    "${N[@]}" "$VS_BIN/vserver" "$@"
}

@test "ip add refuses an address a stopped guest is configured with, naming both guests and file" {
  mk ga br0:192.0.2.10/24
  mk gb br0:192.0.2.11/24
  run v ga ip add 192.0.2.11/24
  [[ $status -eq 1 ]] || { echo "$status $output"; false; }
  [[ $output == *'"ga"'* && $output == *'"gb"'* && $output == *interfaces/0* ]] ||
    { echo "$output"; false; }
  [[ ! -e $(cfg ga)/interfaces/1 ]]
  run v ga ip change 192.0.2.10 192.0.2.11
  [[ $status -eq 1 && $output == *'"gb"'* ]] || { echo "$output"; false; }
  [[ "$(cat "$(cfg ga)/interfaces/0/ip")" == 192.0.2.10 ]]
  # Disabled in gb: free for ga.
  touch "$(cfg gb)/interfaces/0/disabled"
  v ga ip add 192.0.2.11/24
  [[ "$(cat "$(cfg ga)/interfaces/1/ip")" == 192.0.2.11 ]]
  no_leftovers
}

@test "another guest's unreadable config refuses ip add, start and build, naming guest and file" {
  mk ga br0:192.0.2.10/24
  mk gb br0:192.0.2.11/24
  rm "$(cfg gb)/interfaces/0/ip"
  ln -s "$WORK/nowhere" "$(cfg gb)/interfaces/0/ip"
  run v ga ip add 192.0.2.12
  [[ $status -ne 0 && $output == *'"gb"'* && $output == *"$(cfg gb)/interfaces/0/ip"* ]] ||
    { echo "$output"; false; }
  [[ ! -e $(cfg ga)/interfaces/1 ]]
  run v ga start
  [[ $status -ne 0 && $output == *'"gb"'* && $output == *"$(cfg gb)/interfaces/0/ip"* ]] ||
    { echo "$output"; false; }
  run v ga status
  [[ $status -eq 3 ]]
  run v gc build -m skeleton --interface br0:192.0.2.13/24
  [[ $status -ne 0 && $output == *'"gb"'* && $output == *"$(cfg gb)/interfaces/0/ip"* ]] ||
    { echo "$output"; false; }
  [[ ! -e $(cfg gc) ]]
  # A bad value there is refused the same way.
  rm "$(cfg gb)/interfaces/0/ip"
  echo 300.1.1.1 > "$(cfg gb)/interfaces/0/ip"
  run v ga ip add 192.0.2.12
  [[ $status -ne 0 && $output == *'"gb"'* && $output == *300.1.1.1* ]] || { echo "$output"; false; }
  # Repaired: everything works again.
  echo 192.0.2.11 > "$(cfg gb)/interfaces/0/ip"
  v ga ip add 192.0.2.12
  v ga start
  no_leftovers
}

@test "a bad value is refused before anything changes, live or saved (exit 2)" {
  mk ga br0:192.0.2.10/24
  v ga start
  run v ga ip add 300.1.1.1
  [[ $status -eq 2 && $output == *300.1.1.1* ]] || { echo "$status $output"; false; }
  run v ga ip add 192.0.2.20 --mac zz:zz
  [[ $status -eq 2 && $output == *interfaces/1/mac* && $output == *zz:zz* ]] ||
    { echo "$status $output"; false; }
  run v ga ip add 192.0.2.10
  [[ $status -eq 2 ]] || { echo "$status $output"; false; }  # the guest's own address twice
  run v ga ip del 192.0.2.99
  [[ $status -eq 2 && $output == *192.0.2.99* ]] || { echo "$status $output"; false; }
  [[ ! -e $(cfg ga)/interfaces/1 ]]
  run v ga exec ip -4 -o addr show eth0
  [[ $output == *192.0.2.10/24* && $output != *192.0.2.20* ]] || { echo "$output"; false; }
  no_leftovers
}

@test "a failed save (read-only config dir) undoes the live change; the config stays as it was" {
  mk ga br0:192.0.2.10/24
  v ga start
  before=$(find "$(cfg ga)" -printf '%P %s %m\n' | sort)
  # add
  run v_ro ga ip add 192.0.2.14
  [[ $status -eq 1 ]] || { echo "$status $output"; false; }
  [[ $output == *"Read-only file system"* && $output == *"live change undone"* ]] ||
    { echo "$output"; false; }
  run v ga exec ip -4 -o addr
  [[ $output == *192.0.2.10/24* && $output != *192.0.2.14* ]] || { echo "$output"; false; }
  # change: the old address stays live, the new one never stays
  run v_ro ga ip change 192.0.2.10 192.0.2.15
  [[ $status -eq 1 && $output == *"live change undone"* ]] || { echo "$status $output"; false; }
  run v ga exec ip -4 -o addr
  [[ $output == *192.0.2.10/24* && $output != *192.0.2.15* ]] || { echo "$output"; false; }
  [[ "$(find "$(cfg ga)" -printf '%P %s %m\n' | sort)" == "$before" ]]
  # The same changes with a writable config go through, live and saved.
  v ga ip add 192.0.2.14
  run v ga exec ip -4 -o addr
  [[ $output == *192.0.2.14/24* ]] || { echo "$output"; false; }
  [[ "$(cat "$(cfg ga)/interfaces/1/ip")" == 192.0.2.14 ]]
  # del with a read-only config: the address comes back live
  run v_ro ga ip del 192.0.2.14
  [[ $status -eq 1 && $output == *"live change undone"* ]] || { echo "$status $output"; false; }
  run v ga exec ip -4 -o addr
  [[ $output == *192.0.2.14/24* ]] || { echo "$output"; false; }
  [[ -e $(cfg ga)/interfaces/1/ip ]]
  # The whole config base read-only: not even the check can be staged. A failure to act
  # (exit 1), not bad input, and nothing changes live.
  run ro_in "$VSERVER_PREFIX/etc/vservers" ga ip add 192.0.2.16
  [[ $status -eq 1 && $output == *"Read-only file system"* ]] || { echo "$status $output"; false; }
  run v ga exec ip -4 -o addr
  [[ $output != *192.0.2.16* ]] || { echo "$output"; false; }
  no_leftovers
}

@test "concurrent ip add of one address to two guests: exactly one gets it" {
  mk ga br0:192.0.2.10/24
  mk gb br0:192.0.2.11/24
  local k n
  for k in $(seq 40 49); do
    v ga ip add "192.0.2.$k" >/dev/null 2>&1 & p1=$!
    v gb ip add "192.0.2.$k" >/dev/null 2>&1 & p2=$!
    wait $p1 && s1=0 || s1=1
    wait $p2 && s2=0 || s2=1
    n=$(grep -lx "192.0.2.$k" "$(cfg ga)"/interfaces/*/ip "$(cfg gb)"/interfaces/*/ip | wc -l)
    [[ $n -eq 1 && $((s1 + s2)) -eq 1 ]] ||
      { echo "192.0.2.$k: configured $n times, exits $s1 $s2"; false; }
  done
  no_leftovers
}
