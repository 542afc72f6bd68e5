// cgroup v2 pids controller: the guest's process limit and count.
#include "cgroup/cgroupfs.hpp"
#include "cgroup/v2/controllers.hpp"

namespace vs::cgroup::v2 {

Status apply_pids(const std::string& dir, const spec::Resources& r) {
    if (!r.pids_max) return ok();
    const std::string f = dir + "/pids.max";
    return fs::write_limit(f, *r.pids_max, "max");
}

Status read_pids(const std::string& dir, Stats& s) {
    if (auto v = VS_TRY(fs::read_u64(dir + "/pids.current"))) s.pids_current = *v;
    return ok();
}

}  // namespace vs::cgroup::v2
