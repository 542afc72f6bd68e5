// cgroup v2 memory controller: max, high, swap.max, current, peak and OOM kills.
#include "base/sys.hpp"
#include "cgroup/cgroupfs.hpp"
#include "cgroup/v2/controllers.hpp"

namespace vs::cgroup::v2 {

Status apply_memory(const std::string& dir, const spec::Resources& r) {
    // Unlike v1 there is no ordering constraint between the three (cgroup-v2.rst).
    struct Knob {
        const std::optional<int64_t>& value;
        const char* file;
    };
    for (const Knob& k : {Knob{r.memory_high, "memory.high"}, Knob{r.memory_max, "memory.max"},
                          Knob{r.memory_swap_max, "memory.swap.max"}}) {
        if (!k.value) continue;
        const std::string f = dir + "/" + k.file;
        VS_TRY(fs::write_limit(f, *k.value, "max"));
    }
    return ok();
}

Status read_memory(const std::string& dir, Stats& s) {
    if (auto v = VS_TRY(fs::read_u64(dir + "/memory.current"))) s.memory_current = *v;
    // memory.peak appeared in 5.19; older kernels have no peak figure on v2.
    if (sys::exists(dir + "/memory.peak"))
        if (auto v = VS_TRY(fs::read_u64(dir + "/memory.peak"))) s.memory_peak = *v;
    // memory.events counts the subtree (unless mounted with memory_localevents).
    if (auto v = VS_TRY(fs::read_key(dir + "/memory.events", "oom_kill"))) s.oom_kills = *v;
    return ok();
}

}  // namespace vs::cgroup::v2
