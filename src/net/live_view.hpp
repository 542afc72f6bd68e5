// What a running guest holds right now: its addresses as the kernel sees them.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "net/address.hpp"

namespace vs::net {

/// The addresses a running guest has (from <run_dir>/net.state): with its own namespace, every
/// address on its links except loopback and IPv6 link-local ones; in shared mode, the BPF
/// allow list attached to its cgroup.
Result<std::vector<IpAddress>> live_addresses(const std::string& run_dir);

}  // namespace vs::net
