#!/bin/bash
# PID 1 of the test VM after switch_root (root = the host's / read-only + an overlay, set up by
# tests/vm/init): runs /run/vm/command, puts its output and exit status in the results share
# /run/vm (as output.W.log and status.W, W = this VM's VS_VM_WORKER number), and powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8
share=/run/vm
w=${VS_VM_WORKER:-0}
export VS_VM_WORKER=$w
# Tests may read this to scale down stress loops: under TCG a fork+exec costs ~15-20x more.
export VS_TEST_VM=1

if [[ -f $share/command ]]; then
  read -r controllers </sys/fs/cgroup/cgroup.controllers
  echo "vm: kernel $(</proc/sys/kernel/osrelease), cgroup2 controllers: $controllers"
  # Output to the console (the host's log) and to the share.
  bash "$share/command" </dev/null 2>&1 | tee "$share/output.$w.log"
  echo "${PIPESTATUS[0]}" >"$share/status.$w"
else
  echo "vm-stage2: no $share/command" | tee "$share/init-error.$w"
fi
sync
/bin/busybox poweroff -f
