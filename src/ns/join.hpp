// Joining a running guest's namespaces (enter/exec/suexec, sysv stop) through its init's pidfd.
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

/// Joins the pid namespace of the process behind `pidfd` for the caller's future children
/// only (setns(CLONE_NEWPID) changes pid_for_children). Run in the manager before spawning the
/// joining child, so that child is born inside the guest's pid namespace.
Status join_pid_ns_for_children(int pidfd);

/// Run in the joining child: makes it non-dumpable (no ptrace or /proc/PID/fd from the guest,
/// CVE-2016-9962), joins `flags` namespaces of the pidfd's process (user first, in one setns
/// call), then changes root and cwd to `root_fd` (opened from /proc/PID/root on the host
/// before, so it is the guest's root whatever the namespace's root mount says).
Status join_in_child(int pidfd, uint64_t flags, int root_fd);

/// After entering a user namespace (clone or setns) as the host's root, which is not in the
/// guest's map: become the namespace's uid/gid 0 (the first id of the guest's range), so files
/// we create belong to the guest and execve keeps root's capabilities inside it. Leaves the
/// process dumpable so it can still write its own /proc/self files.
Status become_root_in_userns();

/// Writes /proc/PID/{uid_map,setgroups,gid_map} for a child in a new user namespace:
/// guest ids 0..count-1 -> host host_base..host_base+count-1.
Status write_id_maps(pid_t pid, uint32_t host_base, uint32_t count);

}  // namespace vs::ns
