#!/usr/bin/env bats
# Every --json output of vserver-ng, run on a real running guest and validated against its
# schema in docs/json/ (python3-jsonschema); every schema there is exercised, and every CLI
# file that takes --json has a line below. docs/json.md says how to add one.

load lib
load vsrun_lib

# One line per output: SCHEMA (docs/json/SCHEMA.schema.json), then the command line, run from
# $VS_BIN with {G} replaced by the running guest's name, {G2} by a second, stopped guest's and
# {T} by a scratch directory. The lines run in order (restore reads the backup written before).
# The running guest has one configured address (not live) and a .defaults/shell. Keep it one
# line per output; several lines may share a schema.
JSON_COMMANDS='
vserver-stat  vserver-stat --json
vps           vps --json
vps           vps --context {G} --json
vpstree       vpstree --json
vpstree       vpstree -a --json {G}
status        vserver {G} status --json
ip-list       vserver {G} ip list --json
config-list   vserver {G} config list --json
config-get    vserver {G} config get interfaces/0/ip --json
config-get    vserver {G} config get shell --json
dlimit        vserver {G} dlimit --json
vtop          vtop -b --json -e -n 1
vdu           vdu --json {G}
vhashify      vhashify -n --hardlink --json {G} {G2}
vhashify      vunify -n --hardlink --json {G} --ref {G2}
vhashify      vserver {G} hashify -n --hardlink --json
vfiles        vfiles --json {G}
backup        vserver {G2} backup {T}/js2.tar --json
restore       vserver restore {T}/js2.tar jsr --no-ip --json
restore-verify vserver restore --verify {T}/js2.tar {G2} --json
copy          vserver-copy {G2} jsc --json
copy          vserver {G2} copy jsc2 --json
vserver-autostart vserver-autostart status --json jsmark
vserver-autostart-run vserver-autostart --json start jsmark
'

# vsrun's JSON (runc's formats; --json is --format json), on a running busybox container {C}
# under the state root vsrun is pointed at (vsrun_lib.bash), the same way as the lines above.
VSRUN_JSON_COMMANDS='
vsrun-state     vsrun state {C}
vsrun-list      vsrun list --json
vsrun-list      vsrun list --format json
vsrun-ps        vsrun ps --json {C}
vsrun-events    vsrun events --stats {C}
vsrun-features  vsrun features
'

# Commands that take --json but have no schema and line above yet (listed in docs/json.md).
JSON_PENDING=''

SCHEMAS=${VS_SOURCE_DIR:?}/docs/json
VALIDATE=${VS_SOURCE_DIR}/tests/integration/json_validate.py

# The vsrun test sets up vsrun's state root and rootfs (and checks nothing leaked) as vsrun.bats.
setup() { if [[ $BATS_TEST_DESCRIPTION == vsrun* ]]; then vsrun_setup; else vs_setup; fi; }
teardown() { if [[ -n ${VSRUN_ROOT:-} ]]; then vsrun_teardown; else vs_teardown; fi; }

@test "every docs/json schema is a valid draft 2020-12 schema with \$id, title, description" {
  python3 "$VALIDATE" --check-schemas "$SCHEMAS"/*.schema.json
}

@test "every schema is exercised and every CLI file that takes --json has a line here" {
  local f name missing=()
  for f in "$SCHEMAS"/*.schema.json; do
    name=$(basename "$f" .schema.json)
    grep -qE "^$name[[:space:]]" <<<"$JSON_COMMANDS$VSRUN_JSON_COMMANDS" ||
      missing+=("schema $name")
  done
  # cmd_vserver_stat.cpp -> vserver-stat, cmd_ip.cpp -> ip, ...
  for f in "$VS_SOURCE_DIR"/src/cli/cmd_*.cpp; do
    grep -q -- '"--json"' "$f" || continue
    name=$(basename "$f" .cpp)
    name=${name#cmd_}
    name=${name//_/-}
    [[ " $JSON_PENDING " == *" $name "* ]] && continue
    grep -qE "[[:space:]]$name([[:space:]]|$)" <<<"$JSON_COMMANDS" || missing+=("command $name")
  done
  [[ ${#missing[@]} -eq 0 ]] || { printf 'not in JSON_COMMANDS: %s\n' "${missing[@]}"; false; }
}

@test "every --json output validates against its schema, on a running guest" {
  make_guest js
  make_guest js2
  mkdir -p "$VSERVER_PREFIX/etc/vservers/.defaults"
  echo /bin/sh >"$VSERVER_PREFIX/etc/vservers/.defaults/shell"
  vs js config set interfaces/0/ip 192.0.2.77
  vs js config set interfaces/0/prefix 24
  vs js config set interfaces/0/disabled
  vs js config set apps/init/mark jsmark
  vs js start
  local schema cmd out rc failed=0 n=0
  while read -r schema cmd; do
    [[ -n $schema ]] || continue
    cmd=${cmd//\{G\}/js}
    cmd=${cmd//\{G2\}/js2}
    cmd=${cmd//\{T\}/$BATS_TEST_TMPDIR}
    # shellcheck disable=SC2086 # the command line is split into words on purpose
    out=$(cd "$VS_BIN" && ./$cmd </dev/null) && rc=0 || rc=$?
    if [[ $rc -ne 0 ]]; then
      echo "FAIL ($rc): $cmd"; failed=1; continue
    fi
    if ! python3 "$VALIDATE" "$SCHEMAS/$schema.schema.json" <<<"$out"; then
      echo "FAIL: $cmd does not match $schema.schema.json"; failed=1
    fi
    n=$((n + 1))
  done <<<"$JSON_COMMANDS"
  echo "validated $n outputs"
  [[ $n -eq $(grep -c . <<<"$JSON_COMMANDS") ]]
  # A stopped guest's status (exit 3) has the same schema.
  vs js stop
  out=$(vs js status --json) && rc=0 || rc=$?
  [[ $rc -eq 3 ]]
  python3 "$VALIDATE" "$SCHEMAS/status.schema.json" <<<"$out" || failed=1
  out=$(vs js ip list --json)
  python3 "$VALIDATE" "$SCHEMAS/ip-list.schema.json" <<<"$out" || failed=1
  [[ $failed -eq 0 ]]
}

@test "vsrun: state, list, ps, events and features validate against their schemas" {
  local b schema cmd out failed=0 n=0
  b=$(make_bundle jc)
  vsrun create -b "$b" jc
  # A created container's state, then the running one's for every line.
  vsrun state jc | python3 "$VALIDATE" "$SCHEMAS/vsrun-state.schema.json"
  vsrun start jc
  wait_status jc running
  while read -r schema cmd; do
    [[ -n $schema ]] || continue
    cmd=${cmd//\{C\}/jc}
    # shellcheck disable=SC2086 # the command line is split into words on purpose
    out=$(vsrun ${cmd#vsrun } </dev/null) || { echo "FAIL ($?): $cmd"; failed=1; continue; }
    if ! python3 "$VALIDATE" "$SCHEMAS/$schema.schema.json" <<<"$out"; then
      echo "FAIL: $cmd does not match $schema.schema.json"; failed=1
    fi
    n=$((n + 1))
  done <<<"$VSRUN_JSON_COMMANDS"
  echo "validated $n outputs"
  [[ $n -eq $(grep -c . <<<"$VSRUN_JSON_COMMANDS") ]]
  [[ $(vsrun list --json | jq -r '.[0].status') == running ]]
  [[ $(vsrun ps --json jc) == "[$(state_pid jc)]" ]]
  # A stopped container's state has the same schema (pid 0).
  vsrun kill jc KILL
  wait_status jc stopped
  out=$(vsrun state jc)
  python3 "$VALIDATE" "$SCHEMAS/vsrun-state.schema.json" <<<"$out" || failed=1
  [[ $(jq .pid <<<"$out") == 0 ]]
  vsrun delete jc
  [[ $(vsrun list --json) == "[]" ]]
  [[ $failed -eq 0 ]]
}

@test "a schema violation is caught (the check is not vacuous)" {
  run python3 "$VALIDATE" "$SCHEMAS/ip-list.schema.json" <<<'{"guest": "x", "running": "no"}'
  [[ $status -eq 1 && $output == *running* ]]
  run python3 "$VALIDATE" "$SCHEMAS/vps.schema.json" <<<'not json'
  [[ $status -eq 1 && $output == *'not JSON'* ]]
}
