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

/// A linux.resources.devices rule in the cgroup module's terms.
cgroup::DeviceRule to_cgroup_rule(const spec::oci::DeviceRule& r);

/// The allows every container gets after its own rules, runc's defaults for nodes: /dev/null,
/// zero, full, random, urandom, tty, console, ptmx, the devpts nodes (what every container's
/// /dev holds) and /dev/net/tun, then `nodes` (node_rules: linux.devices).
std::vector<cgroup::DeviceRule> default_device_rules(const std::vector<cgroup::DeviceRule>& nodes);

/// The allow rules for linux.devices (its character and block nodes, all access).
std::vector<cgroup::DeviceRule> node_rules(const std::vector<spec::oci::Device>& nodes);

/// The state `rules` leave, from deny-all, with the defaults and `nodes` allowed after them.
cgroup::DeviceState device_state(const std::vector<spec::oci::DeviceRule>& rules,
                                 const std::vector<cgroup::DeviceRule>& nodes);

/// mount ops making linux.devices (character and block devices, made by mknod in the
/// container's tree, or bound from the host's node in a user namespace; 'p' is refused naming
/// it, as is an owner other than root). Inserted by the caller after the /dev tmpfs.
Result<mount::Plan> device_ops(const std::vector<spec::oci::Device>& nodes);

}  // namespace vs::runtime::oci
