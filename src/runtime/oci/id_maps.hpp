// The id maps of a container's new user namespace: written by vsrun itself where the kernel
// lets it, else through the setuid helpers newuidmap and newgidmap, which grant an unprivileged
// caller the ranges /etc/subuid and /etc/subgid give it (subuid(5), newuidmap(1)).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/oci_spec.hpp"

namespace vs::runtime::oci {

/// "0 100000 65536\n..." as /proc/PID/{uid,gid}_map take it.
std::string map_text(const std::vector<spec::oci::IdMapping>& m);

/// "[0 61731 1], [1 100000 65536]" for messages; "none" when empty.
std::string map_list(const std::vector<spec::oci::IdMapping>& m);

/// Whether `m` is the one map an unprivileged process may write itself: container id 0 to
/// its own id `own`, size 1 (user_namespaces(7)). Any other map of a caller without root
/// goes through newuidmap/newgidmap.
bool own_id_map(const std::vector<spec::oci::IdMapping>& m, uint32_t own);

/// Whether container id `id` lies in one of `m`'s ranges.
bool id_mapped(const std::vector<spec::oci::IdMapping>& m, uint32_t id);

/// The ranges of a /proc/PID/{uid,gid}_map file ("0 100000 65536" lines, user_namespaces(7)).
Result<std::vector<spec::oci::IdMapping>> read_id_map(const std::string& path);

/// Writes uid_map and gid_map of `pid`, a child just cloned into a new user namespace and
/// waiting. As root (euid 0) both directly, setgroups(2) left allowed. Without root, an own
/// map (own_id_map) directly, its gid_map after "deny" to setgroups (the kernel takes nothing
/// else from an unprivileged writer); any other map through newuidmap or newgidmap found on
/// PATH, which leaves setgroups allowed when /etc/subgid grants the ranges. `config` is the
/// config.json path for messages: a missing helper or its refusal names the field and the
/// cause, with the helper's own message.
Status write_container_maps(pid_t pid, const spec::oci::Linux& l, const std::string& config);

}  // namespace vs::runtime::oci
