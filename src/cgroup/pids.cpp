// pids controller (v1 and v2 alike): the guest's process limit and count.
#include "cgroup/cgroupfs.hpp"
#include "cgroup/common_controllers.hpp"

namespace vs::cgroup::common {

Status apply_pids(const std::string& dir, const spec::Resources& r) {
    if (!r.pids_max) return ok();
    return fs::write_limit(dir + "/pids.max", *r.pids_max, "max");
}

Status read_pids(const std::string& dir, Stats& s) {
    if (auto v = VS_TRY(fs::read_u64(dir + "/pids.current"))) s.pids_current = *v;
    // "max" (no limit) reads as nullopt.
    if (auto v = fs::read_u64(dir + "/pids.max"); v && *v) s.pids_max = **v;
    return ok();
}

}  // namespace vs::cgroup::common
