#!/usr/bin/env bats
# vdu and vfiles on loop-mounted btrfs, XFS (reflink=1) and ext4 made by each test: skeleton
# guests shared by reflink copies, a btrfs snapshot and hard links, with exact expected figures
# (a 10 MiB file in three guests counts 10 MiB once), checked against btrfs filesystem du and
# du; planted hostile entries; --json against docs/json/vdu.schema.json and vfiles.schema.json.
# Loop devices and mounts are the test's own and go in teardown, also when a test fails.

bats_require_minimum_version 1.5.0
load lib

MiB=$((1 << 20))

setup() {
  vs_setup
  export PATH="$VS_BIN:$PATH"
  WORK=$(mktemp -d /tmp/vs-vdu-XXXXXX)
}

teardown() {
  if [[ -n ${SWAPPER:-} ]]; then
    kill "$SWAPPER" 2>/dev/null || true
    wait "$SWAPPER" 2>/dev/null || true
  fi
  vs_teardown || true
  if [[ -n ${WORK:-} ]]; then
    local m
    for m in $(grep -F " $WORK/" /proc/self/mountinfo | awk '{print $5}' | sort -r); do
      umount -l "$m" || true
    done
    if [[ -f $WORK/loops ]]; then
      while read -r l; do losetup -d "$l" 2>/dev/null || true; done < "$WORK/loops"
    fi
    rm -rf "$WORK"
  fi
}

# make_fs TYPE: a fresh TYPE filesystem on a loop device, mounted at $WORK/TYPE.
make_fs() {
  local t=$1 size=256M img=$WORK/$1.img l
  [[ $t == xfs ]] && size=320M   # mkfs.xfs refuses less than 300 MiB
  command -v "mkfs.$t" >/dev/null || skip "mkfs.$t not installed"
  truncate -s "$size" "$img"
  l=$(losetup -f --show "$img")
  echo "$l" >> "$WORK/loops"
  case $t in
    btrfs) mkfs.btrfs -q "$l" >/dev/null 2>&1 ;;
    xfs) mkfs.xfs -q -m reflink=1 "$l" ;;
    ext4) mkfs.ext4 -q "$l" ;;
  esac
  mkdir "$WORK/$t"
  mount "$l" "$WORK/$t"
  mkdir "$WORK/$t/guests"
}

# guests TYPE NAME...: skeleton guests with their roots on the TYPE filesystem.
guests() {
  local t=$1 g; shift
  for g in "$@"; do
    run vs "$g" build -m skeleton --rootdir "$WORK/$t/guests"
    [[ $status -eq 0 ]] || { echo "$output"; return 1; }
    VS_GUESTS+=("$g")
  done
}

# j FILTER ARGS...: vdu --json ARGS, through jq FILTER.
j() {
  local f=$1; shift
  vdu --json "$@" | jq -r "$f"
}

# schema_check SCHEMA: validates stdin against docs/json/SCHEMA.
schema_check() {
  python3 -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.validators.validator_for(schema).check_schema(schema)
jsonschema.validate(json.load(sys.stdin), schema)
' "$VS_SOURCE_DIR/docs/json/$1"
}

big() { head -c $((10 * MiB)) /dev/urandom > "$1"; }

@test "btrfs: a 10 MiB reflink in 3 guests: 10 MiB shared each, once in all, as btrfs du says" {
  make_fs btrfs
  guests btrfs r1 r2 r3
  G=$WORK/btrfs/guests
  big "$G/r1/root/big"
  cp --reflink=always "$G/r1/root/big" "$G/r2/root/big"
  cp --reflink=always "$G/r1/root/big" "$G/r3/root/big"
  head -c $((3 * MiB)) /dev/urandom > "$G/r2/root/own"
  sync
  out=$(vdu --json r1 r2 r3)
  echo "$out" | schema_check vdu.schema.json
  for g in 0 1 2; do
    [[ $(jq ".trees[$g].shared_bytes" <<<"$out") -eq $((10 * MiB)) ]] || { echo "$out"; false; }
    [[ $(jq ".trees[$g].shared_inodes" <<<"$out") -eq 0 ]]
  done
  [[ $(jq .total.shared_bytes <<<"$out") -eq $((10 * MiB)) ]]
  # r2's own 3 MiB file is its exclusive data.
  e1=$(jq .trees[0].exclusive_bytes <<<"$out"); e2=$(jq .trees[1].exclusive_bytes <<<"$out")
  [[ $((e2 - e1)) -eq $((3 * MiB)) ]] || { echo "$out"; false; }
  [[ $(jq '.total.exclusive_bytes == ([.trees[].exclusive_bytes] | add)' <<<"$out") == true ]]
  [[ $(jq '.total.allocated_bytes == .total.exclusive_bytes + .total.shared_bytes' \
        <<<"$out") == true ]]
  [[ $(jq '.total.inodes == ([.trees[].inodes] | add)' <<<"$out") == true ]]

  # btrfs's own accounting over the same files: Set shared is our shared; Exclusive is our
  # exclusive without what has no extent (inline data, symlinks), which btrfs du leaves out.
  read -r _ bex bsh _ < <(btrfs filesystem du -s --raw "$G" | tail -1)
  [[ $bsh -eq $(jq .total.shared_bytes <<<"$out") ]]
  [[ $bex -eq $(jq '.total.exclusive_bytes - .total.no_extent_bytes' <<<"$out") ]] ||
      { echo "btrfs: $bex $bsh"; echo "$out"; false; }
  read -r _ bex bsh _ < <(btrfs filesystem du -s --raw "$G/r2" | tail -1)
  [[ $bsh -eq $(jq .trees[1].shared_bytes <<<"$out") ]]
  [[ $bex -eq $(jq '.trees[1].exclusive_bytes - .trees[1].no_extent_bytes' <<<"$out") ]]

  # The text table says the same in KiB.
  run vdu r1 r2 r3
  [[ $status -eq 0 ]]
  [[ ${lines[0]} == NAME*APPARENT*ALLOC*EXCL*SHARED*INODES*I_EXCL*I_SHARED ]]
  [[ $(awk '$1 == "TOTAL" {print $5}' <<<"$output") -eq 10240 ]] || { echo "$output"; false; }

  # vfiles: the reflinked file is not r2's own; its private file and busybox are.
  run vfiles r2
  [[ $status -eq 0 ]]
  [[ $output != *"/root/big"* ]]
  [[ $output == *"/root/own"* && $output == *"/bin/busybox"* ]]
  vfiles --json r2 | schema_check vfiles.schema.json
  run vfiles r1 --reference r2
  [[ $output != *"/root/big"* && $output == *"/bin/busybox"* ]]
}

@test "btrfs: a guest made as a snapshot of another shares every extent with it" {
  make_fs btrfs
  guests btrfs s1 s2
  G=$WORK/btrfs/guests
  big "$G/s1/root/big"
  btrfs subvolume delete "$G/s2" >/dev/null
  btrfs subvolume snapshot "$G/s1" "$G/s2" >/dev/null
  sync
  out=$(vdu --json s1 s2)
  # Everything with an extent is shared; only what has none (inline data, symlinks) stays
  # each snapshot's own: the subvolumes share those metadata blocks, which FIEMAP cannot see.
  for g in 0 1; do
    [[ $(jq ".trees[$g].exclusive_bytes == .trees[$g].no_extent_bytes" <<<"$out") == true ]] ||
        { echo "$out"; false; }
    [[ $(jq ".trees[$g].shared_bytes" <<<"$out") -ge $((10 * MiB)) ]]
  done
  [[ $(jq '.trees[0].shared_bytes == .trees[1].shared_bytes and
            .total.shared_bytes == .trees[0].shared_bytes' <<<"$out") == true ]]
  read -r _ bex bsh _ < <(btrfs filesystem du -s --raw "$G" | tail -1)
  [[ $bsh -eq $(jq .total.shared_bytes <<<"$out") && $bex -eq 0 ]] ||
      { echo "$bex $bsh $out"; false; }
  # A write in the snapshot makes those blocks its own (copy on write).
  dd if=/dev/urandom of="$G/s2/root/big" bs=1M count=2 conv=notrunc status=none
  sync
  out=$(vdu --json s1 s2)
  [[ $(jq '.trees[1].exclusive_bytes - .trees[1].no_extent_bytes' <<<"$out") -eq $((2 * MiB)) ]] ||
      { echo "$out"; false; }
  run vfiles s2
  [[ $output != *"/root/big"* && $output != *"/bin/busybox"* ]]
}

@test "xfs (reflink=1): reflink copies are shared, counted once; vfiles leaves them out" {
  make_fs xfs
  guests xfs x1 x2 x3
  G=$WORK/xfs/guests
  big "$G/x1/root/big"
  cp --reflink=always "$G/x1/root/big" "$G/x2/root/big"
  cp --reflink=always "$G/x1/root/big" "$G/x3/root/big"
  sync
  out=$(vdu --json x1 x2 x3)
  for g in 0 1 2; do
    [[ $(jq ".trees[$g].shared_bytes" <<<"$out") -eq $((10 * MiB)) ]] || { echo "$out"; false; }
    [[ $(jq -r ".trees[$g].filesystem" <<<"$out") == xfs ]]
  done
  [[ $(jq .total.shared_bytes <<<"$out") -eq $((10 * MiB)) ]]
  [[ $(jq '.total.allocated_bytes == ([.trees[].exclusive_bytes] | add) + 10485760' \
        <<<"$out") == true ]]
  run vfiles x3
  [[ $output != *"/root/big"* && $output == *"/bin/busybox"* ]]
}

@test "ext4: hard links across guests are shared inodes, counted once; --space/--inodes" {
  make_fs ext4
  guests ext4 h1 h2 h3
  G=$WORK/ext4/guests
  # Before any sharing, util-vserver's form equals du without the top directory itself.
  run vdu --xid h1 --space --blocksize 1
  [[ $status -eq 0 ]]
  du_b=$(du -s --block-size=1 "$G/h1" | cut -f1)
  top=$(($(stat -c %b "$G/h1") * 512))
  [[ $output == "$G/h1 $((du_b - top))" ]] || { echo "$output vs du $du_b - $top"; false; }
  big "$G/h1/root/big"
  ln "$G/h1/root/big" "$G/h2/root/big"
  ln "$G/h1/root/big" "$G/h3/root/big"
  ln "$G/h1/root/big" "$G/h1/root/big2"     # a second link inside h1: one inode there
  out=$(vdu --json h1 h2 h3)
  echo "$out" | schema_check vdu.schema.json
  for g in 0 1 2; do
    [[ $(jq ".trees[$g].shared_bytes" <<<"$out") -eq $((10 * MiB)) ]] || { echo "$out"; false; }
    [[ $(jq ".trees[$g].shared_inodes" <<<"$out") -eq 1 ]]
  done
  [[ $(jq .total.shared_bytes <<<"$out") -eq $((10 * MiB)) ]]
  [[ $(jq .total.shared_inodes <<<"$out") -eq 1 ]]
  [[ $(jq '.total.inodes == ([.trees[].inodes] | add) - 2' <<<"$out") == true ]]
  [[ $(jq '.total.apparent_bytes == ([.trees[].apparent_bytes] | add) - 2 * 10485760' \
        <<<"$out") == true ]]
  # Measured alone, h2 still shares the file: its other links are outside.
  [[ $(j .trees[0].shared_bytes h2) -eq $((10 * MiB)) ]]
  # util-vserver's form: allocated KiB with the file once, inodes with it once.
  inodes=$(jq .trees[0].inodes <<<"$out")
  run vdu --xid h1 --inodes --script
  [[ $output == "$inodes" ]]
  run vdu --xid "$(cat "$(guest_cfg h1)/context")" --space
  kib=$(jq '.trees[0].allocated_bytes / 1024 | floor' <<<"$out")
  [[ $output == "$G/h1 $kib" ]] || { echo "$output"; false; }
  run vfiles h2
  [[ $output != *"/root/big"* && $output == *"/etc/"* ]]
  run vfiles h1 --reference h3
  [[ $output != *"/root/big"* ]]
}

@test "hostile tree: symlinks, FIFO, devices, host hard link, mount: never followed or opened" {
  make_fs ext4
  guests ext4 evil
  R=$WORK/ext4/guests/evil
  ln -s / "$R/root/abs"
  ln -s ../../../../../../.. "$R/root/dotdot"
  ln -s loop "$R/root/loop"
  ln -s /etc/shadow "$R/root/shadow"
  mkfifo "$R/root/fifo"
  mknod "$R/root/null" c 1 3
  read -r maj min < <(stat -c '%t %T' "$(head -1 "$WORK/loops")")
  mknod "$R/root/disk" b $((16#$maj)) $((16#$min))    # the loop device the guest lives on
  python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$R/root/sock"
  head -c $((20 * MiB)) /dev/urandom > "$WORK/ext4/hostfile"
  ln "$WORK/ext4/hostfile" "$R/root/hostlink"
  mkdir "$R/root/mnt"
  mount -t tmpfs -o size=64m tmpfs "$R/root/mnt"
  head -c $((30 * MiB)) /dev/zero > "$R/root/mnt/fill"
  touch "$R/root/evil"$'\n'"forged"
  run timeout 60 vdu --json evil
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  out=$output
  # The host file it links is counted (the guest holds a link to it) as shared; nothing else
  # of the host and nothing on the tmpfs is.
  [[ $(jq .trees[0].shared_bytes <<<"$out") -eq $((20 * MiB)) ]] || { echo "$out"; false; }
  [[ $(jq .trees[0].allocated_bytes <<<"$out") -lt $((24 * MiB)) ]]
  [[ $(jq -r '.notes[]' <<<"$out") == *"skipped mount point /root/mnt"* ]]
  run timeout 60 vfiles evil
  [[ $status -eq 0 ]]
  [[ $output != */root/hostlink* && $output != */root/fifo* && $output != */root/shadow* ]] ||
      { echo "$output"; false; }
  # A newline in a name cannot forge a line.
  grep -qxF '/root/evil\012forged' <<<"$output" || { echo "$output"; false; }
  ! grep -qx 'forged' <<<"$output"
  # A directory swapped for a symlink to / while vdu walks: never followed, no hang.
  mkdir -p "$R/var/swap/d"
  for i in $(seq 50); do echo x > "$R/var/swap/d/f$i"; done
  ( while :; do mv "$R/var/swap/d" "$R/var/swap/x" && ln -s / "$R/var/swap/d" &&
      rm "$R/var/swap/d" && mv "$R/var/swap/x" "$R/var/swap/d"; done 2>/dev/null ) &
  SWAPPER=$!
  for i in 1 2 3 4 5; do
    run timeout 60 vdu --json evil
    [[ $status -ne 124 ]]
    if [[ $status -eq 0 ]]; then
      [[ $(jq .trees[0].allocated_bytes <<<"$output") -lt $((24 * MiB)) ]] ||
          { echo "$output"; false; }
    else
      [[ $output == *"keeps changing"* || $output == *"moved"* ]] || { echo "$output"; false; }
    fi
  done
}

@test "vdu --all: a guest that cannot be measured is reported, the others still are (exit 1)" {
  for g in ok1 ok2 noroot badcfg; do
    run vs "$g" build -m skeleton
    [[ $status -eq 0 ]] || { echo "$output"; false; }
    VS_GUESTS+=("$g")
  done
  rm -rf "$(guest_root noroot)"
  echo "not-a-number" > "$(guest_cfg badcfg)/context"
  run vdu --all
  [[ $status -eq 1 ]]
  [[ $output == *'guest "noroot"'* && $output == *badcfg* ]] || { echo "$output"; false; }
  [[ $(grep -c '^ok[12] ' <<<"$output") -eq 2 ]]
  grep -q '^TOTAL ' <<<"$output"
  run vdu --json --all
  [[ $status -eq 1 ]]
  echo "$output" | schema_check vdu.schema.json
  [[ $(jq -r '[.trees[].name] | join(",")' <<<"$output") == ok1,ok2 ]]
  [[ $(jq -r '[.errors[].name] | sort | join(",")' <<<"$output") == badcfg,noroot ]]
  [[ $(jq '.total.inodes == ([.trees[].inodes] | add)' <<<"$output") == true ]]
  run vfiles ok1 --reference noroot
  [[ $status -eq 1 && $output == *'guest "noroot"'* ]]
}

@test "bad arguments: one clear line naming the value, exit 2" {
  run vdu nosuchguest
  [[ $status -eq 2 && $output == *'guest "nosuchguest" does not exist'* ]]
  run vdu --space --inodes --xid 7
  [[ $status -eq 2 && $output == *"--space and --inodes"* ]]
  run vdu --blocksize 0 --all
  [[ $status -eq 2 && $output == *'--blocksize: "0"'* ]]
  run vdu
  [[ $status -eq 2 ]]
  run vdu --xid 49000 --space
  [[ $status -eq 2 && $output == *"no guest has context 49000"* ]]
  run vfiles
  [[ $status -eq 2 ]]
  run vfiles a b
  [[ $status -eq 2 ]]
  run vdu --bogus
  [[ $status -eq 2 && $output == *'unknown option "--bogus"'* ]]
  # A DIR given to --space is never reached through a symlink.
  ln -s /etc "$WORK/etc-link"
  run vdu --space "$WORK/etc-link"
  [[ $status -eq 1 ]]
  run vdu --help
  [[ $status -eq 0 && $output == *"usage: vdu"* ]]
}
