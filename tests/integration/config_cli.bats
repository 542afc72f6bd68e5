#!/usr/bin/env bats
# `vserver NAME config get|set|unset|list`: the issue's examples, values refused as start
# refuses them (one line naming key and value), address conflicts refused as `ip add` refuses
# them, provenance in `list --json`, list/flag semantics, hand-edited trees, and the notice a
# running guest gets when a change waits for its next start.

load lib

setup() { vs_setup; }
teardown() { vs_teardown; }

cfg() { guest_cfg "$1"; }

# A checksum of every file (and link) of guest $1's config tree.
tree_sum() {
  (cd "$(cfg "$1")" && find . -print0 | sort -z |
    xargs -0 -I{} sh -c 'if [ -L "{}" ]; then echo "{} -> $(readlink "{}")";
      elif [ -f "{}" ]; then echo "{} $(md5sum <"{}")"; else echo "{}/"; fi')
}

@test "config set: the issue's examples are written as their key files and read back" {
  make_guest cs
  vs cs config set uts/nodename web1
  vs cs config set interfaces/0/ip 192.0.2.7
  vs cs config set apps/init/mark default
  vs cs config set limits/memory.max 512M
  [[ $(cat "$(cfg cs)/uts/nodename") == web1 ]]
  [[ $(cat "$(cfg cs)/interfaces/0/ip") == 192.0.2.7 ]]
  [[ $(cat "$(cfg cs)/apps/init/mark") == default ]]
  [[ $(cat "$(cfg cs)/limits/memory.max") == 512M ]]
  [[ $(vs cs config get uts/nodename) == web1 ]]
  [[ $(vs cs config get limits/memory.max) == 512M ]]
  # Stored canonical, as the loader and `ip add` store addresses.
  vs cs config set interfaces/1/ip 2001:0db8::0001
  [[ $(cat "$(cfg cs)/interfaces/1/ip") == 2001:db8::1 ]]
  # unset: a key goes back to its default, a directory of keys goes whole.
  vs cs config unset limits/memory.max
  [[ ! -e $(cfg cs)/limits/memory.max ]]
  [[ $(vs cs config get limits/memory.max) == max ]]
  vs cs config unset interfaces/1
  [[ ! -e $(cfg cs)/interfaces/1 && -e $(cfg cs)/interfaces/0/ip ]]
  # No writer leftovers.
  [[ -z $(find "$(cfg cs)" -name '.*.tmp.*') ]]
}

@test "config set: a bad value is one line naming the key and the value; nothing is written" {
  make_guest cb
  before=$(tree_sum cb)
  run vs cb config set limits/memory.max 12Q
  echo "$output"
  [[ $status -eq 2 && ${#lines[@]} -eq 1 ]]
  [[ $output == *limits/memory.max* && $output == *'"12Q"'* ]]
  run vs cb config set uts/nodename 'a/b'
  [[ $status -eq 2 && ${#lines[@]} -eq 1 && $output == *uts/nodename* && $output == *'"a/b"'* ]]
  run vs cb config set interfaces/0/ip 300.1.1.1
  [[ $status -eq 2 && ${#lines[@]} -eq 1 ]]
  [[ $output == *interfaces/0/ip* && $output == *300.1.1.1* ]]
  run vs cb config set context 1
  [[ $status -eq 2 && $output == *context* && $output == *'"1"'* ]]
  # Valid alone, invalid as a whole config (start's validate): a prefix without an address.
  run vs cb config set interfaces/5/prefix 24
  echo "$output"
  [[ $status -eq 2 && ${#lines[@]} -eq 1 && $output == *interfaces* ]]
  [[ $(tree_sum cb) == "$before" ]]
}

@test "config: an unknown key is named with near matches" {
  make_guest cu
  run vs cu config set uts/nodname web1
  echo "$output"
  [[ $status -eq 2 && ${#lines[@]} -eq 1 ]]
  [[ $output == *'"uts/nodname"'* && $output == *'did you mean "uts/nodename"'* ]]
  run vs cu config get nodename
  [[ $status -eq 2 && $output == *'"uts/nodename"'* ]]
  run vs cu config get limits/memory.mx
  [[ $status -eq 2 && $output == *'"limits/memory.max"'* ]]
  run vs cu config set interfaces/0/addr 192.0.2.1
  [[ $status -eq 2 && $output == *'"interfaces/0/'* ]]
}

@test "config set interfaces/N/ip: another guest's address is refused as ip add refuses it" {
  make_guest ca
  make_guest cc
  vs ca config set interfaces/0/ip 192.0.2.20
  run vs cc config set interfaces/0/ip 192.0.2.20
  echo "$output"
  [[ $status -eq 1 && ${#lines[@]} -eq 1 ]]
  [[ $output == *interfaces/0/ip* && $output == *192.0.2.20* && $output == *'"ca"'* ]]
  [[ ! -e $(cfg cc)/interfaces ]]
  # The same refusal as `vserver NAME ip add` gives.
  run vs cc ip add 192.0.2.20
  [[ $status -eq 1 && $output == *'already configured for guest "ca"'* ]]
  vs cc config set interfaces/0/ip 192.0.2.21
}

@test "config list: every key with its value, source and when it applies; --json" {
  make_guest cl
  mkdir -p "$VSERVER_PREFIX/etc/vservers/.defaults"
  echo /bin/sh >"$VSERVER_PREFIX/etc/vservers/.defaults/shell"
  vs cl config set nice 5
  run vs cl config list --json
  [[ $status -eq 0 ]]
  j=$output
  src() { jq -r --arg k "$1" '.keys[] | select(.key == $k) | .source' <<<"$j"; }
  val() { jq -c --arg k "$1" '.keys[] | select(.key == $k) | .value' <<<"$j"; }
  app() { jq -r --arg k "$1" '.keys[] | select(.key == $k) | .applies' <<<"$j"; }
  [[ $(src nice) == guest && $(val nice) == '"5"' && $(app nice) == next-start ]]
  [[ $(src shell) == defaults && $(val shell) == '"/bin/sh"' ]]
  [[ $(src apps/init/killseq) == builtin && $(val apps/init/killseq) == '["15 5 9"]' ]]
  [[ $(app apps/init/killseq) == next-stop ]]
  [[ $(src seccomp) == builtin && $(val seccomp) == '"default"' ]]
  [[ $(src nonewprivs) == builtin && $(val nonewprivs) == false ]]
  [[ $(src uts/domainname) == unset && $(val uts/domainname) == null ]]
  [[ $(app apps/init/mark) == now ]]
  [[ $(jq -r .guest <<<"$j") == cl && $(jq -r .running <<<"$j") == false ]]
  # Every key without '*' is listed (the registry's, less its old aliases).
  [[ $(jq '.keys | length' <<<"$j") -ge 40 ]]
  # The text form: one line per key with the same columns.
  run vs cl config list
  [[ ${lines[0]} == *KEY*SOURCE*APPLIES*VALUE* ]]
  [[ $output == *$'\n'"nice "*guest*next-start*5* ]]
  [[ $output == *$'\n'"shell "*defaults*/bin/sh* ]]
  # A prefix narrows the listing.
  run vs cl config list apps/init/
  [[ $status -eq 0 && $output != *$'\n'nice* && $output == *apps/init/style* ]]
}

@test "config set: lists by entries, --add, --remove and stdin; flags by yes/no" {
  make_guest cm
  vs cm config set bcapabilities NET_ADMIN '!SYS_BOOT'
  [[ $(cat "$(cfg cm)/bcapabilities") == $'NET_ADMIN\n!SYS_BOOT' ]]
  vs cm config set bcapabilities --add SYS_NICE
  vs cm config set bcapabilities --add NET_ADMIN
  vs cm config set bcapabilities --remove '!SYS_BOOT'
  [[ $(cat "$(cfg cm)/bcapabilities") == $'NET_ADMIN\nSYS_NICE' ]]
  [[ $(vs cm config get bcapabilities) == $'NET_ADMIN\nSYS_NICE' ]]
  run vs cm config set bcapabilities --remove SYS_ADMIN
  [[ $status -eq 2 && $output == *bcapabilities* && $output == *'"SYS_ADMIN"'* ]]
  run vs cm config set bcapabilities --add NOT_A_CAP
  [[ $status -eq 2 && ${#lines[@]} -eq 1 && $output == *bcapabilities* && $output == *NOT_A_CAP* ]]
  [[ $(cat "$(cfg cm)/bcapabilities") == $'NET_ADMIN\nSYS_NICE' ]]
  # One argument per line: a command with spaces in an argument stays one argv element.
  vs cm config set apps/init/cmd.start /bin/sh -c 'sleep 1000'
  [[ $(sed -n 3p "$(cfg cm)/apps/init/cmd.start") == 'sleep 1000' ]]
  printf 'none /proc proc defaults 0 0\nnone /tmp tmpfs size=8m,mode=1777 0 0\n' |
    vs cm config set fstab -
  [[ $(wc -l <"$(cfg cm)/fstab") -eq 2 && $(sed -n 2p "$(cfg cm)/fstab") == *size=8m* ]]
  vs cm config set bcapabilities --remove NET_ADMIN SYS_NICE
  [[ ! -e $(cfg cm)/bcapabilities ]]
  # Flags: the file's existence.
  vs cm config set nonewprivs
  [[ -f $(cfg cm)/nonewprivs && ! -s $(cfg cm)/nonewprivs ]]
  [[ $(vs cm config get nonewprivs) == yes ]]
  vs cm config set nonewprivs no
  [[ ! -e $(cfg cm)/nonewprivs ]]
  run vs cm config set nonewprivs maybe
  [[ $status -eq 2 && $output == *nonewprivs* && $output == *'"maybe"'* ]]
  # Scripts are programs, not values.
  run vs cm config set scripts/pre-start echo
  [[ $status -eq 2 && $output == *scripts/pre-start* ]]
}

@test "config set: a hand-edited tree keeps its other files byte for byte" {
  make_guest ch
  printf '# kept by hand\nNET_ADMIN\n\n' >"$(cfg ch)/bcapabilities"
  echo 'my notes' >"$(cfg ch)/README.local"
  chmod 0600 "$(cfg ch)/bcapabilities"
  mkdir -p "$(cfg ch)/uts"
  echo old >"$(cfg ch)/uts/nodename"
  chmod 0640 "$(cfg ch)/uts/nodename"
  mkdir -p "$(cfg ch)/scripts/pre-start.d"
  printf '#!/bin/sh\nexit 0\n' >"$(cfg ch)/scripts/pre-start.d/10-hand"
  chmod 0755 "$(cfg ch)/scripts/pre-start.d/10-hand"
  before=$(tree_sum ch | grep -v './uts/nodename')
  vs ch config set uts/nodename web1
  [[ $(tree_sum ch | grep -v './uts/nodename') == "$before" ]]
  # The rewritten file keeps its mode.
  [[ $(stat -c %a "$(cfg ch)/uts/nodename") == 640 ]]
  # The unknown file is listed as such, the comment survives a get.
  run vs ch config list --json
  [[ $(jq -r '.keys[] | select(.key == "README.local") | .kind' <<<"$output") == unknown ]]
  local kind='.keys[] | select(.key == "scripts/pre-start.d/10-hand") | .kind'
  [[ $(jq -r "$kind" <<<"$output") == program ]]
  [[ $(vs ch config get bcapabilities) == NET_ADMIN ]]
}

@test "config set on a running guest: a restart notice when the key waits for the next start" {
  make_guest cr
  vs cr start
  run vs cr config set uts/nodename web2
  echo "$output"
  [[ $status -eq 0 && $output == *uts/nodename*next\ start*restart* ]]
  # Setting the same value again changes nothing and says nothing.
  run vs cr config set uts/nodename web2
  [[ $status -eq 0 && -z $output ]]
  run vs cr config set apps/init/mark default
  [[ $status -eq 0 && -z $output ]]
  run vs cr config set apps/init/killseq 15 2 9
  [[ $status -eq 0 && $output == *killseq*next\ stopped* && $output != *restart* ]]
  run vs cr config list --json
  [[ $(jq -r .running <<<"$output") == true ]]
  # The running guest kept its name; the restart applies the new one.
  [[ $(vs cr exec hostname) != web2 ]]
  vs cr restart
  [[ $(vs cr exec hostname) == web2 ]]
  vs cr stop
}

@test "apps/vunify/exclude and refserver.* are keys: no unknown-file warning, copied" {
  make_guest vu
  make_guest vuref
  mkdir -p "$(cfg vu)/apps/vunify"
  printf '# local list\n/var/cache\n+/var/cache/keep\n' >"$(cfg vu)/apps/vunify/exclude"
  ln -s ../../vuref "$(cfg vu)/apps/vunify/refserver.1"
  # exec loads the config (as start does) before it finds the guest stopped; the file next to
  # them shows an unknown file is reported there.
  touch "$(cfg vu)/not-a-key"
  run vs vu exec /bin/true
  [[ $output == *'unknown config file "not-a-key"'* ]]
  rm "$(cfg vu)/not-a-key"
  run vs vu exec /bin/true
  [[ $status -ne 0 && $output == *"not running"* ]]
  [[ $output != *unknown* && $output != *warning* ]]
  [[ $(vs vu config get apps/vunify/refserver.1) == ../../vuref ]]
  vs vu config get apps/vunify/exclude | grep -qx '+/var/cache/keep'
  # vserver-copy rebuilds the config from the keys: both come along, nothing is dropped.
  run "$VS_BIN/vserver-copy" vu vucopy --json
  [[ $status -eq 0 && $output != *"no known key"* ]]
  [[ $output == *'"dropped_config_files":[]'* ]]
  cmp "$(cfg vu)/apps/vunify/exclude" "$(cfg vucopy)/apps/vunify/exclude"
  [[ $(readlink "$(cfg vucopy)/apps/vunify/refserver.1") == ../../vuref ]]
  # A refserver that is a real directory names no guest: refused, naming the file.
  rm "$(cfg vu)/apps/vunify/refserver.1"
  mkdir "$(cfg vu)/apps/vunify/refserver.1"
  run vs vu exec /bin/true
  [[ $status -ne 0 && $output == *refserver.1*"expected a symlink"* ]]
}
