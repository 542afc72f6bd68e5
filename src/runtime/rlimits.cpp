// Resource limit planning and application.
#include "runtime/rlimits.hpp"

#include <linux/capability.h>

#include "base/strings.hpp"
#include "base/sys.hpp"

namespace vs::runtime {

std::optional<int> rlimit_resource(const std::string& name) {
    static const std::map<std::string, int> kMap = {
        {"as", RLIMIT_AS},
        {"core", RLIMIT_CORE},
        {"cpu", RLIMIT_CPU},
        {"data", RLIMIT_DATA},
        {"fsize", RLIMIT_FSIZE},
        {"locks", RLIMIT_LOCKS},
        {"memlock", RLIMIT_MEMLOCK},
        {"msgqueue", RLIMIT_MSGQUEUE},
        {"nice", RLIMIT_NICE},
        {"nofile", RLIMIT_NOFILE},
        {"rss", RLIMIT_RSS},
        {"rtprio", RLIMIT_RTPRIO},
        {"sigpending", RLIMIT_SIGPENDING},
        {"stack", RLIMIT_STACK},
    };
    auto it = kMap.find(str::lower(name));
    if (it == kMap.end()) return std::nullopt;
    return it->second;
}

namespace {
bool have_sys_resource() {
    auto text = sys::read_file("/proc/self/status");
    if (!text) return false;
    for (auto& line : str::split(*text, '\n')) {
        if (!str::starts_with(line, "CapEff:")) continue;
        uint64_t eff =
            std::stoull(std::string(str::trim(std::string_view(line).substr(7))), nullptr, 16);
        return eff & (1ULL << CAP_SYS_RESOURCE);
    }
    return false;
}

std::string show(rlim_t v) { return v == RLIM_INFINITY ? "inf" : std::to_string(v); }

rlim_t to_rlim(uint64_t v) {
    return v == spec::Rlimit::kUnlimited ? RLIM_INFINITY : static_cast<rlim_t>(v);
}
}  // namespace

Result<std::vector<RlimitSetting>> plan_rlimits(const spec::GuestSpec& spec) {
    std::map<int, RlimitSetting> out;
    bool can_raise = have_sys_resource();
    auto add = [&](const char* dir, const std::map<std::string, spec::Rlimit>& m) -> Status {
        for (auto& [name, lim] : m) {
            if (!lim.soft && !lim.hard) continue;
            auto res = rlimit_resource(name);
            if (!res) continue;  // context-wide: the cgroup layer owns it
            if (std::string(dir) == "rlimits" && name == "nproc") continue;
            struct rlimit host {};
            ::getrlimit(*res, &host);
            struct rlimit v {};
            v.rlim_max =
                lim.hard ? to_rlim(*lim.hard) : (lim.soft ? to_rlim(*lim.soft) : host.rlim_max);
            v.rlim_cur = lim.soft ? to_rlim(*lim.soft) : v.rlim_max;
            if (!lim.hard && v.rlim_max < host.rlim_max) v.rlim_max = host.rlim_max;
            if (v.rlim_cur > v.rlim_max)
                return make_error(EINVAL, "{}/{}: soft limit {} is above the hard limit {}", dir,
                                  name, show(v.rlim_cur), show(v.rlim_max));
            if (v.rlim_max > host.rlim_max && !can_raise)
                return make_error(
                    EPERM,
                    "{}/{}: hard limit {} is above the host's hard limit {} (raising it "
                    "needs CAP_SYS_RESOURCE, which this host lacks)",
                    dir, name, show(v.rlim_max), show(host.rlim_max));
            out[*res] = RlimitSetting{*res, name, v};
        }
        return ok();
    };
    VS_TRY(add("ulimits", spec.ulimits));
    VS_TRY(add("rlimits", spec.rlimits));
    std::vector<RlimitSetting> v;
    for (auto& [r, s] : out) v.push_back(s);
    return v;
}

Status apply_rlimits(const std::vector<RlimitSetting>& limits) {
    for (auto& l : limits)
        if (::setrlimit(static_cast<__rlimit_resource>(l.resource), &l.value) < 0)
            return errno_error(fmt::format("setrlimit {} soft {} hard {}", l.name,
                                           show(l.value.rlim_cur), show(l.value.rlim_max)));
    return ok();
}

}  // namespace vs::runtime
