#!/usr/bin/env bash
# The main job on a fresh Debian 12, as root: install, build, build a guest named "demo" from the
# zero-config skeleton method, start it, and show that it is isolated.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build
export PATH="$PWD/build/bin:$PATH"
name=${DEMO_GUEST:-demo}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if vserver "$name" running; then
  say "stopping the previous $name"
  vserver "$name" stop
fi
if [ -d "${VSERVER_PREFIX:-}/etc/vservers/$name" ]; then
  vserver "$name" delete --force
fi

say "vserver $name build -m skeleton"
vserver "$name" build -m skeleton
say "vserver $name start"
vserver "$name" start

say "inside: ps (its init is PID 1, it sees only its own processes)"
vserver "$name" exec ps
say "inside: hostname (host: $(hostname))"
vserver "$name" exec hostname
say "inside: mounts"
vserver "$name" exec cat /proc/mounts
say "inside: capability bounding set"
vserver "$name" exec grep Cap /proc/self/status
say "host: vserver $name status"
vserver "$name" status
say "host: vserver-stat"
vserver-stat
say "host: vps --context $name"
vps --context "$name" -e -o pid,comm
printf '\nThe guest keeps running. Try: vserver %s enter | vserver %s stop | vserver %s delete\n' \
  "$name" "$name" "$name"
