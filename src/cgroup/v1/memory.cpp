// cgroup v1 memory controller: limit, soft limit, memory+swap limit, usage and OOM kills.
#include <cerrno>

#include "base/sys.hpp"
#include "cgroup/cgroupfs.hpp"
#include "cgroup/v1/controllers.hpp"

namespace vs::cgroup::v1 {

namespace {
// v1 reports "no limit" as PAGE_COUNTER_MAX pages, a number near 2^63; anything this large
// is unlimited.
constexpr uint64_t kUnlimitedFloor = uint64_t(1) << 62;
}  // namespace

Status apply_memory(const std::string& dir, const spec::Resources& r) {
    const std::string limit_file = dir + "/memory.limit_in_bytes";
    const std::string memsw_file = dir + "/memory.memsw.limit_in_bytes";
    if (r.memory_high) {
        const std::string f = dir + "/memory.soft_limit_in_bytes";
        VS_TRY(fs::write_limit(f, *r.memory_high, "-1"));
    }
    std::optional<std::string> limit, memsw;
    if (r.memory_max) limit = VS_TRY(fs::limit_text(*r.memory_max, "-1", limit_file));
    if (r.memory_swap_max) {
        // v1 limits memory+swap together (memsw); v2's swap.max is swap alone. memsw is the
        // memory limit plus the swap allowance, unlimited if either is.
        if (*r.memory_swap_max < -1)
            return make_error(EINVAL, "write \"{}\" = \"{}\": negative limit", memsw_file,
                              *r.memory_swap_max);
        int64_t mem = -1;
        if (r.memory_max) {
            mem = *r.memory_max;
        } else if (auto cur = VS_TRY(fs::read_u64(limit_file)); cur && *cur < kUnlimitedFloor) {
            mem = static_cast<int64_t>(*cur);
        }
        memsw = (mem < 0 || *r.memory_swap_max < 0) ? std::string("-1")
                                                    : std::to_string(mem + *r.memory_swap_max);
        if (!sys::exists(memsw_file))
            return make_error(ENOTSUP,
                              "write \"{}\": no swap accounting in this kernel "
                              "(boot with swapaccount=1)",
                              memsw_file);
    }
    if (!memsw) {
        if (limit) VS_TRY(fs::write(limit_file, *limit));
        return ok();
    }
    // The kernel keeps memsw >= limit at every moment (EINVAL otherwise): raise memsw first
    // when the new limit would exceed the current memsw, else lower the limit first.
    if (limit) {
        if (auto r1 = fs::write(limit_file, *limit); !r1) {
            if (r1.error().code != EINVAL) return r1;
            VS_TRY(fs::write(memsw_file, *memsw));
            return fs::write(limit_file, *limit);
        }
    }
    return fs::write(memsw_file, *memsw);
}

Status read_memory(const std::string& dir, Stats& s) {
    if (auto v = VS_TRY(fs::read_u64(dir + "/memory.usage_in_bytes"))) s.memory_current = *v;
    if (auto v = VS_TRY(fs::read_u64(dir + "/memory.max_usage_in_bytes"))) s.memory_peak = *v;
    // "oom_kill" appeared in memory.oom_control in 4.13; older kernels lack the line.
    if (auto v = VS_TRY(fs::read_key(dir + "/memory.oom_control", "oom_kill"))) s.oom_kills = *v;
    return ok();
}

}  // namespace vs::cgroup::v1
