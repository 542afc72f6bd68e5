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

/// One address of a running guest with where it lives, for status displays.
struct LiveAddress {
    std::string dev;  ///< the guest's link ("eth0"); shared mode: the host device, "" if unknown
    IpPrefix addr;
};

/// The same addresses as live_addresses, each with its device and prefix length (shared mode:
/// from the aliases recorded at setup; an allowed address with no alias, such as a `nodev`
/// one, gets dev "" and a full-length prefix). Empty for a stopped guest (no net.state) and
/// for a guest with loopback only.
Result<std::vector<LiveAddress>> live_address_list(const std::string& run_dir);

}  // namespace vs::net
