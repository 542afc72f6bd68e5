#!/usr/bin/env bats
# vserver-autostart / vservers-default (docs/autostart.md): the guests of a mark group started
# in apps/init/depends order, NUMPARALLEL at a time, stopped dependants first; a cycle reported,
# a failing guest skipping only its dependants; the SysV script run for real; the systemd units
# checked by systemd-analyze.

bats_require_minimum_version 1.5.0
load lib

setup() { vs_setup; LOG=$VSERVER_PREFIX/order.log; }
teardown() { vs_teardown; }

# marked_guest NAME MARK [DEPENDS...]: a reaper guest in group MARK whose start and stop hooks
# log "phase name" to $LOG, so the tests can see the order.
marked_guest() {
  local name=$1 mark=$2 cfg ph
  shift 2
  make_guest "$name"
  cfg=$(guest_cfg "$name")
  echo "$mark" >"$cfg/apps/init/mark"
  [[ $# -eq 0 ]] || printf '%s\n' "$@" >"$cfg/apps/init/depends"
  mkdir -p "$cfg/scripts"
  for ph in pre-start post-start pre-stop post-stop; do
    printf '#!/bin/sh\necho "$1 $2" >>%s\n' "$LOG" >"$cfg/scripts/$ph"
    chmod 755 "$cfg/scripts/$ph"
  done
}

# sysv_script MARK NUMPARALLEL: dist/init.d/vservers-default configured into the prefix, with its
# defaults file saying MARK and NUMPARALLEL; prints the script's path.
sysv_script() {
  local script=$VSERVER_PREFIX/vservers-default
  sed -e "s|@VS_SBINDIR@|$VS_BIN|g" -e "s|@VS_ETC@|/etc|g" \
    "$VS_SOURCE_DIR/dist/init.d/vservers-default" >"$script"
  chmod 755 "$script"
  mkdir -p "$VSERVER_PREFIX/etc/default"
  printf 'MARK=%s\nNUMPARALLEL=%s\n' "$1" "$2" >"$VSERVER_PREFIX/etc/default/vservers-default"
  echo "$script"
}

# line number of "PHASE NAME" in $LOG
at() { grep -nx "$1 $2" "$LOG" | head -1 | cut -d: -f1; }

# before P1 N1 P2 N2: "P1 N1" was logged before "P2 N2"
before() {
  local a b
  a=$(at "$1" "$2")
  b=$(at "$3" "$4")
  [[ -n $a && -n $b && $a -lt $b ]] || {
    echo "not: $1 $2 ($a) before $3 $4 ($b)"
    cat "$LOG"
    return 1
  }
}

@test "autostart: a dependency chain starts in order, other marks stay down, stop goes in reverse" {
  marked_guest ca default
  marked_guest cb default ca
  marked_guest cc default cb
  marked_guest cd default
  marked_guest other web
  run timeout 120 "$VS_BIN/vserver-autostart" start
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *'start "default": 4 of 4 guests running, 0 failed, 0 skipped'* ]]
  before post-start ca pre-start cb
  before post-start cb pre-start cc
  for g in ca cb cc cd; do vs "$g" running; done
  ! vs other running
  # Started guests are left alone by a second run.
  run "$VS_BIN/vserver-autostart" start
  [ "$status" -eq 0 ]
  [[ $output == *"ca: already running"* ]]
  run "$VS_BIN/vservers-default" status
  [ "$status" -eq 0 ]
  : >"$LOG"
  run timeout 120 "$VS_BIN/vservers-default" stop
  echo "$output"
  [ "$status" -eq 0 ]
  before post-stop cc pre-stop cb
  before post-stop cb pre-stop ca
  for g in ca cb cc cd; do ! vs "$g" running; done
  run "$VS_BIN/vservers-default" status
  [ "$status" -eq 3 ]
  # The other group by its mark, one at a time; restart --json: both runs in one document.
  run -0 --separate-stderr "$VS_BIN/vserver-autostart" -j 1 --json restart web
  python3 "$VS_SOURCE_DIR/tests/integration/json_validate.py" \
    "$VS_SOURCE_DIR/docs/json/vserver-autostart-run.schema.json" <<<"$output"
  jq -e '.action == "restart" and .all_ok and (.stop.guests | length) == 1 and
    .stop.guests[0].name == "other" and .stop.guests[0].result == "not_running" and
    .start.parallel == 1 and .start.guests[0].result == "started" and
    .start.guests[0].seconds > 0' <<<"$output"
  vs other running
}

@test "autostart: a dependency cycle is reported by name, not hung on; the rest starts" {
  marked_guest cx default cy
  marked_guest cy default cx
  marked_guest cz default cx
  marked_guest cw default
  run timeout 120 "$VS_BIN/vserver-autostart" start
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"dependency cycle in apps/init/depends: cx -> cy -> cx"* ]]
  [[ $output == *"cz: skipped: depends on cx, which did not start"* ]]
  [[ $output == *"cw: started"* ]]
  [[ $output == *"cx skipped"*"cy skipped"*"cz skipped"* ]]
  vs cw running
  for g in cx cy cz; do ! vs "$g" running; done
  # Stop is never held up by a cycle.
  vs cx start
  vs cy start
  run timeout 120 "$VS_BIN/vserver-autostart" stop
  echo "$output"
  for g in cx cy cw; do ! vs "$g" running; done
}

@test "autostart: a failing guest blocks only its dependants; the summary names it" {
  marked_guest pa default
  marked_guest pb default pa
  marked_guest pc default
  marked_guest pd default ghost
  printf '#!/bin/sh\necho "pre-start of pa refuses" >&2\nexit 1\n' \
    >"$(guest_cfg pa)/scripts/pre-start"
  run timeout 120 "$VS_BIN/vserver-autostart" -j 2 start
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"pa: FAILED"*"pre-start of pa refuses"* ]]
  [[ $output == *"pb: skipped: depends on pa, which did not start"* ]]
  # The missing guest named, with the config dir looked for.
  [[ $output == *"pd: skipped: depends on ghost: guest \"ghost\" does not exist (no config dir"* ]]
  [[ $output == *"pc: started"* ]]
  [[ $output == *'1 of 4 guests running, 1 failed, 2 skipped: '* ]]
  [[ $output == *"pa failed"*"pb skipped"*"pd skipped"* ]]
  vs pc running
  ! vs pa running
  ! vs pb running
  # --json: the same run as one document on stdout, nothing else there; exit status as above.
  run -1 --separate-stderr "$VS_BIN/vserver-autostart" -j 2 --json start
  echo "$output"
  python3 "$VS_SOURCE_DIR/tests/integration/json_validate.py" \
    "$VS_SOURCE_DIR/docs/json/vserver-autostart-run.schema.json" <<<"$output"
  jq -e '.action == "start" and .all_ok == false and .total == 4 and .ok == 1 and
    .failed == 1 and .skipped == 2 and .parallel == 2 and .cycles == [] and
    (.guests | map({(.name): .result}) | add) == {"pa": "failed", "pb": "skipped",
      "pc": "already_running", "pd": "skipped"} and
    (.guests[] | select(.name == "pa") | .detail | contains("pre-start of pa refuses"))' \
    <<<"$output"
  # A bad NUMPARALLEL is one clear line, nothing started.
  run env NUMPARALLEL=0 "$VS_BIN/vserver-autostart" start
  [ "$status" -eq 2 ]
  [[ $output == *'NUMPARALLEL "0"'* ]]
  run "$VS_BIN/vserver-autostart" start a b
  [ "$status" -eq 2 ]
}

@test "autostart: the SysV script reads MARK and NUMPARALLEL from its defaults file and runs" {
  marked_guest sa boot
  marked_guest sb boot sa
  marked_guest sc default
  local script
  script=$(sysv_script boot 1)
  run "$script" start
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *'start "boot": 2 of 2 guests running'* ]]
  vs sa running
  vs sb running
  ! vs sc running
  before post-start sa pre-start sb
  run "$script" status
  [ "$status" -eq 0 ]
  run "$script" stop
  echo "$output"
  [ "$status" -eq 0 ]
  ! vs sa running
  ! vs sb running
  run "$script" status
  [ "$status" -eq 3 ]
  run "$script" bogus
  [ "$status" -eq 2 ]
  # The LSB header that update-rc.d / insserv read.
  grep -q '^### BEGIN INIT INFO' "$script"
  grep -q '^# Provides: *vservers-default' "$script"
  grep -q '^# Default-Start: *2 3 4 5' "$script"
}

@test "autostart: NUMPARALLEL from the defaults file is how many guests start at once" {
  # Each guest's pre-start logs how many guests are in their pre-start as it arrives, then
  # waits (bounded) until the guests of its pair (the first two, the next two) have logged:
  # with NUMPARALLEL=2 the second of each pair finds the first waiting (2), never more than 2
  # are in; one at a time would leave the first waiting until it gives up.
  local d=$VSERVER_PREFIX/arrived l=$VSERVER_PREFIX/logged e=$VSERVER_PREFIX/left g
  local counts=$VSERVER_PREFIX/counts
  mkdir -p "$d" "$l" "$e"
  for g in n1 n2 n3 n4; do
    marked_guest "$g" par
    cat >"$(guest_cfg "$g")/scripts/pre-start" <<HOOK
#!/bin/sh
mkdir "$d/\$2"
n=\$(ls "$d" | wc -l)
echo \$((n - \$(ls "$e" | wc -l))) >>"$counts"
mkdir "$l/\$2"
want=\$(((n + 1) / 2 * 2))
i=0
while [ \$(ls "$l" | wc -l) -lt \$want ]; do
  i=\$((i + 1))
  [ \$i -lt 300 ] || { echo "gave up waiting" >>"$counts"; break; }
  sleep 0.1
done
mkdir "$e/\$2"
HOOK
  done
  local script
  script=$(sysv_script par 2)
  run env -u NUMPARALLEL -u MARK timeout 120 "$script" start
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *'start "par": 4 of 4 guests running'* ]]
  cat "$counts"
  [ "$(sort -u "$counts" | tail -1)" = 2 ]
  [ "$(grep -c -v '^[12]$' "$counts")" = 0 ]
  [ "$(wc -l <"$counts")" = 4 ]
  # Without NUMPARALLEL anywhere: util-vserver's 6.
  run -0 --separate-stderr env -u NUMPARALLEL "$VS_BIN/vserver-autostart" --json stop par
  [ "$(jq .parallel <<<"$output")" = 6 ]
}

@test "autostart: systemd-analyze verify accepts the units" {
  command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
  local d=$VSERVER_PREFIX/units f
  mkdir -p "$d"
  for f in vservers-default.service vserver@.service; do
    sed -e "s|@VS_SBINDIR@|$VS_BIN|g" -e "s|@VS_ETC@|/etc|g" \
      "$VS_SOURCE_DIR/dist/systemd/$f" >"$d/$f"
  done
  cp "$d/vserver@.service" "$d/vserver@web.service"
  # --man=no: the man pages are installed with the package, not in the build tree.
  run systemd-analyze verify --man=no "$d/vservers-default.service" "$d/vserver@web.service"
  echo "$output"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  # The check can fail: a broken unit is reported.
  sed -i 's/^Type=oneshot/Type=bogus/' "$d/vserver@web.service"
  run systemd-analyze verify --man=no "$d/vserver@web.service"
  [[ $output == *bogus* ]]
}
