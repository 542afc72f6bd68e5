#!/usr/bin/env bats
# cmake --install from the build dir into a staging root (DESTDIR) and into a plain prefix: the
# programs stripped with their debug info split out by build id, the tools' links, man pages,
# bash completion and docs where they belong; then the installed vserver builds, starts, execs
# in and stops a skeleton guest (vs-init found beside it). The .deb: package.slow.bats.

bats_require_minimum_version 1.5.0
load lib

setup_file() {
  command -v cmake >/dev/null || skip "no cmake"
  [[ -f $VS_BUILD_DIR/cmake_install.cmake ]] || skip "no build dir at $VS_BUILD_DIR"
  export STAGE=$(mktemp -d /tmp/vs-install-XXXXXX)
  # One install for every test (the file's longest step: copying ~10 MB and, the first time,
  # extracting the debug info).
  DESTDIR=$STAGE/root cmake --install "$VS_BUILD_DIR" --prefix /usr >"$STAGE/install.log" 2>&1 ||
    { cat "$STAGE/install.log" >&2; return 1; }
}

teardown_file() {
  [[ -n ${STAGE:-} && -d $STAGE ]] && rm -rf "$STAGE"
  return 0
}

setup() { R=$STAGE/root/usr; }

teardown() { vs_teardown; }

@test "DESTDIR: programs in sbin, links to the multi-call binaries, /etc only for boot files" {
  [[ -x $R/sbin/vserver && -x $R/sbin/vps && -x $R/sbin/vs-init ]]
  for tool in vserver-stat vpstree vkill; do
    [[ $(readlink "$R/sbin/$tool") == vserver ]]
  done
  [[ $(readlink "$R/sbin/vtop") == vps ]]
  # Every link name CMakeLists.txt lists is installed.
  local links
  links=$(sed -n '/^set(VS_TOOL_LINKS/,/)/p' "$VS_SOURCE_DIR/CMakeLists.txt" | grep -v '[()]')
  for tool in $links; do [[ -L $R/sbin/$tool ]]; done
  # Under /usr, but for the boot script and its settings: /etc with prefix /usr (dist/).
  [[ $(ls "$STAGE/root" | tr '\n' ' ') == "etc usr " ]]
  [[ -z $(find "$STAGE/root/etc" -type f ! -path '*/init.d/*' ! -path '*/default/*') ]]
  grep -qx 'EnvironmentFile=-/etc/default/vservers-default' \
    "$R/lib/systemd/system/vservers-default.service"
  run -0 "$R/sbin/vserver" --help
  [[ $output == usage:* ]]
  run -0 "$R/sbin/vkill" --version
  [[ $output == "vkill (vserver-ng) $("$VS" --version | cut -d' ' -f3)" ]]
  run -0 "$R/sbin/vtop" --help
  [[ $output == "vtop: "* ]]
}

@test "DESTDIR: binaries stripped, debug info in lib/debug/.build-id by build id, gdb finds it" {
  for b in vserver vps; do
    run -0 readelf -S "$R/sbin/$b"
    [[ $output != *.debug_info* && $output != *" .symtab "* ]]
    [[ $output == *.gnu_debuglink* ]]
    local id
    id=$(readelf -n "$R/sbin/$b" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
    [[ -n $id ]]
    local dbg=$R/lib/debug/.build-id/${id:0:2}/${id:2}.debug
    [[ -f $dbg ]]
    [[ $(stat -c %a "$dbg") == 644 ]]
    run -0 readelf -S "$dbg"
    [[ $output == *.debug_info* ]]
    # The same build id as the unstripped build-tree binary.
    [[ $(readelf -n "$VS_BIN/$b" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p') == "$id" ]]
  done
  local size
  size=$(stat -c %s "$R/sbin/vserver")
  ((size < $(stat -c %s "$VS_BIN/vserver") / 4))
  command -v gdb >/dev/null || skip "no gdb"
  run -0 gdb -nx -batch -iex "set debug-file-directory $R/lib/debug" \
    -ex 'info line vs::cli::main' "$R/sbin/vserver"
  [[ $output == *registry.cpp* ]]
}

@test "DESTDIR: man pages, bash completion (one script, linked per name), docs" {
  for p in vserver vps vtop vpstree vkill vserver-stat; do [[ -f $R/share/man/man8/$p.8 ]]; done
  [[ -f $R/share/man/man5/vserver-config.5 ]]
  run -0 man -w -M "$R/share/man" vserver
  [[ $output == "$R/share/man/man8/vserver.8" ]]
  run -0 man -w -M "$R/share/man" 5 vserver-config
  local c=$R/share/bash-completion/completions
  [[ -f $c/vserver ]]
  for tool in vps vtop vserver-stat vpstree vkill; do [[ $(readlink "$c/$tool") == vserver ]]; done
  grep -q '@[A-Z_]*@' "$c/vserver" && { echo "unconfigured @VAR@ in the completion"; return 1; }
  grep -q '^complete -F _vserver_ng vserver vps' "$c/vserver"
  [[ -f $R/share/doc/vserver-ng/README.md && -f $R/share/doc/vserver-ng/config-vserver.md ]]
}

@test "--prefix without DESTDIR: every path, the links included, under the prefix" {
  local p=$STAGE/prefix
  cmake --install "$VS_BUILD_DIR" --prefix "$p" --component main >/dev/null
  [[ $(readlink "$p/sbin/vkill") == vserver && -x $p/sbin/vkill ]]
  [[ $(readlink "$p/sbin/vtop") == vps ]]
  [[ -f $p/share/man/man8/vserver.8 && -L $p/share/bash-completion/completions/vkill ]]
  # The boot files name the settings file where it was installed.
  [[ -f $p/etc/default/vservers-default ]]
  grep -qx "EnvironmentFile=-$p/etc/default/vservers-default" \
    "$p/lib/systemd/system/vservers-default.service"
  grep -q "^DEFAULTS=\${VSERVER_PREFIX:-}$p/etc/default/vservers-default\$" \
    "$p/etc/init.d/vservers-default"
  # The main component alone has no debug files; the dbgsym one has them and nothing else.
  [[ ! -e $p/lib/debug ]]
  cmake --install "$VS_BUILD_DIR" --prefix "$STAGE/dbg" --component dbgsym >/dev/null
  local re='^./lib/debug/.build-id/../[0-9a-f]*\.debug$'
  [[ $(cd "$STAGE/dbg" && find . -type f | grep -vc "$re") == 0 ]]
  [[ $(cd "$STAGE/dbg" && find . -type f | wc -l) == 2 ]]
}

@test "the installed vserver builds, starts, runs a command in and stops a skeleton guest" {
  vs_setup
  [[ -x /bin/busybox ]] || skip "no /bin/busybox"
  local v=$R/sbin/vserver
  VS_GUESTS+=(inst)
  run -0 "$v" inst build -m skeleton
  run -0 "$v" inst start
  run -0 "$v" inst exec /bin/echo hello
  [[ $output == hello ]]
  run -0 "$R/sbin/vserver-stat"
  [[ $output == *" inst"* ]]
  run -0 "$v" inst stop
  run -3 "$v" inst status
  run -0 "$v" --silent inst delete
}
