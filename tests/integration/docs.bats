#!/usr/bin/env bats
# What a user asks a command about itself: --help and --version on every command and tool, man
# pages that render without a warning, and bash completion (completion/vserver, configured into
# the build dir) offering verbs, guests, options and config keys. No root, no guest started.

bats_require_minimum_version 1.5.0

setup() {
  VS="$VS_BIN/vserver"
  [[ -x $VS ]] || skip "no vserver binary at $VS"
  COMPLETION="$VS_BUILD_DIR/completion/vserver"
  export VSERVER_PREFIX=$(mktemp -d /tmp/vs-docs-XXXXXX)
}

teardown() {
  [[ -n ${VSERVER_PREFIX:-} && -d $VSERVER_PREFIX ]] && rm -rf "$VSERVER_PREFIX"
  return 0
}

@test "--version: every command and tool prints the project's version" {
  local want
  want=$(sed -n 's/^project(vserver_ng VERSION \([0-9.]*\).*/\1/p' "$VS_SOURCE_DIR/CMakeLists.txt")
  run -0 "$VS" --version
  [[ $output =~ ^vserver\ \(vserver-ng\)\ $want(\+g[0-9a-f]+)?$ ]]
  local v=${output##* }
  for tool in $("$VS" --list-tools); do
    [[ -e $VS_BIN/$tool ]] || continue
    run -0 "$VS_BIN/$tool" --version
    [[ $output == "$tool (vserver-ng) $v" ]]
    run -0 "$VS" "--$tool" --version
    [[ $output == "$tool (vserver-ng) $v" ]]
  done
  for verb in $("$VS" --list-commands); do
    run -0 "$VS" someguest "$verb" --version
    [[ $output == "vserver (vserver-ng) $v" ]]
  done
}

@test "--help: every verb and tool prints its usage on stdout, exit 0, touching nothing" {
  run -0 --separate-stderr "$VS" --help
  [[ $output == usage:* ]]
  [[ -z $stderr ]]
  for verb in $("$VS" --list-commands); do
    # The guest need not exist: --help is answered before the verb runs.
    run -0 --separate-stderr "$VS" noguest "$verb" --help
    [[ $output == "vserver NAME $verb: "* ]]
    [[ $output == *"usage: vserver"* ]]
    [[ -z $stderr ]]
    run -0 "$VS" --help "$verb"
    [[ $output == "vserver NAME $verb: "* ]]
    run -0 "$VS" "$verb" --help
    [[ $output == "vserver NAME $verb: "* ]]
  done
  for tool in $("$VS" --list-tools); do
    run -0 --separate-stderr "$VS" "--$tool" --help
    [[ $output == "$tool: "* ]]
    [[ $output == *"usage: $tool"* ]]
    [[ $output == *"See $tool(8)."* ]]
  done
  # Nothing was created for the guest named in the --help calls.
  [[ ! -e $VSERVER_PREFIX/etc/vservers/noguest ]]
  run -2 "$VS" --help nosuchverb
  [[ $output == *'unknown command "nosuchverb"'* ]]
}

@test "man pages: each renders without a warning and names itself" {
  command -v man >/dev/null || skip "no man(1)"
  local n=0 page warnings
  for page in "$VS_SOURCE_DIR"/man/*.[1-8]; do
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l -E UTF-8 "$page" 2>&1 >/dev/null)
    [[ -z $warnings ]] || { echo "$page: $warnings"; return 1; }
    local name=${page##*/}
    name=${name%.*}
    LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q "^NAME"
    ((++n))
  done
  ((n >= 7))
}

@test "man pages: the checker sees a broken page" {
  command -v man >/dev/null || skip "no man(1)"
  local bad=$VSERVER_PREFIX/bad.8
  printf '.TH BAD 8\n.SH NAME\nbad \\- page\n.nosuchmacro\n' >"$bad"
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l -E UTF-8 "$bad" 2>&1 >/dev/null)
  [[ $warnings == *"nosuchmacro"* ]]
}

# complete WORD...: runs the completion function as bash does for the command line WORDS, the
# last one being completed; prints COMPREPLY sorted, one a line.
complete_words() {
  bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _vserver_ng
    printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$COMPLETION" "$@"
}

@test "completion: registered for vserver and every tool name" {
  [[ -f $COMPLETION ]] || skip "no $COMPLETION"
  run -0 bash -c 'source "$1"; complete -p' _ "$COMPLETION"
  for name in vserver $("$VS" --list-tools); do
    grep -q -- "-F _vserver_ng.* $name\( \|$\)" <<<"$output"
  done
}

@test "completion: guest names, skipping dot names and files" {
  [[ -f $COMPLETION ]] || skip "no $COMPLETION"
  mkdir -p "$VSERVER_PREFIX"/etc/vservers/{web1,web2,db,.defaults,.web3.tmp.1}
  touch "$VSERVER_PREFIX/etc/vservers/wfile"
  run -0 complete_words "$VS" w
  [[ $output == $'web1\nweb2' ]]
  run -0 complete_words "$VS" --debug ""
  [[ $output == $'db\nweb1\nweb2' ]]
  run -0 complete_words "$VS_BIN/vkill" --xid d
  [[ $output == db ]]
  run -0 complete_words "$VS_BIN/vserver-copy" -s w
  [[ $output == $'web1\nweb2' ]]
  run -0 complete_words "$VS_BIN/vserver-copy" web1 --vs
  [[ $output == --vsroot ]]
}

@test "completion: verbs after the guest, each verb's options, build methods, subcommands" {
  [[ -f $COMPLETION ]] || skip "no $COMPLETION"
  run -0 complete_words "$VS" web1 st
  [[ $output == $'start\nstatus\nstop' ]]
  run -0 complete_words "$VS" web1 start --
  [[ $output == $'--help\n--rescue\n--version' ]]
  run -0 complete_words "$VS" web1 build -m de
  [[ $output == debootstrap ]]
  run -0 complete_words "$VS" web1 build --host
  [[ $output == --hostname ]]
  run -0 complete_words "$VS" web1 ip ""
  [[ $output == $'add\nchange\ndel\nlist' ]]
  run -0 complete_words "$VS" web1 ip add 10.0.0.2 --m
  [[ $output == $'--mac\n--mode' ]]
  run -0 complete_words "$VS" --help sta
  [[ $output == $'start\nstatus' ]]
}

@test "completion: vsrun's verbs, each verb's options and values, container ids, signals" {
  [[ -f $COMPLETION ]] || skip "no $COMPLETION"
  local R=$VSERVER_PREFIX/vsrun
  mkdir -p "$R"/{web,db}
  run -0 complete_words "$VS_BIN/vsrun" --root "$R" u
  [[ $output == update ]]
  run -0 complete_words "$VS_BIN/vsrun" create --
  [[ $output == *--bundle*--console-socket* && $output == *--preserve-fds* ]]
  [[ $output != *--root* && $output != *--version* ]]
  run -0 complete_words "$VS_BIN/vsrun" exec --e
  [[ $output == --env ]]
  run -0 complete_words "$VS_BIN/vsrun" events --
  [[ $output == $'--help\n--interval\n--stats' ]]
  run -0 complete_words "$VS_BIN/vsrun" list --
  [[ $output == $'--format\n--help\n--json\n--quiet' ]]
  run -0 complete_words "$VS_BIN/vsrun" ps --format ""
  [[ $output == $'json\ntable' ]]
  # Container ids from the state root, after the verb's options (and their values).
  run -0 complete_words "$VS_BIN/vsrun" --root "$R" --debug exec --cwd /tmp -t ""
  [[ $output == $'db\nweb' ]]
  run -0 complete_words "$VS_BIN/vserver" --vsrun --root="$R" delete -f w
  [[ $output == web ]]
  run -0 complete_words "$VS_BIN/vsrun" --root "$R" kill web KI
  [[ $output == KILL ]]
  run -0 complete_words "$VS_BIN/vsrun" --root "$R" create -b /nonexistent ""
  [[ -z $output ]]
  run -0 complete_words "$VS_BIN/vsrun" --log-format ""
  [[ $output == $'json\ntext' ]]
  run -0 complete_words "$VS_BIN/vsrun" --
  [[ $output == *--root* && $output == *--systemd-cgroup* && $output != *--stats* ]]
  [[ $(grep -c -- --help <<<"$output") -eq 1 ]]
}

@test "completion: global options and tools, tool options" {
  [[ -f $COMPLETION ]] || skip "no $COMPLETION"
  run -0 complete_words "$VS" --v
  local want=(--vdu --verbose --version --vfiles --vhashify --vkill --vps --vpstree --vs-consoled
    --vserver-autostart --vserver-copy --vserver-stat --vservers-default --vsrun --vtop --vunify)
  [[ $output == "$(printf '%s\n' "${want[@]}")" ]]
  run -0 complete_words "$VS_BIN/vps" --c
  [[ $output == --context ]]
  run -0 complete_words "$VS" --vps --j
  [[ $output == --json ]]
  run -0 complete_words "$VS_BIN/vtop" -s m
  [[ $output == mem ]]
  run -0 complete_words "$VS_BIN/vkill" --xid web1 -s KI
  [[ $output == KILL ]]
  run -0 complete_words "$VS_BIN/vkill" --xid web1 --signal SIGHU
  [[ $output == SIGHUP ]]
}

@test "completion: config keys come from the binary's key registry" {
  run -0 "$VS" --list-keys
  [[ $output == *$'\ncontext\n'* ]]
  [[ $output == *"interfaces/*/ip"* ]]
  local n
  n=$(grep -c '^| `' <(sed -n '/^## Keys/,/^## /p' "$VS_SOURCE_DIR/docs/config-vserver.md"))
  [[ $(wc -l <<<"$output") -eq $n ]]
  run -2 "$VS" --list-options nosuchverb
}

@test "code health: no tracked source, test or script line is over 100 columns" {
  git -C "$VS_SOURCE_DIR" rev-parse 2>/dev/null || skip "$VS_SOURCE_DIR is not a git checkout"
  # Not checked: docs/ (its prose is, by the next test), man/ and bench/README.md (prose and
  # tables), tests/fixtures/ and tests/fuzz/corpus/ (inputs kept as found: a long line can be
  # what is tested). Columns are characters, as clang-format counts them.
  local long
  long=$(cd "$VS_SOURCE_DIR" &&
    git ls-files -z -- CMakeLists.txt src tools bpf tests scripts completion dist bench \
    ':!tests/fixtures' ':!tests/fuzz/corpus' ':!bench/README.md' | python3 -c '
import os, sys
for p in sys.stdin.read().split("\0"):
    if not p or os.path.islink(p) or not os.path.isfile(p):
        continue
    with open(p, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            if len(line.rstrip("\n")) > 100:
                print(f"{p}:{n}: {len(line.rstrip())} columns")
')
  [[ -z $long ]] || { echo "$long"; return 1; }
}

@test "code health: the shell scripts of bench/ and scripts/ are clean under shellcheck" {
  git -C "$VS_SOURCE_DIR" rev-parse 2>/dev/null || skip "$VS_SOURCE_DIR is not a git checkout"
  command -v shellcheck >/dev/null || skip "shellcheck not installed"
  # Every finding, info included: the ones meant stay, with a directive that says why. The
  # bench scripts follow the helpers they source (bench/.shellcheckrc).
  local files
  mapfile -t files < <(cd "$VS_SOURCE_DIR" && git ls-files -- 'bench/*.sh' 'scripts/*.sh')
  ((${#files[@]} > 0))
  run bash -c 'cd "$1" && shift && shellcheck "$@"' sh "$VS_SOURCE_DIR" "${files[@]}"
  [[ $status -eq 0 ]] || { echo "$output"; false; }
}

@test "docs: no prose line of docs/*.md is over 100 columns (tables and code blocks aside)" {
  # Table rows and code (fenced, or indented by four after a blank line) keep their lines.
  local long
  long=$(python3 - "$VS_SOURCE_DIR"/docs/*.md <<'PY'
import sys
for p in sys.argv[1:]:
    fence = code = False
    blank = True
    with open(p, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            text = line.lstrip()
            if text.startswith("```"):
                fence, code, blank = not fence, False, False
                continue
            if fence:
                continue
            if not text:
                blank = True
                continue
            code = line.startswith(("    ", "\t")) and (blank or code)
            blank = False
            if not code and not text.startswith("|") and len(line) > 100:
                print(f"{p}:{n}: {len(line)} columns")
PY
)
  [[ -z $long ]] || { echo "$long"; return 1; }
}

@test "code health: every tracked C and C++ file is as the repo's .clang-format lays it out" {
  command -v clang-format >/dev/null || skip "no clang-format (Debian: clang-format)"
  git -C "$VS_SOURCE_DIR" rev-parse 2>/dev/null || skip "$VS_SOURCE_DIR is not a git checkout"
  # tests/fixtures and the fuzz corpus are inputs kept as found.
  local bad
  bad=$(cd "$VS_SOURCE_DIR" &&
    git ls-files -z -- '*.cpp' '*.hpp' '*.c' '*.h' ':!tests/fixtures' ':!tests/fuzz/corpus' |
    xargs -0 clang-format --dry-run 2>&1 | grep -o '^[^:]*:[0-9]*:[0-9]*: warning' | sort -u)
  [[ -z $bad ]] || { echo "$bad"; echo "fix: clang-format -i FILE"; return 1; }
}
