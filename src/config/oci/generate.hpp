// JSON that vsrun prints: `vsrun spec` (a default config.json) and `vsrun features`
// (runtime-spec features.md), both accepted back by this directory's parser.
#pragma once

#include <string>

namespace vs::config::oci {

/// The config.json `vsrun spec` writes: runtime-spec 1.2.0, `sh` on a terminal as uid 0 with
/// CAP_AUDIT_WRITE, CAP_KILL and CAP_NET_BIND_SERVICE, root "rootfs" read-only, new pid,
/// network, ipc, uts, mount and cgroup namespaces, /proc, /dev, /dev/pts, /dev/shm,
/// /dev/mqueue, /sys and /sys/fs/cgroup, the usual masked and read-only /proc paths and a
/// device cgroup that denies everything not created by the runtime. `rootless`: adds a user
/// namespace mapping container id 0 to the caller's effective uid and gid (one id each),
/// drops the cgroup mount and the device rules (an unprivileged user owns no cgroup) and the
/// devpts gid option (gid 5 is not mapped). Ends with a newline.
std::string default_spec_json(bool rootless);

/// The `vsrun features` document (runtime-spec features.md): ociVersionMin/Max, hooks,
/// mountOptions, linux.namespaces/capabilities/cgroup/seccomp/apparmor/selinux/intelRdt/
/// mountExtensions. AppArmor and SELinux are reported enabled when the running
/// kernel has that LSM (/sys/kernel/security/lsm, else /sys/module/apparmor and
/// /sys/fs/selinux). Ends with a newline.
std::string features_json();

}  // namespace vs::config::oci
