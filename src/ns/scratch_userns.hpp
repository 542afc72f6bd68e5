// A throwaway user namespace with a given id map, held by an fd (no process stays in it).
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::ns {

/// A new user namespace, child of the caller's, whose ids 0..count-1 are host ids
/// host_base..host_base+count-1; returned as an fd of /proc/PID/ns/user. The short-lived child
/// that made it has exited by the time this returns: the fd alone keeps the namespace, e.g.
/// for mount_setattr(MOUNT_ATTR_IDMAP) probes. Needs CAP_SETUID and CAP_SETGID.
Result<UniqueFd> scratch_userns(uint32_t host_base, uint32_t count);

/// The same with whole uid_map and gid_map texts ("0 100000 65536\n..."), as config.json's
/// idmapped mounts give them.
Result<UniqueFd> scratch_userns_maps(const std::string& uid_map, const std::string& gid_map);

}  // namespace vs::ns
