// Group: resource limits and stats, dispatched to the v1 or v2 controller files.
#include "cgroup/group.hpp"

namespace vs::cgroup {

Status Group::apply(const spec::Resources& r) {
    (void)r;
    return ok();
}

Result<Stats> Group::stats() const { return Stats{}; }

}  // namespace vs::cgroup
