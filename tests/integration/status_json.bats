#!/usr/bin/env bats
# `vserver NAME status --json`: procview's per-guest document (docs/host-tools.md), exit 0
# running and 3 stopped like the text form.

load lib

setup() { vs_setup; }
teardown() { vs_teardown; }

@test "status --json: valid JSON with name, xid, running and procs, stopped and running" {
  make_guest sj
  run vs sj status --json
  echo "$output"
  [ "$status" -eq 3 ]
  [ "$(jq -r .name <<<"$output")" = sj ]
  [ "$(jq -r .running <<<"$output")" = false ]
  [ "$(jq -r .procs <<<"$output")" = 0 ]
  jq -e 'has("xid")' <<<"$output"
  vs sj start
  run vs sj status --json
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(jq -r .name <<<"$output")" = sj ]
  [ "$(jq -r .running <<<"$output")" = true ]
  [ "$(jq -r .procs <<<"$output")" -ge 1 ]
  [ "$(jq -r '.pids | length' <<<"$output")" -ge 1 ]
  jq -e '.xid | type == "number"' <<<"$output"
  # A bad option is a usage error, one line.
  run vs sj status --bogus
  [ "$status" -eq 2 ]
  vs sj stop
}
