// Shared-stack mode: loads, updates and removes the cgroup BPF programs that confine a guest
// on the host's network stack to its own addresses (bpf/shared_confine.bpf.c).
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "net/address.hpp"

namespace vs::net::shared_bpf {

/// Loads the confinement programs, fills their maps with `addrs` (the first IPv4 and the first
/// IPv6 address are the "primary" ones used for wildcard binds and unbound connects) and
/// attaches them (BPF_F_ALLOW_MULTI) to the cgroup2 directory `cgroup2_path`. Programs already
/// attached there by an earlier run are replaced. On failure nothing stays attached.
Status attach(const std::string& cgroup2_path, const std::vector<IpAddress>& addrs);

/// Replaces the address set of the programs attached to `cgroup2_path` (live re-addressing):
/// new addresses are allowed before old ones are removed, so a running service never sees a
/// moment where neither is allowed.
Status update(const std::string& cgroup2_path, const std::vector<IpAddress>& addrs);

/// Detaches every program of ours from `cgroup2_path`; succeeds if there is none or the
/// directory is gone (the kernel drops programs with their cgroup).
Status detach(const std::string& cgroup2_path);

/// The addresses the programs attached to `cgroup2_path` allow (their vs_allow4/6 maps).
Result<std::vector<IpAddress>> allowed(const std::string& cgroup2_path);

/// The number of our programs attached to `cgroup2_path` (tests, `vserver NAME ip list`).
Result<int> attached_count(const std::string& cgroup2_path);

/// The number of BPF programs loaded on the whole host (leak checks in tests).
Result<int> loaded_program_count();

}  // namespace vs::net::shared_bpf
