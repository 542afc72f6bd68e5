#!/bin/bash
# One worker of the VM test run (tests/vm/run.sh): takes the next unclaimed test from the shared
# list /run/vm/tests and runs it with ctest in the build dir (the cwd), until none is left. The
# workers are separate VMs sharing the host dir /run/vm over 9p; mkdir there is atomic on the
# host, so each test is claimed by exactly one of them. "@smoke" is tests/vm/smoke.sh.
# Records "NAME SECONDS" in /run/vm/times (run.sh orders the next run longest first).
q=/run/vm
here=$(cd "$(dirname "$0")" && pwd)
rc=0
while read -r t; do
  [[ -n $t ]] || continue
  mkdir "$q/claims/$t" 2>/dev/null || continue
  start=$(date +%s)
  if [[ $t == @smoke ]]; then
    bash "$here/smoke.sh" || rc=1
  else
    # ctest -R takes a regex: escape the name's dots and other metacharacters.
    re=$(sed 's/[][\.*^$()+?{}|]/\\&/g' <<<"$t")
    ctest -R "^${re}\$" --output-on-failure || rc=$?
  fi
  echo "$t $(($(date +%s) - start))" >>"$q/times"
done <"$q/tests"
exit "$rc"
