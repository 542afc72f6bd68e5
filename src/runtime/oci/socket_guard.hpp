// The BPF LSM socket guard of an OCI container, made from its own linux.seccomp: the socket
// families that profile refuses to socket(2) but lets through i386 socketcall(2).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

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

/// The owner record of one guard on a node (the value of its xattr, socket_guard.cpp).
struct GuardOwner {
    uint64_t refused = 0;  ///< the families the guard refuses, bit per family
    std::string dir;       ///< the owner's state dir
    /// The create that attached it (pid and /proc start time), and whether the container has a
    /// pid namespace of its own; 0 and false in a record of an older vsrun, which has neither.
    pid_t creator = 0;
    uint64_t creator_start = 0;
    bool own_pid_ns = false;
};

/// "MASK\nDIR\nPID START 1|0" (hex mask); an older vsrun's "MASK\nDIR" is read too.
std::string owner_text(const GuardOwner& o);
std::optional<GuardOwner> parse_owner(std::string_view text);

/// What is known of an owner now.
struct OwnerFacts {
    enum Load { Loaded, Missing, Unreadable } load = Unreadable;  ///< its state.json
    uint32_t guard_id = 0;       ///< the socket_guard_id state.json records (Loaded)
    bool stopped = false;        ///< its state is stopped (Loaded)
    bool dir_exists = false;     ///< its state dir is there
    bool creator_alive = false;  ///< the create that wrote the record still runs
};

/// What a guard's owner means for its guard.
enum class Standing {
    Runs,     ///< may have processes on the node (running, being created, or unknown): kept
    Stopped,  ///< stopped, may have left processes (no pid namespace of its own): kept, or
              ///< replaced by a guard refusing all it refused
    Gone,     ///< stopped in a pid namespace of its own, which died with its init: taken off
    Stale,    ///< the record names no container that made the guard: taken off
};

/// The standing of the owner `o` of guard `prog`, given `f`. A state.json that records another
/// guard (or none) is another container under the same id: Stale. No state.json: being created
/// while the create that wrote the record runs, else Stale (a create or delete that died). An
/// older vsrun's record keeps the older rule (no state.json: Runs while the dir is there, else
/// Stopped).
Standing owner_standing(uint32_t prog, const GuardOwner& o, const OwnerFacts& f);

/// Sets the guard for `filter` (the compiled linux.seccomp; nullptr without one) on the
/// container's cgroup2 node `cgfd` (`cgroup2_path`; -1 without one) before its init exists
/// there, and records on the node that container `id` (its state dir under opt.root) owns it.
/// The guards other containers left on a shared node stay beside it while their owners may
/// still have processes there; one whose owner is stopped or gone is replaced when the new
/// guard refuses every family it refused (docs/oci.md).
/// Guards whose owners are stopped in a pid namespace of their own (nothing of theirs can be
/// left on the node) or are no longer the containers their records name are taken off the
/// node first, whatever they refused. `own_pid_ns`: the container gets a new pid namespace.
Result<SocketGuard> guard_socket_families(const Options& opt, const std::string& id,
                                          const seccomp::Program* filter,
                                          const std::string& cgroup2_path, int cgfd,
                                          bool own_pid_ns);

/// Undoes guard_socket_families for a create that failed.
Status undo_socket_guard(const std::string& cgroup2_path, int cgfd, lsm::FamilyGuard g);

/// delete: detaches the guard create attached (Record::socket_guard_id) from the cgroup2 node
/// `cgroup2_path`, which stays (a cgroup the container did not make), and its owner record;
/// then settles the node's other guards as guard_socket_families does.
Status drop_socket_guard(const Record& r, const std::string& cgroup2_path);

/// A stopped container's guard (and any other the node no longer needs, as above) taken off
/// its node `cgroup2_path` once its standing is Gone: called where vsrun finds a container
/// stopped (state), so that the stricter guard of a container that stopped in a shared cgroup
/// does not go on refusing the others there until its delete.
Status settle_socket_guards(const std::string& cgroup2_path);

}  // namespace vs::runtime::oci
