// cgroup v1 cpuset controller: the cpus and memory nodes the guest may use.
#include "cgroup/cgroupfs.hpp"
#include "cgroup/v1/controllers.hpp"

namespace vs::cgroup::v1 {

Status apply_cpuset(const std::string& dir, const spec::Resources& r) {
    // mems before cpus is irrelevant on a populated cpuset; both must be subsets of the
    // parent's, which the kernel checks (EINVAL names the file and value).
    if (r.cpuset_mems) VS_TRY(fs::write(dir + "/cpuset.mems", *r.cpuset_mems));
    if (r.cpuset_cpus) VS_TRY(fs::write(dir + "/cpuset.cpus", *r.cpuset_cpus));
    return ok();
}

}  // namespace vs::cgroup::v1
