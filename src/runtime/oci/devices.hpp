// Devices of an OCI container: linux.resources.devices as cgroup rules (with the nodes vsrun
// itself makes always allowed) and linux.devices as nodes in its /dev.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "cgroup/devices.hpp"
#include "mount/plan.hpp"
#include "spec/oci_spec.hpp"

namespace vs::runtime::oci {

/// The kernel rules for `rules` in order, then allows for /dev/null, zero, full, random,
/// urandom, tty, console, ptmx and the devpts nodes (what every container's /dev holds, as
/// runc allows them too) and for each of `nodes`.
std::vector<cgroup::DeviceRule> device_rules(const std::vector<spec::oci::DeviceRule>& rules,
                                             const std::vector<spec::oci::Device>& nodes);

/// mount ops making linux.devices (character devices; 'b' and 'p' are refused naming them,
/// as is an owner other than root). Inserted by the caller after the /dev tmpfs.
Result<mount::Plan> device_ops(const std::vector<spec::oci::Device>& nodes);

}  // namespace vs::runtime::oci
