// The container's mount plan: our hardened /proc, /sys, /dev and cgroup view (mount::build_plan),
// config.json's other mounts in order, its extra masked and read-only paths, a read-only root.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "mount/plan.hpp"
#include "spec/oci_spec.hpp"

namespace vs::runtime::oci {

/// Relative bind sources are taken from the bundle; `own_netns` (a network namespace that is not
/// the host's) lets /sys be a fresh sysfs; `cgroups` is the container's cgroup view.
/// config.json mounts on the targets we always provide (/proc, /sys, /sys/fs/cgroup, /dev,
/// /dev/pts, /dev/shm, /dev/mqueue) are replaced by ours, with the masks of security.md §1.4.
/// A mount whose options do not parse, or a relative destination, is an error naming
/// mounts[i].
Result<mount::Plan> container_mount_plan(const spec::oci::Spec& c, bool own_netns, bool userns,
                                         std::vector<mount::CgroupView> cgroups);

}  // namespace vs::runtime::oci
