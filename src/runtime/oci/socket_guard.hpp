// The BPF LSM socket guard of an OCI container, made from its own linux.seccomp: the socket
// families that profile refuses to socket(2) but lets through i386 socketcall(2).
#pragma once

#include <string>

#include "base/result.hpp"
#include "lsm/socket_guard.hpp"
#include "runtime/oci/container.hpp"
#include "seccomp/profile.hpp"

namespace vs::runtime::oci {

/// What create did to the socket guard of the container's cgroup2 node.
struct SocketGuard {
    /// What Record::socket_guard records: "attached", "" when the profile leaves socketcall no
    /// family it refuses to socket(2), else why the kernel cannot run the guard (the container
    /// then runs as runc would run it).
    std::string state;
    lsm::FamilyGuard guard;  ///< for Record::socket_guard_id and the undo of a failed create
};

/// Sets the guard for `filter` (the compiled linux.seccomp; nullptr without one) on the
/// container's cgroup2 node `cgfd` (`cgroup2_path`; -1 without one) before its init exists
/// there. `reused`: the node was there before this create, and a guard an earlier container
/// left on it is replaced, or detached when this one's profile asks for none.
Result<SocketGuard> guard_socket_families(const Options& opt, const std::string& id,
                                          const seccomp::Program* filter,
                                          const std::string& cgroup2_path, int cgfd, bool reused);

/// delete: detaches the guard create attached (Record::socket_guard_id) from the cgroup2 node
/// `cgroup2_path`, which stays (a cgroup the container did not make).
Status drop_socket_guard(const Record& r, const std::string& cgroup2_path);

}  // namespace vs::runtime::oci
