# shellcheck shell=bash
# host_only: the first line of a test whose outcome cannot depend on the kernel or the cgroup
# version (argument and config checks, runtime bookkeeping): the cgroup-v2 VM (VS_TEST_VM) skips
# it, where every test costs tens of times its host time, and the host runs it. Sourced by
# lib.bash and net_lib.bash.
host_only() {
    [[ -z ${VS_TEST_VM:-} ]] || skip "same on every kernel and cgroup version: runs on the host"
}
