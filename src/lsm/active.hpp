// lsm: whether the running kernel runs a Linux Security Module by name (AppArmor, SELinux),
// for the labels an OCI process or its mounts ask for.
#pragma once

#include <string_view>

namespace vs::lsm {

/// True when the kernel runs the LSM `name` ("apparmor", "selinux", "bpf", ...): listed in
/// /sys/kernel/security/lsm (securityfs, the active LSMs in boot order). Where securityfs is
/// not mounted, AppArmor counts as running when its module parameter "enabled" is Y and SELinux
/// when selinuxfs is mounted (its "enforce" file exists), the checks runc and crun make.
bool active(std::string_view name);

}  // namespace vs::lsm
