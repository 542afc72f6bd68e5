#!/usr/bin/env bats
# `vserver NAME import-legacy [FILE]`: util-vserver's legacy NAME.conf converted into the config
# tree (docs/config-vserver.md, "Legacy NAME.conf"); the article's mysql5 file, file by file.

load lib

setup() { vs_setup; mkdir -p "$VSERVER_PREFIX/etc/vservers"; }
teardown() { vs_teardown; }

FIXTURES="${VS_SOURCE_DIR:?}/tests/fixtures/legacy"

# Every entry under a config dir, one line per file line: "path: line", "path/" for a
# directory, "path -> target" for a link (the test prefix as @PREFIX@).
tree_listing() {
  (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while read -r p; do
    if [[ -L $p ]]; then
      echo "$p -> $(readlink "$p" | sed "s|^$VSERVER_PREFIX|@PREFIX@|")"
    elif [[ -d $p ]]; then
      echo "$p/"
    elif [[ -s $p ]]; then
      while IFS= read -r l; do echo "$p: $l"; done <"$p"
    else
      echo "$p (empty)"
    fi
  done)
}

@test "import-legacy: the article's mysql5 file converts exactly, file by file; the old stays" {
  local etc=$VSERVER_PREFIX/etc/vservers
  cp "$FIXTURES/mysql5.conf" "$etc/mysql5.conf"
  local before; before=$(sha256sum <"$etc/mysql5.conf")
  # Before: every command says how to convert.
  run vs mysql5 status
  echo "$output"
  [ "$status" -eq 2 ]
  [[ $output == *"only the legacy config \"$etc/mysql5.conf\""*"vserver mysql5 import-legacy"* ]]
  run vs mysql5 start
  [ "$status" -eq 2 ]
  [[ $output == *"vserver mysql5 import-legacy"* ]]
  run vs mysql5 config get context
  [ "$status" -eq 2 ]
  [[ $output == *"vserver mysql5 import-legacy"* ]]
  run "$VS_BIN/vdu" mysql5
  [ "$status" -eq 2 ]
  [[ $output == *"vserver mysql5 import-legacy"* ]]
  local c
  for c in "copy m2" "backup $VSERVER_PREFIX/m.tar" "hashify -n --hardlink" "ip list"; do
    run vs mysql5 $c
    [[ $status -eq 2 && $output == *"vserver mysql5 import-legacy"* ]] ||
      { echo "$c: $output"; false; }
  done
  run "$VS_BIN/vserver-copy" mysql5 m3
  [[ $status -eq 2 && $output == *"vserver mysql5 import-legacy"* ]]
  # build does not shadow the legacy guest with a new one.
  run vs mysql5 build -m skeleton
  echo "$output"
  [[ $status -ne 0 && $output == *"vserver mysql5 import-legacy"* ]]
  [ "$(ls -A "$etc")" = mysql5.conf ]
  run vs mysql5 import-legacy
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output != *"not converted"* ]]
  diff -u "$FIXTURES/mysql5.tree" <(tree_listing "$etc/mysql5")
  [ "$(sha256sum <"$etc/mysql5.conf")" = "$before" ]
  # The new tree loads as start loads it: a stopped guest (3), no warning.
  run vs mysql5 status
  echo "$output"
  [ "$status" -eq 3 ]
  [[ $output != *warning* ]]
  # A second import refuses to touch the tree.
  run vs mysql5 import-legacy
  [ "$status" -eq 2 ]
  [[ $output == *"has a config dir already"* ]]
  diff -u "$FIXTURES/mysql5.tree" <(tree_listing "$etc/mysql5")
}

@test "import-legacy: ASCII quotes give the same tree as the printed >>...>> and «...» ones" {
  local etc=$VSERVER_PREFIX/etc/vservers
  sed 's/>>/"/g' "$FIXTURES/mysql5.conf" >"$etc/ascii.conf"
  sed 's/>>\([^>]*\)>>/«\1»/g' "$FIXTURES/mysql5.conf" >"$etc/guillemets.conf"
  grep -q '"lock nproc"' "$etc/ascii.conf"
  grep -q '«lock nproc»' "$etc/guillemets.conf"
  # The fixture's address is taken by the first; the others go to other addresses.
  sed -i 's/^IPROOT=.*/IPROOT=10.95.81.18/' "$etc/ascii.conf"
  sed -i 's/^IPROOT=.*/IPROOT=10.95.81.19/' "$etc/guillemets.conf"
  vs ascii import-legacy
  vs guillemets import-legacy
  diff <(tree_listing "$etc/ascii" | sed 's/ascii/G/; s/81\.18/81.X/') \
    <(tree_listing "$etc/guillemets" | sed 's/guillemets/G/; s/81\.19/81.X/')
  [ "$(cat "$etc/ascii/cflags")" = "$(printf 'lock\nnproc')" ]
}

@test "import-legacy: several addresses, ULIMIT, unknown variables listed, FILE argument" {
  local f=$VSERVER_PREFIX/old-web.conf
  cat >"$f" <<'CONF'
# several addresses: dev: prefixes, own masks, the IPROOTMASK/IPROOTDEV defaults
IPROOT="eth0:192.0.2.10 192.0.2.11/255.255.255.128 198.51.100.7"
IPROOTMASK=255.255.255.0
IPROOTDEV=dummy0
S_HOSTNAME='web'
S_DOMAINNAME=none
S_CONTEXT=4242
S_NICE=5
S_FLAGS="fakeinit nproc"
ULIMIT="-H -u 500"
ONBOOT=no
BACKUP_HOST=nas   # unknown to util-vserver and to us
S_NOSYS=1
CONF
  run vs web import-legacy "$f"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *'unknown variable, not converted: BACKUP_HOST="nas" (line 12)'* ]]
  [[ $output == *'not converted: S_NOSYS="1"'* ]]
  local c=$VSERVER_PREFIX/etc/vservers/web
  [ "$(cat "$c/interfaces/0/dev")" = eth0 ]
  [ "$(cat "$c/interfaces/0/prefix")" = 24 ]
  [ "$(cat "$c/interfaces/1/ip")" = 192.0.2.11 ]
  [ "$(cat "$c/interfaces/1/prefix")" = 25 ]
  [ "$(cat "$c/interfaces/1/dev")" = dummy0 ]
  [ "$(cat "$c/interfaces/2/ip")" = 198.51.100.7 ]
  [ "$(cat "$c/context")" = 4242 ]
  [ "$(cat "$c/nice")" = 5 ]
  [ "$(cat "$c/apps/init/style")" = plain ]
  [ "$(cat "$c/cflags")" = nproc ]
  [ "$(cat "$c/rlimits/nproc.hard")" = 500 ]
  [ ! -e "$c/apps/init/mark" ]
  [ ! -e "$c/uts/domainname" ]
  [ -f "$f" ]
  run vs web status
  [ "$status" -eq 3 ]
}

@test "import-legacy: bad value or shell code refused naming file, variable, value; none written" {
  local etc=$VSERVER_PREFIX/etc/vservers
  printf 'S_HOSTNAME=ok\nS_CONTEXT=70000\n' >"$etc/bad.conf"
  run vs bad import-legacy
  echo "$output"
  [ "$status" -eq 2 ]
  [[ $output == *"$etc/bad.conf: S_CONTEXT=\"70000\""* ]]
  [ "$(echo "$output" | wc -l)" -eq 1 ]
  printf 'S_HOSTNAME=$(hostname)\n' >"$etc/bad.conf"
  run vs bad import-legacy
  echo "$output"
  [ "$status" -eq 2 ]
  [[ $output == *"$etc/bad.conf:1: S_HOSTNAME: needs the shell"* ]]
  # An address another guest has is refused as build refuses it.
  cp "$FIXTURES/mysql5.conf" "$etc/mysql5.conf"
  vs mysql5 import-legacy
  cp "$FIXTURES/mysql5.conf" "$etc/twin.conf"
  run vs twin import-legacy
  echo "$output"
  [ "$status" -eq 2 ]
  [[ $output == *10.95.81.17* ]]
  # Nothing half-made: only the legacy files and the one imported guest.
  [ "$(ls -A "$etc" | LC_ALL=C sort | tr '\n' ' ')" = "bad.conf mysql5 mysql5.conf twin.conf " ]
  run vs nosuch import-legacy
  [ "$status" -eq 2 ]
  [[ $output == *nosuch.conf* ]]
  ln -s "$etc/mysql5.conf" "$etc/link.conf"
  run vs link import-legacy
  [ "$status" -eq 2 ]
  [ ! -e "$etc/link" ]
}
