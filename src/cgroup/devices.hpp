// cgroup: the v1 devices controller of a guest's cgroup (devices.allow / devices.deny), for OCI
// containers' linux.resources.devices.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"

namespace vs::cgroup {

/// One rule in the kernel's syntax: "a", "c 1:3 rwm", "b *:* m".
struct DeviceRule {
    bool allow = false;
    std::string text;
};

/// Writes `rules` in order to DIR/devices.allow or DIR/devices.deny (`dir`: the guest's cgroup
/// in the v1 devices hierarchy). A deny of "a" first empties the whitelist, so a list starting
/// with it leaves exactly what the later allows name. Errors name the file and the rule.
Status apply_v1_device_rules(const std::string& dir, const std::vector<DeviceRule>& rules);

}  // namespace vs::cgroup
