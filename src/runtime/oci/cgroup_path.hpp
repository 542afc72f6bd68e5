// linux.cgroupsPath -> where the container's cgroup lives (cgroup::Options parent and name).
#pragma once

#include <string>

#include "base/result.hpp"

namespace vs::runtime::oci {

struct CgroupLocation {
    std::string parent, name;
};

/// "/a/b/c" (cgroupfs form, what podman, containerd and CRI send) -> parent "a/b", name "c";
/// "slice:prefix:name" (systemd form, with --systemd-cgroup) -> parent "slice", name
/// "prefix-name.scope"; one component or "" -> parent "vsrun". A ".." or empty component is
/// refused, naming the value.
Result<CgroupLocation> cgroup_location(const std::string& cgroups_path, const std::string& id,
                                       bool systemd);

}  // namespace vs::runtime::oci
