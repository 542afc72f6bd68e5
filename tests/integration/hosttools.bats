#!/usr/bin/env bats
# Host tools (vps, vpstree, vtop, vkill, vserver-stat) on fake guests: real cgroups under a
# random test parent, holding sleep processes this file starts, and config dirs with a
# `context` file under a temp VSERVER_PREFIX. Every process is killed by pid in teardown.

bats_require_minimum_version 1.5.0
# shellcheck source=host_only.bash
source "$BATS_TEST_DIRNAME/host_only.bash"

setup_file() {
  [[ $EUID -eq 0 ]] || skip "needs root"
  # The guests' cgroups, where the tools look for them: the v1 pids hierarchy (plus the hybrid
  # cgroup2 at unified), or on a pure cgroup v2 host the root itself ("." below /sys/fs/cgroup).
  local hs=()
  if [[ -d /sys/fs/cgroup/pids ]]; then
    hs=(pids); [[ -d /sys/fs/cgroup/unified ]] && hs+=(unified)
  elif [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
    hs=(.)
  else
    skip "needs a v1 pids hierarchy or cgroup v2 at /sys/fs/cgroup"
  fi
  export VSERVER_PREFIX=$(mktemp -d /tmp/vs-hosttools-XXXXXX)
  export VSERVER_CGROUP_PARENT=vstest-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
  export PATH="$VS_BIN:$PATH"
  echo "${hs[*]}" > "$VSERVER_PREFIX/hierarchies"
  for g in alpha:5101 beta:5102; do
    local name=${g%%:*} xid=${g##*:}
    mkdir -p "$VSERVER_PREFIX/etc/vservers/$name"
    echo "$xid" > "$VSERVER_PREFIX/etc/vservers/$name/context"
    for h in "${hs[@]}"; do mkdir -p "/sys/fs/cgroup/$h/$VSERVER_CGROUP_PARENT/$name"; done
  done
  : > "$VSERVER_PREFIX/pids"
}

teardown_file() {
  [[ -n "${VSERVER_PREFIX:-}" && -f "$VSERVER_PREFIX/pids" ]] || return 0
  while read -r p; do kill -9 "$p" 2>/dev/null || true; done < "$VSERVER_PREFIX/pids"
  sleep 0.2
  for h in $(cat "$VSERVER_PREFIX/hierarchies"); do
    for d in /sys/fs/cgroup/$h/$VSERVER_CGROUP_PARENT/*/; do [[ -d $d ]] && rmdir "$d"; done
    rmdir "/sys/fs/cgroup/$h/$VSERVER_CGROUP_PARENT" 2>/dev/null || true
  done
  tmux -L "vstest-$VSERVER_CGROUP_PARENT" kill-server 2>/dev/null || true
  rm -rf "$VSERVER_PREFIX"
}

# spawn GUEST: starts a sleep (in GUEST, or on the host for MAIN) and prints its pid.
spawn() {
  # No inherited stdout: $(spawn ...) would otherwise wait for the sleep to exit.
  sleep 100000 >/dev/null 2>&1 &
  local p=$!
  echo "$p" >> "$VSERVER_PREFIX/pids"
  [[ $1 == MAIN ]] || into "$p" "$1"
  echo "$p"
}

into() {
  local h
  for h in $(cat "$VSERVER_PREFIX/hierarchies"); do
    echo "$1" > "/sys/fs/cgroup/$h/$VSERVER_CGROUP_PARENT/$2/cgroup.procs"
  done
}

# label PID OUTPUT: the CONTEXT text vps printed for PID (columns after PID, 20 wide).
vps_label() {
  vps -e -o pid,comm | awk -v p="$1" '$1 == p { print $2, $3 }'
}

@test "vps labels host processes 0 MAIN and guest processes 'xid name'" {
  pa=$(spawn alpha); pb=$(spawn beta); ph=$(spawn MAIN)
  [ "$(vps_label "$pa")" = "5101 alpha" ]
  [ "$(vps_label "$pb")" = "5102 beta" ]
  [ "$(vps_label "$ph")" = "0 MAIN" ]
  [ "$(vps_label 1)" = "0 MAIN" ]
}

@test "vps accepts ps's usual forms and inserts CONTEXT right after PID" {
    no_cgroup
  spawn alpha >/dev/null
  for form in "aux" "-ef" "a" "-o pid,comm" "-e" "ax" "-eo comm,pid"; do
    # vps exits as ps does ("ps a" without a terminal selects nothing and exits 1).
    want=0; ps $form >/dev/null 2>&1 || want=$?
    run -$want vps $form
    header=${lines[0]}
    [[ "$header" =~ PID\ CONTEXT ]] || { echo "form $form: $header"; false; }
  done
  run -0 vps aux
  [[ "$output" == *"5101 alpha"* ]]
  # The column is 20 wide: on the header, CONTEXT starts 1 after PID, the next column 20 after.
  run -0 vps -e -o pid,comm
  [[ "${lines[0]}" =~ ^\ *PID\ CONTEXT\ {13}COMMAND$ ]] || { echo "${lines[0]}"; false; }
  # A format without PID gets one.
  run -0 vps -e -o comm
  [[ "${lines[0]}" == *"PID CONTEXT"* ]]
}

@test "vps --context filters by name, xid and MAIN" {
    no_cgroup
  pa=$(spawn alpha); pb=$(spawn beta)
  run -0 vps --context alpha -e -o pid,comm
  [[ "$output" == *"$pa 5101 alpha"* ]]
  [[ "$output" != *"beta"* && "$output" != *"MAIN"* ]]
  run -0 vps --context 5102 -e -o pid,comm
  [[ "$output" == *"5102 beta"* && "$output" != *alpha* ]]
  run -0 vps --context MAIN -e -o pid,comm
  [[ "$output" != *alpha* && "$output" != *beta* && "$output" == *"0 MAIN"* ]]
  run -2 vps --context nosuchguest -e
}

@test "vps --json: the documented schema" {
    no_cgroup
  pa=$(spawn alpha)
  run -0 vps --json
  echo "$output" | jq -e 'type == "array" and length > 2'
  echo "$output" | jq -e --argjson p "$pa" '.[] | select(.pid == $p) |
      .xid == 5101 and .guest == "alpha" and .context == "5101 alpha" and .comm == "sleep"
      and (.cmdline | startswith("sleep")) and .state != "" and (.ppid | type) == "number"
      and (.uid | type) == "number" and (.user | type) == "string"
      and .rss_bytes > 0 and .vsz_bytes > 0 and (.cpu_user_ms | type) == "number"
      and (.cpu_system_ms | type) == "number" and .start_unix > 1000000000
      and (.threads | type) == "number" and .kernel_thread == false'
  echo "$output" |
    jq -e '.[] | select(.pid == 1) | .xid == 0 and .guest == null and .context == "0 MAIN"'
  run -0 vps --json --context alpha
  echo "$output" | jq -e 'length >= 1 and all(.[]; .guest == "alpha")'
}

@test "a process moved into a guest while vps runs is labelled with that guest" {
  ph=$(spawn MAIN)
  [ "$(vps_label "$ph")" = "0 MAIN" ]
  # Move it while a vps loop is running; every later vps must see the guest.
  ( for i in $(seq 20); do vps -e -o pid,comm >/dev/null; done ) &
  loop=$!
  into "$ph" beta
  wait "$loop"
  run vps_label "$ph"
  echo "label: $output"
  [ "$output" = "5102 beta" ]
}

@test "vpstree labels guests, whole host and one guest" {
    no_cgroup
  pa=$(spawn alpha)
  run -0 vpstree
  [[ "$output" == *"[0 MAIN]"* ]]
  [[ "$output" == *"sleep($pa) [5101 alpha]"* ]]
  run -0 vpstree alpha
  [[ "$output" == *"sleep($pa) [5101 alpha]"* ]]
  [[ "$output" != *"MAIN"* && "$output" != *"beta"* ]]
  run -1 vpstree nosuchguest
}

@test "vkill refuses host pids and other guests' pids, signals its own guest" {
  pa=$(spawn alpha); pb=$(spawn beta); ph=$(spawn MAIN)
  run -1 vkill --xid alpha -s KILL "$ph"
  [[ "$output" == *"pid $ph is a host process"* ]]
  run -1 vkill --xid alpha -s KILL "$pb"
  [[ "$output" == *"pid $pb belongs to guest beta (context 5102), not to guest alpha"* ]]
  run -1 vkill --xid 5101 -s KILL 1
  kill -0 "$ph" && kill -0 "$pb"
  run -2 vkill --xid MAIN "$ph"
  run -2 vkill "$pa"
  run -0 vkill --xid 5101 -s KILL "$pa"
  for i in $(seq 50); do kill -0 "$pa" 2>/dev/null || break; sleep 0.1; done
  ! kill -0 "$pa" 2>/dev/null
  kill -0 "$pb"
}

@test "vkill with no pid signals every process of the guest and nothing else" {
  pa1=$(spawn alpha); pa2=$(spawn alpha); pb=$(spawn beta)
  run -0 vkill --xid alpha -s KILL
  for i in $(seq 50); do
    kill -0 "$pa1" 2>/dev/null || kill -0 "$pa2" 2>/dev/null || break
    sleep 0.1
  done
  ! kill -0 "$pa1" 2>/dev/null
  ! kill -0 "$pa2" 2>/dev/null
  kill -0 "$pb"
}

@test "vserver-stat: util-vserver's columns and --json" {
  spawn alpha >/dev/null; spawn alpha >/dev/null; spawn beta >/dev/null
  run -0 vserver-stat
  [ "${lines[0]}" = "CTX   PROC    VSZ    RSS  userTIME   sysTIME    UPTIME NAME" ]
  [[ "${lines[1]}" =~ ^0\ +[0-9]+\ .*root\ server$ ]]
  echo "$output" | grep -E '^5101 +[0-9]+ .* alpha$'
  echo "$output" | grep -E '^5102 +[0-9]+ .* beta$'
  run -0 vserver-stat --json
  echo "$output" | jq -e '.[0].xid == 0 and .[0].host == true and .[0].name == "root server"'
  echo "$output" | jq -e '.[] | select(.name == "alpha") | .xid == 5101 and .procs >= 2
      and .rss_bytes > 0 and .vsz_bytes > 0 and (.uptime_s | type) == "number"
      and (.cpu_user_ms | type) == "number" and (.cpu_system_ms | type) == "number"
      and has("cgroup")'
}

@test "vtop -b prints the guests grouped, sorted, expandable" {
  spawn alpha >/dev/null; spawn beta >/dev/null
  run -0 vtop -b -n 2 -d 0.2
  [[ "$output" == *"+ 5101 alpha"* && "$output" == *"+ 5102 beta"* && "$output" == *"+ 0 MAIN"* ]]
  [ "$(grep -c '^vtop - ' <<<"$output")" -eq 2 ]
  run -0 vtop -b -n 1 -e -s pid
  [[ "$output" == *"- 5101 alpha"* ]]
  # Sorted by xid: MAIN (0) before alpha (5101) before beta (5102).
  lm=$(grep -n '0 MAIN' <<<"$output" | head -1 | cut -d: -f1)
  pa=$(grep -n '5101 alpha' <<<"$output" | head -1 | cut -d: -f1)
  pb=$(grep -n '5102 beta' <<<"$output" | head -1 | cut -d: -f1)
  (( lm < pa && pa < pb ))
  # Expanded: the sleep under alpha is listed right below its group.
  sed -n "$((pa + 1))p" <<<"$output" | grep -q sleep
  run -2 vtop -b -n 0
}

@test "vtop under tmux: shows guests, sorts, expands, quits" {
    no_cgroup
  spawn alpha >/dev/null; spawn beta >/dev/null
  local sock="vstest-$VSERVER_CGROUP_PARENT"
  tmux -L "$sock" new-session -d -s vt -x 160 -y 40 \
    "env VSERVER_PREFIX=$VSERVER_PREFIX VSERVER_CGROUP_PARENT=$VSERVER_CGROUP_PARENT \
     $VS_BIN/vtop -d 0.5; echo VTOP-EXITED; sleep 30"
  screen() { tmux -L "$sock" capture-pane -p -t vt; }
  waitfor() {
    for i in $(seq 50); do screen | grep -q -- "$1" && return 0; sleep 0.1; done
    screen
    return 1
  }
  waitfor "5101 alpha"
  waitfor "5102 beta"
  waitfor "sort: %CPU"
  tmux -L "$sock" send-keys -t vt N
  waitfor "sort: PID/CONTEXT"
  # Sorted by xid: MAIN, alpha, beta; MAIN is selected. Down selects alpha, Enter expands it.
  tmux -L "$sock" send-keys -t vt Down Enter
  waitfor "- 5101 alpha"
  tmux -L "$sock" send-keys -t vt M
  waitfor "sort: RSS"
  tmux -L "$sock" send-keys -t vt q
  waitfor "VTOP-EXITED"
}

@test "vps and vtop name users as ps does when NSS takes them from a module (extrausers)" {
    no_cgroup
  [[ -e /usr/lib/libnss_extrausers.so.2 ]] || compgen -G '/usr/lib/*/libnss_extrausers.so.2' ||
    skip "needs libnss-extrausers (scripts/install-deps.sh)"
  # The user exists only for libnss_extrausers, which a private mount namespace enables with
  # its own nsswitch.conf and /var/lib/extrausers: the host's files are never touched.
  local d="$VSERVER_PREFIX/nss"
  mkdir -p "$d"
  printf 'passwd: files extrausers\ngroup: files extrausers\n' > "$d/nsswitch.conf"
  cat > "$d/run.sh" <<'SH'
set -eu
d=$1
[ -d /var/lib/extrausers ]
mount -t tmpfs -o mode=0755 vstest-nss /var/lib/extrausers
echo 'vsnss:x:4242:4242:vs test:/nonexistent:/usr/sbin/nologin' > /var/lib/extrausers/passwd
echo 'vsnss:x:4242:' > /var/lib/extrausers/group
mount --bind "$d/nsswitch.conf" /etc/nsswitch.conf
# A running nscd would answer from the host's configuration instead.
[ -d /run/nscd ] && mount -t tmpfs vstest-nss /run/nscd
[ "$(getent passwd 4242 | cut -d: -f1)" = vsnss ]
setpriv --reuid 4242 --regid 4242 --clear-groups sleep 100000 >/dev/null 2>&1 &
p=$!
echo "$p" >> "$VSERVER_PREFIX/pids"
for h in $(cat "$VSERVER_PREFIX/hierarchies"); do
  echo "$p" > "/sys/fs/cgroup/$h/$VSERVER_CGROUP_PARENT/alpha/cgroup.procs"
done
for i in $(seq 50); do [ "$(ps -o uid= -p "$p" | tr -d ' ')" = 4242 ] && break; sleep 0.1; done
echo "ps: $(ps -o user= -p "$p")"
echo "vps-json: $(vps --json | jq -r ".[] | select(.pid == $p) | .user")"
echo "vserver--vps-json: $(vserver --vps --json | jq -r ".[] | select(.pid == $p) | .user")"
echo "vtop: $(vtop -b -n 1 -e -s pid | awk -v p="$p" '$1 == p { print $2 }')"
SH
  run -0 unshare -m --propagation private bash "$d/run.sh" "$d"
  echo "$output"
  [[ "$output" == *"ps: vsnss"* ]]
  [[ "$output" == *"vps-json: vsnss"* ]]
  [[ "$output" == *"vserver--vps-json: vsnss"* ]]
  [[ "$output" == *"vtop: vsnss"* ]]
  # vps and vtop are the dynamically linked twin (CMakeLists.txt); vserver may stay static.
  readelf -l "$VS_BIN/vps" | grep -q 'Requesting program interpreter'
  [ "$(readlink "$VS_BIN/vtop")" = vps ]
}
