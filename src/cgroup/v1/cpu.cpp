// cgroup v1 cpu controller: shares (from cpu.weight) and the CFS bandwidth quota and period.
#include "cgroup/cgroupfs.hpp"
#include "cgroup/convert.hpp"
#include "cgroup/v1/controllers.hpp"

namespace vs::cgroup::v1 {

Status apply_cpu(const std::string& dir, const spec::Resources& r) {
    if (r.cpu_weight)
        VS_TRY(fs::write(dir + "/cpu.shares", std::to_string(shares_from_weight(*r.cpu_weight))));
    // Period first: the quota is checked against it (cpu.cfs_quota_us must be >= 1 ms).
    if (r.cpu_period_us)
        VS_TRY(fs::write(dir + "/cpu.cfs_period_us", std::to_string(*r.cpu_period_us)));
    if (r.cpu_quota_us) {
        const std::string f = dir + "/cpu.cfs_quota_us";
        VS_TRY(fs::write_limit(f, *r.cpu_quota_us, "-1"));
    }
    return ok();
}

}  // namespace vs::cgroup::v1
