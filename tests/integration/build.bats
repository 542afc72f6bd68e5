#!/usr/bin/env bats
# vserver NAME build: the skeleton method's tree and config, template archives of every
# compression, --force, bad input that creates nothing, and failures that leave nothing.

bats_require_minimum_version 1.5.0
load build_helpers

setup() { build_setup; }
teardown() { build_teardown; }

@test "skeleton: complete busybox guest and util-vserver config tree" {
  run vserver demo build -m skeleton --hostname demo-host --interface web=eth0:10.9.0.2/24 \
    --context 40100
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  cfg=$VSERVER_PREFIX/etc/vservers/demo
  root=$VSERVER_PREFIX/var/lib/vservers/demo
  [[ "$(cat $cfg/name)" == demo ]]
  [[ "$(cat $cfg/context)" == 40100 ]]
  [[ "$(cat $cfg/uts/nodename)" == demo-host ]]
  [[ "$(cat $cfg/interfaces/0/ip)" == 10.9.0.2 ]]
  [[ "$(cat $cfg/interfaces/0/prefix)" == 24 ]]
  [[ "$(cat $cfg/interfaces/0/dev)" == eth0 ]]
  [[ "$(cat $cfg/interfaces/0/name)" == web ]]
  [[ "$(cat $cfg/apps/init/style)" == sysv ]]
  grep -q '/dev/pts' $cfg/fstab
  [[ "$(readlink $cfg/vdir)" == "$root" ]]
  # util-vserver's barrier: the roots' parent is root-only; a guest's / stays 0755 inside.
  [[ "$(stat -c %a "$VSERVER_PREFIX/var/lib/vservers")" == 700 ]]
  [[ "$(stat -c %a "$root")" == 755 ]]
  [[ "$(readlink $cfg/cache)" == "$VSERVER_PREFIX/var/cache/vservers/demo" && -d $cfg/cache ]]
  [[ "$(readlink $cfg/run)" == "$VSERVER_PREFIX/run/vservers/demo" ]]
  # The root: FHS, busybox and its applets, /etc, init.
  for d in bin sbin usr/bin usr/sbin etc/init.d etc/rc3.d dev proc sys run var/log home root; do
    [[ -d $root/$d ]] || { echo "missing dir $d"; false; }
  done
  [[ "$(stat -c %a $root/tmp)" == 1777 && "$(stat -c %a $root/root)" == 700 ]]
  [[ -x $root/bin/busybox && "$(readlink $root/sbin/init)" == /bin/busybox ]]
  [[ "$(readlink $root/bin/sh)" == /bin/busybox ]]
  [[ $(find $root -type l -lname /bin/busybox | wc -l) -gt 100 ]]
  grep -q '^root:x:0:0:' $root/etc/passwd
  grep -q '^root:x:0:' $root/etc/group
  [[ "$(cat $root/etc/hostname)" == demo-host ]]
  grep -q 'demo-host' $root/etc/hosts
  grep -q '::sysinit:/etc/init.d/rcS' $root/etc/inittab
  [[ -x $root/etc/init.d/rcS && -x $root/etc/init.d/rc ]]
  # It runs: applets work chrooted, and rc N runs the S scripts of rcN.d with "start".
  [[ "$(chroot $root /bin/sh -c 'echo $((6*7))')" == 42 ]]
  printf '#!/bin/sh\necho "$1" > /tmp/svc.out\n' > $root/etc/rc3.d/S10svc
  chmod +x $root/etc/rc3.d/S10svc
  chroot $root /etc/init.d/rc 3
  [[ "$(cat $root/tmp/svc.out)" == start ]]
  # A built guest loads through the config registry.
  next=$(cat $VSERVER_PREFIX/etc/vservers/.defaults/context.next 2>/dev/null || echo none)
  [[ $next != 40100 ]]
}

@test "skeleton: context auto-assigned from 40000 upward, --initstyle and --flags written" {
  run vserver a build -m skeleton
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  run vserver b build -m skeleton --initstyle sysv --flags lock
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  # --flags adds to util-vserver's default flags; the defaults stay (nothing negated).
  grep -qx lock $VSERVER_PREFIX/etc/vservers/b/cflags
  ! grep -q '^!' $VSERVER_PREFIX/etc/vservers/b/cflags
  [[ ! -e $VSERVER_PREFIX/etc/vservers/a/bcapabilities ]] ||
      ! grep -q '^!' $VSERVER_PREFIX/etc/vservers/a/bcapabilities
  [[ "$(cat $VSERVER_PREFIX/etc/vservers/a/context)" == 40000 ]]
  [[ "$(cat $VSERVER_PREFIX/etc/vservers/b/context)" == 40001 ]]
  [[ "$(cat $VSERVER_PREFIX/etc/vservers/b/apps/init/style)" == sysv ]]
}

@test "template: tar, .gz, .xz, .zst keep owners, modes, xattrs, ACLs, caps, hardlinks, devices" {
  make_rich_tree $WORK/src
  tar --xattrs --xattrs-include='*' --acls --numeric-owner -C $WORK/src -cf $WORK/t.tar .
  gzip -c $WORK/t.tar > $WORK/t.tar.gz
  xz -c $WORK/t.tar > $WORK/t.tar.xz
  zstd -q -c $WORK/t.tar > $WORK/t.tar.zst
  for ext in tar tar.gz tar.xz tar.zst; do
    g=t-${ext//./-}
    run vserver $g build -m template -- -t $WORK/t.$ext
    [[ $status -eq 0 ]] || { echo "$ext: $output"; false; }
    check_rich_tree $VSERVER_PREFIX/var/lib/vservers/$g
    # Copied trees get the init style their content supports: no init at all -> reaper.
    [[ "$(cat $VSERVER_PREFIX/etc/vservers/$g/apps/init/style)" == reaper ]]
  done
}

@test "template: several archives overlay in order; an /etc/init.d/rc makes it sysv" {
  mkdir -p $WORK/one/etc/init.d $WORK/two/etc
  echo first > $WORK/one/etc/motd
  printf '#!/bin/sh\n' > $WORK/one/etc/init.d/rc; chmod +x $WORK/one/etc/init.d/rc
  echo second > $WORK/two/etc/motd
  tar -C $WORK/one -czf $WORK/one.tgz .
  tar -C $WORK/two -cf $WORK/two.tar .
  run vserver ov build -m template -- -t $WORK/one.tgz -t $WORK/two.tar
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  [[ "$(cat $VSERVER_PREFIX/var/lib/vservers/ov/etc/motd)" == second ]]
  [[ "$(cat $VSERVER_PREFIX/etc/vservers/ov/apps/init/style)" == sysv ]]
}

@test "template: '..', absolute paths, a path through a symlink: refused, nothing written outside" {
  mkdir -p $WORK/a/b $WORK/outside
  echo evil > $WORK/a/escape.txt
  (cd $WORK/a/b && tar -P -cf $WORK/dotdot.tar ../escape.txt)
  tar -P -cf $WORK/abs.tar $WORK/a/escape.txt
  mkdir -p $WORK/s1 $WORK/s2/lnk
  ln -s $WORK/outside $WORK/s1/lnk
  echo pwned > $WORK/s2/lnk/pwned
  tar -cf $WORK/through.tar -C $WORK/s1 lnk -C $WORK/s2 lnk/pwned
  for t in dotdot abs through; do
    run vserver evil-$t build -m template -- -t $WORK/$t.tar
    [[ $status -ne 0 ]] || { echo "$t accepted: $output"; false; }
    left=$(prefix_contents | grep -v -e '/etc/vservers$' -e '/var/lib/vservers$' -e '/var/lib$' \
      -e '/var$' -e '/etc$' -e '/.defaults' || true)
    [[ -z $left ]] || { echo "$t left: $(prefix_contents)"; false; }
  done
  [[ ! -e $WORK/outside/pwned ]]
  [[ ! -e $VSERVER_PREFIX/escape.txt && ! -e $VSERVER_PREFIX/var/lib/escape.txt ]]
}

@test "bad input: each is refused with the flag and value named, and creates nothing" {
  declare -a cases=(
    "bad/name|-m skeleton|bad/name"
    "a..b|-m skeleton|a..b"
    "ok|-m skeleton --interface 10.0.0.256|10.0.0.256"
    "ok|-m skeleton --interface 10.0.0.1/33|33"
    "ok|-m skeleton --interface eth0:fd00::1/129|129"
    "ok|-m skeleton --flags lock,bogusflag|bogusflag"
    "ok|-m yum|yum"
    "ok|-m template -- -t /nonexistent/t.tar|/nonexistent/t.tar"
    "ok|-m clone -- --source no-such-guest|no-such-guest"
    "ok|-m rsync -- --source $WORK/none|$WORK/none"
    "ok|-m rsync -- --source / -o -L|-L"
    "ok|-m skeleton --context 0|--context"
    "ok|-m skeleton --initstyle gentoo|gentoo"
  )
  echo notatar > $WORK/junk.tar
  cases+=("ok|-m template -- -t $WORK/junk.tar|junk.tar")
  for c in "${cases[@]}"; do
    IFS='|' read -r name args needle <<< "$c"
    run vserver "$name" build $args
    [[ $status -eq 2 ]] || { echo "[$c] status $status: $output"; false; }
    [[ "$output" == *"$needle"* ]] || { echo "[$c] message lacks $needle: $output"; false; }
    [[ $(echo "$output" | wc -l) -eq 1 ]] || { echo "[$c] not one line: $output"; false; }
    [[ -z "$(prefix_contents)" ]] || { echo "[$c] created: $(prefix_contents)"; false; }
  done
}

@test "an existing guest is refused and left untouched; --force replaces it whole" {
  run vserver g build -m skeleton --hostname first
  [[ $status -eq 0 ]]
  ctx=$(cat $VSERVER_PREFIX/etc/vservers/g/context)
  touch $VSERVER_PREFIX/var/lib/vservers/g/marker
  run vserver g build -m skeleton --hostname second
  [[ $status -eq 1 && "$output" == *"already exists"* ]]
  [[ "$(cat $VSERVER_PREFIX/etc/vservers/g/uts/nodename)" == first &&
      -e $VSERVER_PREFIX/var/lib/vservers/g/marker ]]
  run vserver g build -m skeleton --hostname second --force
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  [[ "$(cat $VSERVER_PREFIX/etc/vservers/g/uts/nodename)" == second ]]
  [[ ! -e $VSERVER_PREFIX/var/lib/vservers/g/marker ]]
  [[ -z "$(ls -A $VSERVER_PREFIX/var/lib/vservers | grep -v '^g$')" ]]
  [[ -z "$(ls -A $VSERVER_PREFIX/etc/vservers | grep -v -e '^g$' -e '^.defaults$')" ]]
}

@test "a build that fails midway leaves nothing; a failed --force keeps the old guest" {
  mkdir -p $WORK/ok/etc
  echo fine > $WORK/ok/etc/motd
  tar -C $WORK/ok -cf $WORK/good.tar .
  (cd $WORK/ok/etc && tar -P -rf $WORK/good.tar ../../escape 2>/dev/null || true)
  cp $WORK/good.tar $WORK/bad.tar
  echo x > $WORK/escape
  (cd $WORK/ok/etc && tar -P -rf $WORK/bad.tar ../../escape)
  run vserver half build -m template -- -t $WORK/bad.tar
  [[ $status -eq 1 ]] || { echo "$output"; false; }
  [[ ! -e $VSERVER_PREFIX/etc/vservers/half && ! -e $VSERVER_PREFIX/var/lib/vservers/half ]]
  [[ ! -e $VSERVER_PREFIX/var/cache/vservers/half ]]
  [[ -z "$(find $VSERVER_PREFIX -name '.build-*')" ]]
  left=$(prefix_contents | grep -v -e '/etc/vservers/.defaults' -e '/etc/vservers$' -e '/etc$' \
    -e '/var/lib$' -e '/var$' -e '/var/lib/vservers$' || true)
  [[ -z $left ]] || { echo "left: $(prefix_contents)"; false; }
  run vserver keep build -m skeleton --hostname old
  [[ $status -eq 0 ]]
  run vserver keep build -m template --force -- -t $WORK/bad.tar
  [[ $status -eq 1 ]]
  [[ "$(cat $VSERVER_PREFIX/etc/vservers/keep/uts/nodename)" == old &&
      -x $VSERVER_PREFIX/var/lib/vservers/keep/bin/busybox ]]
  [[ -z "$(find $VSERVER_PREFIX -name '.build-*')" ]]
}

@test "--force refuses to replace a running guest" {
  local first=$VSERVER_PREFIX
  load lib
  vs_setup      # lifecycle helpers (lib.bash) own started guests' teardown
  rm -rf "$first"
  run vserver run1 build -m skeleton
  [[ $status -eq 0 ]]
  VS_GUESTS+=(run1)
  echo reaper > $VSERVER_PREFIX/etc/vservers/run1/apps/init/style
  run vserver run1 start
  [[ $status -eq 0 ]] || { echo "$output"; vs_teardown; false; }
  run vserver run1 build -m skeleton --force
  rc=$status out=$output
  [[ -x $VSERVER_PREFIX/var/lib/vservers/run1/bin/busybox ]]
  vs_teardown
  [[ $rc -eq 1 && "$out" == *running* ]] || { echo "$out"; false; }
}

@test "--rootdir puts the root elsewhere and vdir points there" {
  run vserver r build -m skeleton --rootdir $WORK/guests
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  [[ -x $WORK/guests/r/bin/busybox ]]
  [[ "$(readlink $VSERVER_PREFIX/etc/vservers/r/vdir)" == $WORK/guests/r ]]
}

@test "new guests are user-namespaced unless --no-userns (warned); id ranges never overlap" {
  run vserver u1 build -m skeleton
  [[ $status -eq 0 && $output != *"classic guest"* ]] || { echo "$output"; false; }
  run vserver u2 build -m skeleton --userns
  [[ $status -eq 0 && $output != *"classic guest"* ]] || { echo "$output"; false; }
  run vserver c1 build -m skeleton --no-userns
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  # A classic guest is built as asked, with a warning of what it gives away.
  [[ $output == *"warning: build: c1 is a classic guest (--no-userns): its root is host root"* &&
     $output == *"per-uid kernel limits (inotify instances and watches)"* ]]
  cfg=$VSERVER_PREFIX/etc/vservers
  [[ -f $cfg/u1/userns && ! -s $cfg/u1/userns && -f $cfg/u2/userns ]]
  [[ ! -e $cfg/c1/userns ]]
  # The range of each is its context's, and contexts are unique.
  [[ "$(cat $cfg/u1/context)" != "$(cat $cfg/u2/context)" ]]
  # The tree is stored with the ids a classic guest has: no chown to the guest's host range.
  [[ "$(stat -c %u:%g $VSERVER_PREFIX/var/lib/vservers/u1/etc/passwd)" == 0:0 ]]
  run vserver x build -m skeleton --userns --no-userns
  [[ $status -eq 2 && "$output" == *"--userns and --no-userns"* ]]
  # A context whose range another guest's explicit map covers is refused, nothing made.
  echo "$((40200 * 65536 + 100)) 65536" >$cfg/c1/userns
  run vserver o build -m skeleton --context 40200
  echo "$output"
  [[ $status -ne 0 && ${#lines[@]} -eq 1 && "$output" == *"overlap guest c1's id map"* ]]
  [[ ! -e $cfg/o && ! -e $VSERVER_PREFIX/var/lib/vservers/o ]]
  run vserver o build -m skeleton --context 40202
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  # Another guest's userns that cannot be read as its key is read is an error naming it, never
  # skipped: a FIFO (a plain open would hang), a symlink (not followed), a bad value.
  rm $cfg/c1/userns && mkfifo $cfg/c1/userns
  run timeout 60 vserver p1 build -m skeleton
  [[ $status -eq 1 && "$output" == *"\"$cfg/c1/userns\" is a FIFO"* ]] || { echo "$output"; false; }
  echo "$((40300 * 65536)) 65536" >$WORK/map
  rm $cfg/c1/userns && ln -s $WORK/map $cfg/c1/userns
  run timeout 60 vserver p2 build -m skeleton
  [[ $status -eq 1 && "$output" == *"$cfg/c1/userns"*"symbolic link"* ]] ||
    { echo "$output"; false; }
  rm $cfg/c1/userns && echo "1 x" >$cfg/c1/userns
  run timeout 60 vserver p3 build -m skeleton
  [[ $status -eq 1 && "$output" == *"$cfg/c1/userns: invalid id map \"1 x\""* ]] ||
    { echo "$output"; false; }
  [[ ! -e $cfg/p1 && ! -e $cfg/p2 && ! -e $cfg/p3 ]]
  [[ ! -e $VSERVER_PREFIX/var/lib/vservers/p1 && ! -e $VSERVER_PREFIX/var/lib/vservers/p3 ]]
}

@test "userns guest on a filesystem without idmapped mounts: refused, named; --no-userns skips it" {
  mkdir -p "$WORK/ram"
  mount -t ramfs vs-build-ramfs "$WORK/ram" || skip "cannot mount a ramfs here"
  run vserver r build -m skeleton --rootdir "$WORK/ram/guests"
  rc=$status out=$output lines_n=${#lines[@]}
  left=$(find "$WORK/ram" -mindepth 1; ls "$VSERVER_PREFIX/etc/vservers" 2>/dev/null |
      grep -v '^\.' || true)
  run vserver r build -m skeleton --no-userns --rootdir "$WORK/ram/guests"
  out2=$output
  rm -rf "$WORK/ram/guests" "$VSERVER_PREFIX/etc/vservers/r"
  umount "$WORK/ram"
  echo "$out"
  [[ $rc -eq 2 && $lines_n -eq 1 ]]
  [[ "$out" == *"\"$WORK/ram\" (ramfs) cannot do idmapped mounts"* && "$out" == *--no-userns* ]]
  [[ -z "$left" ]] || { echo "left behind: $left"; false; }
  # A classic guest needs no idmapped mounts (ramfs then fails only for its lack of xattrs).
  [[ $out2 != *idmapped* ]] || { echo "$out2"; false; }
}
