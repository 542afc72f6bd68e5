#!/usr/bin/env bats
# vserver NAME backup / vserver restore / restore --verify (src/transfer/): round trips on a
# btrfs and an ext4 loop file system with every file type, GNU tar reading the archive, running
# guests (snapshot vs freeze), hostile archives and an interrupted backup.

bats_require_minimum_version 1.5.0
load lib
load build_helpers
load transfer_helpers

setup() { transfer_setup backup; }
teardown() { transfer_teardown; }

# round_trip FS: backup of a guest holding every file type, restore under a new name, verify,
# and the same tree from GNU tar.
round_trip() {
  mount_roots_fs "$1"
  make_guest src
  VS_GUESTS+=(src)
  make_all_types "$(guest_root src)"
  add_hooks "$(guest_cfg src)"
  # More than two of the compressor's 4 MiB chunks: the archive is several zstd frames (gzip
  # members below), which libarchive, zstd, gzip and GNU tar read as one stream.
  head -c 9M /dev/urandom > "$(guest_root src)/data/big"
  run vs src backup "$WORK/src.tar.zst" --json
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $output == *'"consistency":"stopped"'* && $output == *'"compression":"zstd"'* ]]
  [[ $output == *'data/sock: a socket'* ]]      # reported, not archived
  [[ "$(stat -c %a "$WORK/src.tar.zst")" == 600 ]]
  run vs restore "$WORK/src.tar.zst" dst -q
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(dst)
  check_all_types "$(guest_root dst)"
  check_hooks "$(guest_cfg src)" "$(guest_cfg dst)"
  cmp "$(guest_root src)/data/big" "$(guest_root dst)/data/big"
  zstd -qt "$WORK/src.tar.zst"
  run vs src backup "$WORK/src.tar.gz" -q
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  gzip -t "$WORK/src.tar.gz"
  run vs restore --verify "$WORK/src.tar.gz" src
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  # A new context, the new name as hostname, the config loaded as start would.
  [[ "$(cat "$(guest_cfg dst)/context")" != "$(cat "$(guest_cfg src)/context")" ]]
  [[ "$(cat "$(guest_cfg dst)/uts/nodename" 2>/dev/null || echo dst)" == dst ]]
  [[ "$(readlink "$(guest_cfg dst)/vdir")" == "$(guest_root dst)" ]]
  run vs restore --verify "$WORK/src.tar.zst" dst
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  run vs restore --verify "$WORK/src.tar.zst" src
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  # --verify notices a changed file, a changed owner and an extra file.
  echo changed > "$(guest_root dst)/data/acl"
  chown 1:1 "$(guest_root dst)/etc"
  touch "$(guest_root dst)/data/extra"
  run vs restore --verify "$WORK/src.tar.zst" dst
  [[ $status -eq 1 ]]
  [[ $output == *"data/acl: "* && $output == *"etc: archive"* ]]
  [[ $output == *"not in the archive: data/extra"* ]]
  # GNU tar extracts the same tree (xattrs, ACLs, capabilities, sparse files, devices), all
  # but the path longer than PATH_MAX, which GNU tar cannot create (it passes whole paths).
  mkdir "$WORK/gnu"
  tar --zstd -xpf "$WORK/src.tar.zst" --xattrs --xattrs-include='*' --acls --numeric-owner \
      --exclude='root/data/LLLL*' -C "$WORK/gnu" root 2>"$WORK/tar.err" ||
      { cat "$WORK/tar.err"; return 1; }
  check_all_types "$WORK/gnu/root" nodeep
}

@test "backup and restore round trip on btrfs: every file type, --verify, GNU tar" {
  round_trip btrfs
  # A sparse file of 8 EiB (btrfs allows it): refused with its name, no archive, never hours
  # of zeros.
  truncate -s 8191P "$(guest_root src)/data/huge"
  run vs src backup "$WORK/huge.tar.zst"
  [[ $status -ne 0 && $output == *'data/huge": a file of 9222246136947933184 bytes'* ]] ||
      { echo "$output"; return 1; }
  [[ ! -e $WORK/huge.tar.zst ]]
}

@test "backup and restore round trip on ext4: every file type, --verify, GNU tar" {
  round_trip ext4
  # Progress: on a terminal (script(1)'s pty) a line with bytes, rate and ETA, drawn at the
  # first update and redrawn with \r; nothing of it when stderr is no terminal.
  script -qec "$VS src backup $WORK/p.tar.gz" /dev/null > "$WORK/tty.out" 2>&1
  grep -q $'\r' "$WORK/tty.out" && grep -q 'backup src: .*/s, ETA ' "$WORK/tty.out" ||
      { cat -v "$WORK/tty.out"; return 1; }
  script -qec "$VS restore $WORK/p.tar.gz p2 --no-ip" /dev/null > "$WORK/tty.out" 2>&1
  VS_GUESTS+=(p2)
  grep -q 'restore p2: .*/s' "$WORK/tty.out" || { cat -v "$WORK/tty.out"; return 1; }
  run vs src backup "$WORK/p.tar.gz"
  [[ $status -eq 0 && $output != *$'\r'* && $output != *ETA* ]] || { echo "$output"; return 1; }
}

@test "backup of a running guest: btrfs snapshot (frozen briefly), else frozen throughout" {
  mount_roots_fs btrfs
  make_guest run1
  VS_GUESTS+=(run1)
  run vs run1 start
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  run vs run1 backup "$WORK/run1.tar.gz" --json
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $output == *'"consistency":"btrfs-snapshot"'* ]]
  # The snapshot is gone, the guest runs on, thawed.
  [[ -z "$(btrfs subvolume list "$ROOTS" | grep backup)" ]]
  run vs run1 status
  [[ $status -eq 0 ]]
  ! grep -qs frozen "$(cgroup_parent_dirs | head -1)/run1/cgroup.events" ||
      grep -q 'frozen 0' "$(cgroup_parent_dirs | head -1)/run1/cgroup.events"
  tar -tzf "$WORK/run1.tar.gz" | grep -qx 'root/etc/passwd'
  # A root that is no subvolume: frozen for the whole archive.
  make_guest run2
  VS_GUESTS+=(run2)
  local r2; r2=$(guest_root run2)
  if [[ "$(stat -c %i "$r2")" == 256 ]]; then
    mv "$r2" "$r2.sub" && cp -a "$r2.sub" "$r2" && btrfs subvolume delete "$r2.sub" >/dev/null
  fi
  run vs run2 start
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  run vs run2 backup "$WORK/run2.tar.xz" --json
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  [[ $output == *'"consistency":"frozen"'* ]]
  run vs run2 exec /bin/true
  [[ $status -eq 0 ]]
  xz -t "$WORK/run2.tar.xz"
}

@test "an interrupted backup leaves no partial archive and the earlier one intact" {
  require_fault_injection
  make_guest b1
  VS_GUESTS+=(b1)
  run vs b1 backup "$WORK/b1.tar.gz" -q
  [[ $status -eq 0 ]]
  local sum; sum=$(sha256sum < "$WORK/b1.tar.gz")
  echo changed > "$(guest_root b1)/etc/motd"
  for point in backup:between-trees backup:before-commit; do
    run env VSERVER_FAULT=$point:kill "$VS" b1 backup "$WORK/b1.tar.gz"
    [[ $status -eq 137 ]]
    [[ "$(sha256sum < "$WORK/b1.tar.gz")" == "$sum" ]]
  done
  # The killed runs' temporaries are swept by the next backup of that file.
  ls -a "$WORK" | grep -q '\.part$'
  run env VSERVER_FAULT=backup:before-commit:fail "$VS" b1 backup "$WORK/b1.tar.gz"
  [[ $status -ne 0 && $output == *"injected fault"* ]]
  [[ "$(sha256sum < "$WORK/b1.tar.gz")" == "$sum" ]]
  ! ls -a "$WORK" | grep -q '\.part$'
  run vs b1 backup "$WORK/b1.tar.gz" -q
  [[ $status -eq 0 ]]
  [[ "$(sha256sum < "$WORK/b1.tar.gz")" != "$sum" ]]
  tar -xzOf "$WORK/b1.tar.gz" root/etc/motd | grep -qx changed
  # restore writes the tree to disk (syncfs) before it registers the guest: when that fails,
  # no guest and no stage are left.
  run env VSERVER_FAULT=transfer:syncfs:fail "$VS" restore "$WORK/b1.tar.gz" r1
  [[ $status -ne 0 && $output == *"restore r1"*"injected fault at transfer:syncfs"* ]] ||
    { echo "$output"; return 1; }
  [[ ! -e $(guest_cfg r1) && ! -e $(guest_root r1) ]]
  [[ -z "$(ls -a "$VSERVER_PREFIX/var/lib/vservers" | grep '^\.build-')" ]]
  [[ -z "$(ls -a "$VSERVER_PREFIX/etc/vservers" | grep '^\.r1')" ]]
  # Killed there: no guest registered; the next restore of that name sweeps the stage.
  run env VSERVER_FAULT=transfer:syncfs:kill "$VS" restore "$WORK/b1.tar.gz" r1
  [[ $status -eq 137 && ! -e $(guest_cfg r1) && ! -e $(guest_root r1) ]]
  ls -a "$VSERVER_PREFIX/var/lib/vservers" | grep -q '^\.build-r1-'
  run vs restore "$WORK/b1.tar.gz" r1 -q
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(r1)
  [[ -z "$(ls -a "$VSERVER_PREFIX/var/lib/vservers" | grep '^\.build-')" ]]
}

@test "backup and restore refuse bad input with one line" {
  make_guest b2
  VS_GUESTS+=(b2)
  run vs b2 backup "$WORK/b2.zip"
  [[ $status -eq 2 && $output == *'unknown extension'* ]]
  run vs b2 backup "$(guest_root b2)/tmp/self.tar"
  [[ $status -eq 2 && $output == *"inside the guest's root"* ]]
  run vs nosuch backup "$WORK/x.tar"
  [[ $status -eq 2 && $output == *'does not exist'* ]]
  run vs b2 backup "$WORK/b2.tar"
  [[ $status -eq 0 ]]
  # The name exists: refused, nothing made.
  run vs restore "$WORK/b2.tar"
  [[ $status -eq 2 && $output == *'guest b2 already exists'* ]]
  echo "not an archive" > "$WORK/junk.tar"
  run vs restore "$WORK/junk.tar" j
  [[ $status -ne 0 ]]
  [[ ! -e $(guest_cfg j) && ! -e $(guest_root j) ]]
  # A full disk under the compressor thread: its error, no partial archive, the earlier one
  # intact.
  mkdir "$WORK/small"
  mount -t tmpfs -o size=128k vstest-small "$WORK/small"
  echo old > "$WORK/small/b2.tar.zst"
  run vs b2 backup "$WORK/small/b2.tar.zst"
  local listing old
  listing=$(ls -A "$WORK/small")
  old=$(cat "$WORK/small/b2.tar.zst")
  umount "$WORK/small"
  [[ $status -eq 1 && $output == *'No space left on device'* ]] || { echo "$output"; return 1; }
  [[ $listing == b2.tar.zst && $old == old ]]
  # A compressed archive cut short: restore (decompressing beside the extracting child) names
  # the decoder's error and makes nothing.
  run vs b2 backup "$WORK/b2.tar.zst" -q
  [[ $status -eq 0 ]]
  head -c 300000 "$WORK/b2.tar.zst" > "$WORK/cut.tar.zst"
  run vs restore "$WORK/cut.tar.zst" j2
  [[ $status -ne 0 && $output == *cut.tar.zst* ]] || { echo "$output"; return 1; }
  [[ ! -e $(guest_cfg j2) && ! -e $(guest_root j2) ]]
  [[ -z "$(ls -a "$VSERVER_PREFIX/var/lib/vservers" | grep '^\.build-')" ]]
  # A full disk under the restore: its error, nothing registered, no stage left.
  head -c 2M /dev/urandom > "$(guest_root b2)/big"
  run vs b2 backup "$WORK/b2.tar" -q
  [[ $status -eq 0 ]]
  mount -t tmpfs -o size=1m vstest-roots "$VSERVER_PREFIX/var/lib/vservers"
  run vs restore "$WORK/b2.tar" j3
  listing=$(ls -A "$VSERVER_PREFIX/var/lib/vservers")
  umount "$VSERVER_PREFIX/var/lib/vservers"
  [[ $status -ne 0 && $output == *'No space left on device'* ]] || { echo "$output"; return 1; }
  [[ -z $listing && ! -e $(guest_cfg j3) ]] || { echo "left: $listing"; return 1; }
}

@test "restore keeps no address twice: refused, --no-ip, --ip" {
  make_guest a1
  VS_GUESTS+=(a1)
  run vs a1 ip add 192.0.2.10/24
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  run vs a1 backup "$WORK/a1.tar"
  [[ $status -eq 0 ]]
  run vs restore "$WORK/a1.tar" a2
  [[ $status -ne 0 && $output == *'192.0.2.10 is already guest a1'* ]]
  [[ ! -e $(guest_cfg a2) && ! -e $(guest_root a2) ]]
  [[ -z "$(ls -a "$VSERVER_PREFIX/var/lib/vservers" | grep '^\.build-')" ]]
  run vs restore "$WORK/a1.tar" a2 --no-ip -q
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(a2)
  [[ ! -d $(guest_cfg a2)/interfaces ]] || [[ -z "$(ls "$(guest_cfg a2)/interfaces")" ]]
  run vs restore "$WORK/a1.tar" a3 --ip 192.0.2.11/24 -q
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(a3)
  grep -rqx 192.0.2.11 "$(guest_cfg a3)/interfaces"
}

# hostile_archive FILE MEMBER-SPEC...: a backup-shaped tar with crafted members (python's
# tarfile), each spec "kind:name[:target]".
hostile_archive() {
  python3 - "$@" <<'PY'
import io, sys, tarfile, json
out = sys.argv[1]
t = tarfile.open(out, "w", format=tarfile.PAX_FORMAT)
def add(name, kind="file", data=b"x", target=""):
    i = tarfile.TarInfo(name)
    if kind == "file":
        i.size = len(data); t.addfile(i, io.BytesIO(data)); return
    i.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE}[kind]
    i.linkname = target
    if kind == "dir": i.mode = 0o755
    t.addfile(i)
add("vserver-backup.json", data=json.dumps({"format": 1, "name": "evil"}).encode())
add("config", "dir"); add("config/context", data=b"40123\n")
add("root", "dir"); add("root/etc", "dir")
for spec in sys.argv[2:]:
    kind, name, *rest = spec.split(":")
    add(name, kind, target=rest[0] if rest else "")
t.close()
PY
}

@test "restore refuses hostile archives and writes nothing outside the new root" {
  echo original > "$WORK/victim"
  local i=0 spec
  for spec in "file:root/../../escape" "file:/abs-escape" \
              "sym:root/up:../../..|file:root/up/escape" \
              "sym:root/etc/link:$WORK|file:root/etc/link/victim" "hard:root/h:$WORK/victim" \
              "hard:root/h2:root/../../victim" "hard:root/h3:config/context" "file:other/x" \
              "file:config/../x"; do
    i=$((i + 1))
    IFS='|' read -ra members <<< "$spec"
    hostile_archive "$WORK/h$i.tar" "${members[@]}"
    run vs restore "$WORK/h$i.tar" "h$i"
    [[ $status -ne 0 ]] || { echo "accepted: $spec"; return 1; }
    [[ ! -e $(guest_cfg "h$i") && ! -e $(guest_root "h$i") ]]
  done
  [[ "$(cat "$WORK/victim")" == original ]]
  [[ ! -e $VSERVER_PREFIX/escape && ! -e /abs-escape && ! -e $VSERVER_PREFIX/var/escape ]]
  [[ -z "$(find "$VSERVER_PREFIX" -name 'escape' -o -name '.build-*')" ]]
  # A symlink pointing out of the root is restored as a symlink, never followed.
  hostile_archive "$WORK/ok.tar" "sym:root/etc/shadowlink:/etc/shadow"
  run vs restore "$WORK/ok.tar" okay -q
  [[ $status -eq 0 ]] || { echo "$output"; return 1; }
  VS_GUESTS+=(okay)
  [[ "$(readlink "$(guest_root okay)/etc/shadowlink")" == /etc/shadow ]]
}
