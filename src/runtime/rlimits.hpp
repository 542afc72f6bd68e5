// Per-process resource limits of the guest's init and of every process entering it (rlimits/
// and ulimits/ of the config), checked on the host before anything is created.
#pragma once

#include <sys/resource.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::runtime {

/// RLIMIT_* for a util-vserver resource name ("nofile", "as", "memlock", ...); nullopt for
/// names that are context-wide in util-vserver and handled by the cgroup ("nproc" -> pids.max,
/// "anon", "shmem", ...).
std::optional<int> rlimit_resource(const std::string& name);

struct RlimitSetting {
    int resource;
    std::string name;
    struct rlimit value;
};

/// The limits to set: ulimits/ first, then rlimits/ (which win), each soft/hard defaulting to
/// the other (and to the host's current value when both are unset). Refuses a hard limit above
/// the host's current hard limit unless we hold CAP_SYS_RESOURCE (this CI machine does not),
/// and a soft limit above the hard one, naming the config file and both values.
Result<std::vector<RlimitSetting>> plan_rlimits(const spec::GuestSpec& spec);

/// setrlimit(2) for each; run in the child before exec.
Status apply_rlimits(const std::vector<RlimitSetting>& limits);

}  // namespace vs::runtime
