// cpuset controller (v1 and v2 alike): the cpus and memory nodes the guest may use.
#include "cgroup/cgroupfs.hpp"
#include "cgroup/common_controllers.hpp"

namespace vs::cgroup::common {

Status apply_cpuset(const std::string& dir, const spec::Resources& r) {
    if (r.cpuset_mems) VS_TRY(fs::write(dir + "/cpuset.mems", *r.cpuset_mems));
    if (r.cpuset_cpus) VS_TRY(fs::write(dir + "/cpuset.cpus", *r.cpuset_cpus));
    return ok();
}

}  // namespace vs::cgroup::common
