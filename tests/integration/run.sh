#!/usr/bin/env bash
# Runs one integration suite as ctest does: bats --tap FILE. In the cgroup-v2 VM (VS_TEST_VM, set
# by tests/vm/stage2.sh) it leaves out the tests whose body starts with host_only or no_cgroup
# (host_only.bash) before bats starts them: a test that bats starts costs its setup, its teardown
# and bats' own per-test work even when it skips at once, and under TCG that is most of what a
# skipped test costs. The marks stay the one place that says which tests the VM skips; run
# directly in the VM, a marked test still skips itself.
# Usage: tests/integration/run.sh FILE.bats
set -euo pipefail
f=${1:?usage: tests/integration/run.sh FILE.bats}
[[ -n ${VS_TEST_VM:-} ]] || exec bats --tap "$f"

# bats' own pattern of a test line (bats-preprocess): the name is the text between @test and the
# last " {", less one pair of quotes; --filter is then matched against that name.
pat='^[[:blank:]]*@test[[:blank:]]+(.*[^[:blank:]])[[:blank:]]+\{(.*)$'
mapfile -t lines <"$f"
kept=() nskip=0
# Only the test lines go through bash's loop (grep finds them): under TCG a loop over every line
# of a suite costs seconds.
while IFS=: read -r i _; do
  [[ ${lines[i - 1]} =~ $pat ]] || { echo "run.sh: $f:$i: not a test line bats reads" >&2; exit 2; }
  name=${BASH_REMATCH[1]#[\'\"]}
  name=${name%[\'\"]}
  # The mark is the body's first line that is neither blank nor a comment.
  while [[ ${lines[i]:-} =~ ^[[:blank:]]*(#.*)?$ ]] && ((i < ${#lines[@]})); do i=$((i + 1)); done
  if [[ ${lines[i]:-} =~ ^[[:blank:]]*(host_only|no_cgroup)[[:blank:]]*$ ]]; then
    nskip=$((nskip + 1))
  else
    kept+=("$name")
  fi
done < <(grep -n -E '^[[:blank:]]*@test[[:blank:]]' "$f")
if ((${#kept[@]} == 0)); then
  echo "1..0 # skip all $nskip tests of ${f##*/} are host_only or no_cgroup"
  exit 0
fi
# The kept names, each matched whole (--filter is an extended regex on the name).
# shellcheck disable=SC2016 # a literal $ in the sed expression, escaped like the rest
re=$(printf '%s\n' "${kept[@]}" | sed 's/[][\.*^$()+?{}|]/\\&/g' | paste -sd'|')
echo "# VM: $nskip host_only/no_cgroup tests of ${f##*/} left to the host"
# A name read differently from bats would drop its test without a word: the plan bats prints
# must count every kept test.
set +e
bats --tap --filter "^($re)\$" "$f" | {
  IFS= read -r plan
  printf '%s\n' "$plan"
  cat
  [[ $plan == "1..${#kept[@]}" ]] ||
    { echo "run.sh: bats planned '$plan' for the ${#kept[@]} tests not marked" >&2; exit 3; }
}
st=("${PIPESTATUS[@]}")
((st[0] != 0)) && exit "${st[0]}"
exit "${st[1]}"
