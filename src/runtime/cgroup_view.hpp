// The guest's read-only /sys/fs/cgroup: one entry per host hierarchy, showing only the guest's
// own cgroup in it.
#pragma once

#include <vector>

#include "cgroup/manager.hpp"
#include "config/paths.hpp"
#include "mount/plan.hpp"

namespace vs::runtime {

/// Pure v2: the guest's cgroup2 dir becomes /sys/fs/cgroup. v1/hybrid: each directory under
/// the cgroup root that holds the guest's leaf is bound read-only; symlinks (cpu ->
/// cpu,cpuacct) are copied. Hierarchies without the guest's leaf are left out.
std::vector<mount::CgroupView> cgroup_views(const config::Paths& paths, const std::string& name,
                                            const cgroup::Manager& cg);

}  // namespace vs::runtime
