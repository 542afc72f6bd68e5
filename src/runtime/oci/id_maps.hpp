// The id maps of a container's new user namespace: written by vsrun itself where the kernel
// lets it, else through the setuid helpers newuidmap and newgidmap, which grant an unprivileged
// caller the ranges /etc/subuid and /etc/subgid give it (subuid(5), newuidmap(1)).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
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

/// One range of subordinate ids: `count` ids from `start` (subuid(5)).
struct SubIdRange {
    uint64_t start = 0;
    uint64_t count = 0;
};

/// The ranges text in the form of /etc/subuid ("owner:start:count" lines) gives the user
/// `name` or `id`: newuidmap matches a line's owner by the user's name, then by the uid in
/// decimal. Lines not of that form (comments, blanks, typos) give nothing, as in newuidmap.
std::vector<SubIdRange> sub_id_ranges(std::string_view text, std::string_view name, uint32_t id);

/// The first host id of map `m` that newuidmap (or newgidmap) would refuse to map for a caller
/// whose own id of that kind is `own` and whose subordinate ranges are `ranges`, with the index
/// of its entry: an entry is allowed when its host ids all lie within the ranges (together:
/// adjacent ranges add up) or when it is `own` alone (size 1). nullopt when every entry is.
struct Unallowed {
    size_t entry = 0;
    uint64_t host_id = 0;
};
std::optional<Unallowed> first_unallowed(const std::vector<spec::oci::IdMapping>& m,
                                         const std::vector<SubIdRange>& ranges, uint32_t own);

/// Where an unprivileged caller's subordinate ids are read from; tests give other files.
struct SubIdFiles {
    std::string subuid = "/etc/subuid";
    std::string subgid = "/etc/subgid";
    std::string nsswitch = "/etc/nsswitch.conf";
    std::string passwd = "/etc/passwd";  ///< the caller's user name, newuidmap's key
};

/// For an unprivileged caller, before anything exists: a map that goes through newuidmap or
/// newgidmap (not own_id_map) asks only for host ids the caller's user holds in /etc/subuid or
/// /etc/subgid, so create is refused at once, with one line naming the config.json field, the
/// entry, the file, the user and the first id it lacks (or that the file gives the user no
/// range), rather than by the helper after the container's namespaces and state exist. Left to
/// the helper when nsswitch.conf names a "subid:" source other than files (subid ranges from
/// a directory service, which only the helper reads).
Status check_sub_ids(const spec::oci::Linux& l, const std::string& config,
                     const SubIdFiles& files = {});

/// Writes uid_map and gid_map of `pid`, a child just cloned into a new user namespace and
/// waiting. As root (euid 0) both directly, setgroups(2) left allowed. Without root, an own
/// map (own_id_map) directly, its gid_map after "deny" to setgroups (the kernel takes nothing
/// else from an unprivileged writer); any other map through newuidmap or newgidmap found on
/// PATH, which leaves setgroups allowed when /etc/subgid grants the ranges. `config` is the
/// config.json path for messages: a missing helper or its refusal names the field and the
/// cause, with the helper's own message.
Status write_container_maps(pid_t pid, const spec::oci::Linux& l, const std::string& config);

}  // namespace vs::runtime::oci
