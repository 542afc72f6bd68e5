// The BPF LSM socket guard of an OCI container, made from its own linux.seccomp: the socket
// families that profile refuses to socket(2) but lets through i386 socketcall(2).
#pragma once

#include <string>

#include "base/result.hpp"
#include "runtime/oci/container.hpp"
#include "seccomp/profile.hpp"

namespace vs::runtime::oci {

/// Attaches the guard for `filter` (the compiled linux.seccomp) to the container's cgroup2 node
/// `cgroup2_path` before its init exists there. Returns what Record::socket_guard records:
/// "attached", "" when the profile leaves socketcall no family it refuses to socket(2), else
/// why the kernel cannot run the guard (the container then runs as runc would run it).
Result<std::string> guard_socket_families(const Options& opt, const std::string& id,
                                          const seccomp::Program& filter,
                                          const std::string& cgroup2_path);

}  // namespace vs::runtime::oci
