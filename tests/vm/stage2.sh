#!/bin/bash
# PID 1 of the test VM after switch_root (root = the host's / read-only + a tmpfs overlay, set up
# by tests/vm/init): runs /run/vm/command, puts its output and exit status in the results share
# /run/vm, and powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8
share=/run/vm

if [[ -f $share/command ]]; then
  read -r controllers </sys/fs/cgroup/cgroup.controllers
  echo "vm: kernel $(</proc/sys/kernel/osrelease), cgroup2 controllers: $controllers"
  # Output to the console (the host's log) and to the share.
  bash "$share/command" </dev/null 2>&1 | tee "$share/output.log"
  echo "${PIPESTATUS[0]}" >"$share/status"
else
  echo "vm-stage2: no $share/command" | tee "$share/init-error"
fi
sync
/bin/busybox poweroff -f
