// Namespace helpers of the host side and the guest's init: which namespaces a guest has, the
// user namespace's id maps and root. (exec/enter join in tools/vs-init, from a sealed copy.)
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::ns {

/// CLONE_NEW* bits of every namespace `pid` has that differ from the caller's (compares
/// /proc/PID/ns/* with /proc/self/ns/*), limited to `mask`.
Result<uint64_t> differing_namespaces(pid_t pid, uint64_t mask);

/// After entering a user namespace (clone or setns) as the host's root, which is not in the
/// guest's map: become the namespace's uid/gid 0 (the first id of the guest's range), so files
/// we create belong to the guest and execve keeps root's capabilities inside it. Leaves the
/// process dumpable so it can still write its own /proc/self files.
Status become_root_in_userns();

/// Writes /proc/PID/{uid_map,setgroups,gid_map} for a child in a new user namespace:
/// guest ids 0..count-1 -> host host_base..host_base+count-1.
Status write_id_maps(pid_t pid, uint32_t host_base, uint32_t count);

/// Whether the user namespace `userns_fd` has CAP_SYS_ADMIN's reach over namespace `ns_fd`:
/// `ns_fd`'s owner (ioctl_ns(2) NS_GET_USERNS) is that user namespace or one below it. What a
/// sysfs mount asks of its network namespace's owner (sysfs(5)).
Result<bool> owned_within(int ns_fd, int userns_fd);

/// The uid owning the user namespace `ns_fd` is (`is_userns`), or owns (any other type), from
/// ioctl_ns(2) NS_GET_USERNS and NS_GET_OWNER_UID. The initial user namespace is owned by 0.
/// EPERM when that user namespace is an ancestor of the caller's.
Result<uid_t> namespace_owner(int ns_fd, bool is_userns);

}  // namespace vs::ns
