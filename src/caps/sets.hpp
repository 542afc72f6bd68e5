// caps: the five capability sets of an OCI process (process.capabilities) and its user and
// groups, applied to the calling process right before exec.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "base/result.hpp"

namespace vs::caps {

struct Sets {
    uint64_t bounding = 0, effective = 0, permitted = 0, inheritable = 0, ambient = 0;
};

/// Drops the bounding set to `s.bounding`, changes to uid/gid/groups keeping the permitted set
/// across the change (PR_SET_KEEPCAPS: setresuid(2) to a non-root uid clears it otherwise),
/// then sets effective/permitted/inheritable to `s` and raises `s.ambient`. Bits above the
/// kernel's last capability are ignored. Call as root holding CAP_SETPCAP, CAP_SETUID and
/// CAP_SETGID, after everything that needs more privilege. Errors name the set and the step.
Status apply_sets(const Sets& s, uid_t uid, gid_t gid, const std::vector<gid_t>& groups);

}  // namespace vs::caps
