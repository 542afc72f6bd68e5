# shellcheck shell=bash
# host_only: the first line of a test whose outcome cannot depend on the kernel or the cgroup
# version (argument and config checks, runtime bookkeeping): the cgroup-v2 VM (VS_TEST_VM) skips
# it, where every test costs tens of times its host time, and the host runs it. Sourced by
# lib.bash and net_lib.bash. tests/integration/run.sh reads these marks in the VM and does not
# start the marked tests at all; the functions still skip them in a direct bats run there.
host_only() {
    [[ -z ${VS_TEST_VM:-} ]] || skip "same on every kernel and cgroup version: runs on the host"
}
# no_cgroup: the first line of a test that runs no cgroup code (seccomp, procfs masks, mount
# refusals, capabilities, init styles, rlimits, networking without cgroup BPF). The VM's point
# is cgroup v2 on Debian 12's kernel; these behave the same there except through kernel features
# other tests in the VM already reach, so the VM skips them to keep CI in its time budget and the
# host runs them.
no_cgroup() {
    [[ -z ${VS_TEST_VM:-} ]] || skip "no cgroup code involved: runs on the host"
}
