#!/usr/bin/env bats
# Guest networking end to end (docs/network.md): every test runs in a network namespace it
# creates (the test "host" with a bridge br0 = the test LAN, 192.0.2.0/24, a documentation
# range used only there) and drives the real binary in it through nsenter.

load net_lib

setup() { net_setup net; }
teardown() { net_teardown; }

@test "veth guests on a test bridge reach each other; a guest sees its eth0 IP, cannot change it" {
    no_cgroup
  mk ga eth0=br0:192.0.2.10/24
  mk gb br0:192.0.2.11/24
  v ga start
  v gb start
  run v ga exec ip -4 addr show eth0
  [[ $output == *"inet 192.0.2.10/24"* ]] || { echo "$output"; false; }
  v gb exec httpd -p 8080 -h /etc
  run retry v ga exec wget -qO- http://192.0.2.11:8080/hostname
  [[ $status -eq 0 && $output == gb* ]] || { echo "$output"; false; }
  # No CAP_NET_ADMIN: the guest cannot add, remove or re-address.
  run v ga exec ip addr add 192.0.2.99/24 dev eth0
  [[ $status -ne 0 ]]
  run v ga exec ip addr del 192.0.2.10/24 dev eth0
  [[ $status -ne 0 ]]
  run v ga exec ip -4 addr show eth0
  [[ $output == *"192.0.2.10/24"* && $output != *192.0.2.99* ]]
}

@test "a duplicate address is refused at config edit, ip change, start and build, naming both" {
    host_only
  mk ga br0:192.0.2.10/24
  mk gb br0:192.0.2.11/24
  v ga start
  run v ga ip add 192.0.2.11
  [[ $status -ne 0 && $output == *'"ga"'* && $output == *'"gb"'* ]] || { echo "$output"; false; }
  run v ga ip change 192.0.2.10 192.0.2.11
  [[ $status -ne 0 && $output == *'"gb"'* ]] || { echo "$output"; false; }
  [[ "$(cat $VSERVER_PREFIX/etc/vservers/ga/interfaces/0/ip)" == 192.0.2.10 ]]
  [[ ! -e $VSERVER_PREFIX/etc/vservers/ga/interfaces/1 ]]
  # The host's own address.
  run v ga ip add 192.0.2.1
  [[ $status -ne 0 && $output == *"present on the host"* ]] || { echo "$output"; false; }
  # A config edited by hand behind our back is still refused at start.
  echo 192.0.2.10 > "$VSERVER_PREFIX/etc/vservers/gb/interfaces/0/ip"
  run v gb start
  [[ $status -ne 0 && $output == *'"gb"'* && $output == *'"ga"'* ]] || { echo "$output"; false; }
  run v gb status
  [[ $status -eq 3 ]]
  # build
  run v gc build -m skeleton --interface br0:192.0.2.10/24
  [[ $status -ne 0 && $output == *'"ga"'* ]] || { echo "$output"; false; }
}

@test "two concurrent starts never both take one address" {
    host_only
  mk gd br0:192.0.2.20/24
  mk ge br0:192.0.2.21/24
  echo 192.0.2.20 > "$VSERVER_PREFIX/etc/vservers/ge/interfaces/0/ip"
  v gd start >/dev/null 2>&1 & p1=$!
  v ge start >/dev/null 2>&1 & p2=$!
  wait $p1 && s1=0 || s1=1
  wait $p2 && s2=0 || s2=1
  (( s1 + s2 >= 1 ))
  run v gd ip list
  n=0
  v gd running && n=$((n+1))
  v ge running && n=$((n+1))
  (( n <= 1 ))
}

@test "re-addressing keeps processes; the service answers on the new address; a failed one: no-op" {
    no_cgroup
  mk ga br0:192.0.2.10/24
  v ga start
  v ga exec httpd -p 8080 -h /etc
  pid=$(retry v ga exec pidof httpd)
  [[ -n $pid ]]
  retry "${N[@]}" busybox wget -qO- http://192.0.2.10:8080/hostname >/dev/null
  v ga ip change 192.0.2.10 192.0.2.12
  [[ "$(cat $VSERVER_PREFIX/etc/vservers/ga/interfaces/0/ip)" == 192.0.2.12 ]]
  [[ "$(v ga exec pidof httpd)" == "$pid" ]]
  run retry "${N[@]}" busybox wget -qO- http://192.0.2.12:8080/hostname
  [[ $status -eq 0 && $output == ga* ]] || { echo "$output"; false; }
  run v ga exec ip -4 addr show eth0
  [[ $output == *192.0.2.12/24* && $output != *192.0.2.10* ]] || { echo "$output"; false; }
  run v ga ip list
  [[ $output == *"192.0.2.12"*yes* ]] || { echo "$output"; false; }
  # A change that fails live (no such bridge) leaves config and guest as they were.
  run v ga ip add 192.0.2.13 --dev nosuchbr0 --mode veth --name eth1
  [[ $status -ne 0 ]]
  [[ ! -e $VSERVER_PREFIX/etc/vservers/ga/interfaces/1 ]]
  run v ga exec ip -4 addr
  [[ $output != *192.0.2.13* && $output != *eth1* ]] || { echo "$output"; false; }
  # Adding and removing an address live.
  v ga ip add 192.0.2.14
  run v ga exec ip -4 addr show eth0
  [[ $output == *192.0.2.14/24* ]] || { echo "$output"; false; }
  v ga ip del 192.0.2.14
  run v ga exec ip -4 addr show eth0
  [[ $output != *192.0.2.14* ]]
  [[ ! -e $VSERVER_PREFIX/etc/vservers/ga/interfaces/1 ]]
}

@test "shared mode: the guest binds and connects only from its address, cannot leave its cgroup" {
  mk gs br0:192.0.2.30/24 shared
  # A host service that reports who connected (busybox httpd CGI REMOTE_ADDR).
  mkdir -p "$WORK/www/cgi-bin"
  printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' \
    > "$WORK/www/cgi-bin/who"
  chmod +x "$WORK/www/cgi-bin/who"
  "${N[@]}" busybox httpd -f -p 9002 -h "$WORK/www" & HOSTPID=$!
  v gs start
  "${N[@]}" ip -4 addr show br0 | grep -q 192.0.2.30/24
  run v gs exec httpd -f -p 192.0.2.1:9000
  [[ $status -ne 0 && $output == *"Operation not permitted"* ]] || { echo "$output"; false; }
  v gs exec httpd -p 192.0.2.30:9001 -h /etc
  run retry "${N[@]}" busybox wget -qO- http://192.0.2.30:9001/hostname
  [[ $status -eq 0 && $output == gs* ]] || { echo "$output"; false; }
  run retry v gs exec wget -qO- http://192.0.2.1:9002/cgi-bin/who
  [[ $status -eq 0 && $output == *192.0.2.30* ]] || { echo "$output"; false; }
  # Host cgroupfs: not writable from the guest, so it cannot leave its cgroup.
  before=$(v gs exec cat /proc/self/cgroup)
  run v gs exec sh -c 'echo $$ > /sys/fs/cgroup/unified/cgroup.procs'
  [[ $status -ne 0 ]]
  run v gs exec sh -c 'echo $$ > /sys/fs/cgroup/unified/cgroup.procs; cat /proc/self/cgroup'
  [[ "$(v gs exec cat /proc/self/cgroup)" == "$before" ]]
  v gs stop
  run "${N[@]}" ip -4 addr show br0
  [[ $output != *192.0.2.30* ]]
}

@test "stop removes every link, address and route: 20 start/stop cycles leave the same counts" {
    no_cgroup
  mk ga eth0=br0:192.0.2.10/24
  echo 192.0.2.1 > "$VSERVER_PREFIX/etc/vservers/ga/interfaces/0/gateway"
  count() {
    echo "links=$("${N[@]}" ip -o link | wc -l) addrs=$("${N[@]}" ip -o addr | wc -l)" \
         "routes=$("${N[@]}" ip route | wc -l)/$("${N[@]}" ip -6 route | wc -l)"
  }
  before=$(count)
  inodes=()
  for i in $(seq 20); do
    v ga start
    inodes+=("$(v ga exec readlink /proc/self/ns/net)")
    v ga stop
  done
  # The kernel destroys a stopped guest's namespace, with the veth end in it, asynchronously
  # (stop does not wait for its RCU grace periods): the counts settle within moments.
  settled() { after=$(count); [[ "$before" == "$after" ]]; }
  retry settled || { echo "before: $before"; echo "after:  $after"; false; }
  # No guest's network namespace survives its stop (no process, fd or mount pins it).
  live=$(for f in /proc/[0-9]*/ns/net; do readlink "$f" 2>/dev/null; done | sort -u)
  for ino in "${inodes[@]}"; do
    [[ $ino == net:* ]]
    ! grep -qx "$ino" <<<"$live" || { echo "$ino still alive"; false; }
  done
  ! grep -q "$ino" /proc/self/mountinfo
}

@test "stop deletes the host end of a guest whose network namespace something else still pins" {
    no_cgroup
  mk ga eth0=br0:192.0.2.10/24
  v ga start
  host_end=$("${N[@]}" ip -o link show master br0 | awk -F': ' '{ print $2 }' | cut -d@ -f1)
  [[ $host_end == vs* ]] || { echo "host end: $host_end"; false; }
  pid=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['init_pid'])" \
    "$VSERVER_PREFIX/run/vservers/ga/state.json")
  touch "$WORK/pin"
  mount --bind "/proc/$pid/ns/net" "$WORK/pin"
  v ga stop
  run "${N[@]}" ip link show "$host_end"
  umount "$WORK/pin"
  [[ $status -ne 0 ]] || { echo "$output"; false; }
}

@test "a start killed after its network setup leaves a host end; the next start takes it over" {
    no_cgroup
  grep -q VSERVER_FAULT "$VS_BIN/vserver" ||
    skip "vserver built without VS_FAULT_INJECTION (no VSERVER_FAULT points)"
  mk ga eth0=br0:192.0.2.10/24
  run env VSERVER_FAULT=after-net:kill "${N[@]}" "$VS_BIN/vserver" ga start
  [[ $status -ne 0 ]]
  # The killed start's veth is there (its namespace dies with the waiting init, or the next
  # start's repair kills that): the restart must not trip over the host end's name.
  run "${N[@]}" "$VS_BIN/vserver" ga start
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  run v ga exec ip -4 addr show eth0
  [[ $output == *"inet 192.0.2.10/24"* ]] || { echo "$output"; false; }
  run retry "${N[@]}" busybox ping -c1 -W1 192.0.2.10
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  host_end=$("${N[@]}" ip -o link show master br0 |
    awk -F': ' '$2 ~ /^vs/ && $0 ~ /state UP/ { print $2 }' | cut -d@ -f1)
  [[ $host_end == vs*.0 ]] || { "${N[@]}" ip -o link; false; }
  v ga stop
  # Renamed or not, every host end of the killed start and of this one goes with its
  # namespace: only br0 (and lo) are left once the kernel is done.
  only_bridge() { [[ "$("${N[@]}" ip -o link | grep -vc -e ': lo:' -e ': br0:')" == 0 ]]; }
  retry only_bridge || { "${N[@]}" ip -o link; false; }
}

@test "a start whose host end name a veth in use holds is refused, naming it; that veth stays" {
    no_cgroup
  mk ga eth0=br0:192.0.2.10/24
  v ga start
  host_end=$("${N[@]}" ip -o link show master br0 | awk -F': ' '{ print $2 }' | cut -d@ -f1)
  v ga stop
  only_bridge() { ! "${N[@]}" ip link show "$host_end" >/dev/null 2>&1; }
  retry only_bridge
  # Someone else's veth under that name, its peer in a namespace that lives on (net_teardown
  # removes "$NS-peer" if the test stops early).
  ip netns add "$NS-peer"
  "${N[@]}" ip link add "$host_end" type veth peer name other0 netns "$NS-peer"
  run v ga start
  left=$("${N[@]}" ip -o link show "$host_end" 2>&1)
  ip netns del "$NS-peer"
  [[ $left == *"$host_end@"* ]] || { echo "$left"; false; }
  [[ $status -ne 0 ]]
  [[ $output == *"host end $host_end exists and its peer's network namespace is alive"* ]] ||
    { echo "$output"; false; }
  ! v ga running
}

@test "status and vserver-stat --json show a running guest's addresses; a stopped guest has none" {
    host_only
  mk ga eth0=br0:192.0.2.10/24
  mk gs br0:192.0.2.30/24 shared
  v ga start
  v gs start
  run v ga status
  [[ $status -eq 0 && $output == *"Addresses:           192.0.2.10/24 (eth0)"* ]] ||
    { echo "$output"; false; }
  run v gs status
  [[ $status -eq 0 && $output == *"Addresses:           192.0.2.30/24 (br0)"* ]] ||
    { echo "$output"; false; }
  # Live, not the config: a re-addressed guest shows its new address at once.
  v ga ip add 192.0.2.14
  run v ga status --json
  [[ $status -eq 0 ]]
  addrs=$(python3 -c '
import json, sys
addrs = json.load(sys.stdin)["addresses"]
print(" ".join("%s/%d@%s" % (a["ip"], a["prefix"], a["dev"]) for a in addrs))' <<<"$output")
  [[ $addrs == "192.0.2.10/24@eth0 192.0.2.14/24@eth0" ]] || { echo "$addrs"; false; }
  run "${N[@]}" "$VS_BIN/vserver-stat" --json
  [[ $status -eq 0 ]]
  rows=$(python3 -c '
import json, sys
for r in json.load(sys.stdin):
    a = r["addresses"]
    print(r["name"], "null" if a is None else ",".join(x["ip"] for x in a))' <<<"$output")
  [[ $rows == *"root server null"* && $rows == *"ga 192.0.2.10,192.0.2.14"* &&
     $rows == *"gs 192.0.2.30"* ]] || { echo "$rows"; false; }
  # The table keeps util-vserver's columns.
  run "${N[@]}" "$VS_BIN/vserver-stat"
  [[ ${lines[0]} == "CTX   PROC    VSZ    RSS  userTIME   sysTIME    UPTIME NAME" ]]
  v ga stop
  run v ga status --json
  [[ $status -eq 3 && $output == *'"addresses":[]'* ]] || { echo "$output"; false; }
  run v ga status
  [[ $output != *Addresses* ]]
}
