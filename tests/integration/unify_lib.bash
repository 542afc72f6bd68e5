# shellcheck shell=bash
# The unification suites' fixture (unify.bats, unify_safety.bats): loop-mounted btrfs, XFS
# (reflink=1) and ext4 file systems under $WORK, skeleton guests holding six test files, and a
# vhashify run paused at a fault point (src/base/fault.hpp) while a test changes a guest.
setup() {
  vs_setup
  export PATH="$VS_BIN:$PATH"
  WORK=$(mktemp -d /tmp/vs-unify-XXXXXX)
  mkdir "$WORK/data"
  local i
  for i in 1 2 3 4 5 6; do head -c $((i * 40000 + 4096)) /dev/urandom >"$WORK/data/f$i"; done
}

teardown() {
  # A run left paused by a failed test: ours, by its pid (SIGKILL ends a stopped process too).
  if [[ -n ${PAUSED:-} ]]; then
    kill -KILL "$PAUSED" 2>/dev/null || true
    wait "$PAUSED" 2>/dev/null || true
  fi
  vs_teardown || true
  if [[ -n ${WORK:-} ]]; then
    local m f
    for m in $(awk -v w="$WORK/" 'index($2, w) == 1 {print $2}' /proc/self/mounts | sort -r); do
      umount -l "$m" || true
    done
    for f in "$WORK"/*.loop; do [[ -f $f ]] && losetup -d "$(cat "$f")"; done
    rm -rf "$WORK"
  fi
}

# mkfs_loop TYPE: a 768 MiB TYPE file system mounted at $WORK/TYPE (MNT).
mkfs_loop() {
  local t=$1 dev
  command -v "mkfs.$t" >/dev/null || skip "mkfs.$t not installed"
  truncate -s 768M "$WORK/$t.img"
  dev=$(losetup -f --show "$WORK/$t.img")
  echo "$dev" >"$WORK/$t.loop"
  case $t in
    btrfs) mkfs.btrfs -q "$dev" >/dev/null 2>&1 ;;
    xfs) mkfs.xfs -q -m reflink=1 "$dev" ;;
    ext4) mkfs.ext4 -q "$dev" ;;
  esac
  mkdir "$WORK/$t"
  mount "$dev" "$WORK/$t"
  MNT=$WORK/$t
}

# skel NAME: a skeleton guest on $MNT with the test files in /usr/share/t and one in /etc.
skel() {
  run vs "$1" build -m skeleton --rootdir "$MNT/guests"
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=("$1")
  local r=$MNT/guests/$1
  mkdir -p "$r/usr/share/t"
  cp "$WORK"/data/f* "$r/usr/share/t/"
  cp "$WORK/data/f1" "$r/etc/same.conf"
}

root() { echo "$MNT/guests/$1"; }
shares_extents() { filefrag -v "$1" | grep -q shared; }
json() { jq -r "$1" <<<"$output"; }
# schema_check: validates $output against docs/json/vhashify.schema.json.
schema_check() {
  python3 -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.validators.validator_for(schema).check_schema(schema)
jsonschema.validate(json.loads(sys.argv[2]), schema)
' "$VS_SOURCE_DIR/docs/json/vhashify.schema.json" "$output"
}

# paused_run SPEC ARGS...: vhashify ARGS in the background with VSERVER_FAULT=SPEC, a :stop
# point (src/base/fault.hpp), and waits until every thread of it is stopped (state T):
# the test then changes what it wants and calls resume. PAUSED is its pid. Fails if the run ends
# without reaching the point.
paused_run() {
  local spec=$1 st i
  shift
  VSERVER_FAULT=$spec vhashify "$@" >"$WORK/run.out" 2>"$WORK/run.err" &
  PAUSED=$!
  # A bound on the wait, not a timing: the point is normally reached within a second.
  for ((i = 0; i < 2400; i++)); do
    st=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' /proc/"$PAUSED"/task/*/stat 2>/dev/null |
      sort -u | tr -d '\n') || st=gone
    [[ -n $st ]] || st=gone
    case $st in
      T) return 0 ;;
      Z | X | gone)
        echo "vhashify ended before reaching $spec:"
        cat "$WORK/run.out" "$WORK/run.err"
        return 1
        ;;
    esac
    sleep 0.05
  done
  echo "vhashify never reached $spec"
  return 1
}

# resume: lets the paused run go on and waits for it: status, output (stdout), stderr as `run`
# sets them.
resume() {
  kill -CONT "$PAUSED"
  status=0
  wait "$PAUSED" || status=$?
  PAUSED=
  output=$(cat "$WORK/run.out")
  stderr=$(cat "$WORK/run.err")
}
