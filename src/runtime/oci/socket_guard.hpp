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
/// there, and records on the node that container `id` (its state dir under opt.root) owns it.
/// The guards other containers left on a shared node stay beside it while their owners may
/// still have processes there; one whose owner is stopped or gone is replaced when the new
/// guard refuses every family it refused (docs/oci.md).
Result<SocketGuard> guard_socket_families(const Options& opt, const std::string& id,
                                          const seccomp::Program* filter,
                                          const std::string& cgroup2_path, int cgfd);

/// Undoes guard_socket_families for a create that failed.
Status undo_socket_guard(const std::string& cgroup2_path, int cgfd, lsm::FamilyGuard g);

/// delete: detaches the guard create attached (Record::socket_guard_id) from the cgroup2 node
/// `cgroup2_path`, which stays (a cgroup the container did not make), and its owner record.
Status drop_socket_guard(const Record& r, const std::string& cgroup2_path);

}  // namespace vs::runtime::oci
