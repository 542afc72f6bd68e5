// cgroup v2 cpuset controller: the cpus and memory nodes the guest may use.
#include "cgroup/cgroupfs.hpp"
#include "cgroup/v2/controllers.hpp"

namespace vs::cgroup::v2 {

Status apply_cpuset(const std::string& dir, const spec::Resources& r) {
    // Empty on v2 means "inherit the parent's effective set", so new cgroups need no copy.
    if (r.cpuset_mems) VS_TRY(fs::write(dir + "/cpuset.mems", *r.cpuset_mems));
    if (r.cpuset_cpus) VS_TRY(fs::write(dir + "/cpuset.cpus", *r.cpuset_cpus));
    return ok();
}

}  // namespace vs::cgroup::v2
