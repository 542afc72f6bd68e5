// oci::Spec -> spec::GuestSpec for what the classic runtime already understands, so an OCI
// container passes the same spec::validate() checks as a guest from /etc/vservers.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"
#include "spec/oci_spec.hpp"

namespace vs::config::oci {

/// linux.resources -> spec::Resources: memory.limit, memory.swap (memory plus swap, turned into
/// swap alone as cgroup v2 has it), cpu.shares (as cpu.weight, cgroup/convert.hpp), cpu.quota,
/// cpu.period, cpu.cpus/mems, pids.limit (0 and -1: max), blockIO.weight (as io.weight),
/// hugepageLimits and unified (as cgroup file passthrough). The JSON paths of set fields that
/// spec::Resources cannot hold are appended to `not_mapped`; devices rules are never mapped (the
/// runtime applies them from the oci::Spec).
Result<spec::Resources> to_resources(const spec::oci::Resources& r,
                                     std::vector<std::string>* not_mapped = nullptr);

/// Maps the parsed config of container `id` into a GuestSpec and runs spec::validate() on it:
/// name = id, root, nodename/domainname, caps.bounding (an absent process.capabilities: none),
/// no_new_privs, oom_score_adj, personality, rlimits (by util-vserver name; RLIMIT_NPROC and
/// RLIMIT_RTTIME are not: the classic runtime gives nproc to the pids cgroup and knows no
/// rttime), resources (to_resources), namespaces (ns.user/time: new ones; ns.net: listed) and
/// idmap (a single 0-based mapping, the same for uids and gids). seccomp_profile is
/// "unconfined": an OCI container's filter is linux.seccomp, built by the runtime.
/// Everything set in `s` that the GuestSpec cannot carry is appended to `not_mapped` as JSON
/// paths ("linux.resources.memory.reservation", "process.rlimits[2]"): the OCI runtime applies
/// or refuses those itself from `s`.
Result<spec::GuestSpec> to_guest_spec(const spec::oci::Spec& s, const std::string& id,
                                      std::vector<std::string>* not_mapped = nullptr);

}  // namespace vs::config::oci
