// runc's global --rootless: its value, what "auto" means, and where an unprivileged caller's
// containers are kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "spec/oci_spec.hpp"

namespace vs::runtime::oci {

/// The value of --rootless as runc reads it: "auto" or "" (nullopt), else a boolean in Go's
/// spellings (1 t T TRUE true True, 0 f F FALSE false False). Anything else is an error naming
/// the flag and the value.
Result<std::optional<bool>> parse_rootless(std::string_view value);

/// runc's answer for "auto": rootless when the effective uid is not 0, or when it is 0 inside
/// a user namespace other than the initial one (uid_map not the identity of all ids).
bool rootless_auto();

/// The state root when --root is not given (runc's rule): /run/vsrun for root; for any other
/// uid $XDG_RUNTIME_DIR/vsrun (its own, 0700, per pam_systemd(8)), or "" when that is unset
/// or not absolute: /run is not the user's to write.
std::string default_root();

/// The error of a verb that needs the state root when default_root() found none.
Error no_state_root(std::string_view verb);

/// What an unprivileged caller (euid not 0) cannot have, refused before anything is made with
/// one line naming the config.json field (`config` is its path): a container without a user
/// namespace of its own; a new one whose maps leave out process.user's uid or gid, or the
/// additionalGids (which need maps from /etc/subgid: only newgidmap leaves setgroups(2)
/// allowed, id_maps.hpp); rlimits raised over the caller's hard limits and an oomScoreAdj
/// below the caller's (both need CAP_SYS_RESOURCE in the initial user namespace, setrlimit(2),
/// proc(5)); host ids outside the ranges /etc/subuid and /etc/subgid give the caller's user
/// (check_sub_ids: newuidmap and newgidmap would refuse them only once the namespaces exist);
/// idmapped mounts (mounts[i].uidMappings, "idmap" options), which need CAP_SYS_ADMIN over the
/// host's user namespace.
Status check_unprivileged(const spec::oci::Spec& spec, const std::string& config);

/// For an unprivileged caller: `fd`, linux.namespaces[i] opened from its path, belongs to a
/// user namespace the caller owns (setns(2) needs CAP_SYS_ADMIN there). Otherwise an error
/// naming the entry and its owner, or the errno that kept the owner from being read.
Status check_joined_owner(int fd, const spec::oci::Namespace& n, size_t i,
                          const std::string& config);

/// The config.json path of the first limit `r` asks for ("linux.resources.memory.limit"), ""
/// when it asks for none. Device rules are no limit here: as in runc's rootless mode they are
/// left to the host (an unprivileged user namespace can make no device node, and binds only
/// the nodes its user may open anyway).
std::string first_limit(const spec::oci::Resources& r);

}  // namespace vs::runtime::oci
