// cgroup v2 cpu controller: weight, bandwidth (cpu.max) and cpu time (cpu.stat).
#include "base/strings.hpp"
#include "cgroup/cgroupfs.hpp"
#include "cgroup/v2/controllers.hpp"

namespace vs::cgroup::v2 {

Status apply_cpu(const std::string& dir, const spec::Resources& r) {
    if (r.cpu_weight) {
        if (*r.cpu_weight < 1 || *r.cpu_weight > 10000)
            return make_error(EINVAL, "write \"{}/cpu.weight\" = \"{}\": out of range 1..10000",
                              dir, *r.cpu_weight);
        VS_TRY(fs::write(dir + "/cpu.weight", std::to_string(*r.cpu_weight)));
    }
    if (!r.cpu_quota_us && !r.cpu_period_us) return ok();
    // cpu.max is "$MAX $PERIOD"; a period alone keeps the current quota.
    const std::string f = dir + "/cpu.max";
    std::string quota;
    if (r.cpu_quota_us) {
        quota = VS_TRY(fs::limit_text(*r.cpu_quota_us, "max", f));
    } else {
        auto cur = str::split_ws(VS_TRY(fs::read_trimmed(f)));
        quota = cur.empty() ? "max" : cur[0];
    }
    // One append per piece, not `" " + std::to_string(..)`: GCC 12 at -O3 inlines that
    // operator+ into a memmove it cannot bound and warns -Wrestrict (GCC bug 105651).
    std::string value = quota;
    if (r.cpu_period_us) {
        value += ' ';
        value += std::to_string(*r.cpu_period_us);
    }
    return fs::write(f, value);
}

Status read_cpu(const std::string& dir, Stats& s) {
    const std::string f = dir + "/cpu.stat";
    if (auto v = VS_TRY(fs::read_key(f, "user_usec"))) s.cpu_user_us = *v;
    if (auto v = VS_TRY(fs::read_key(f, "system_usec"))) s.cpu_system_us = *v;
    return ok();
}

}  // namespace vs::cgroup::v2
