// Registry rows for util-vserver's limits: rlimits/*, ulimits/*, sched/*, cpuset/*, cgroup/*.
#include <cerrno>

#include "base/strings.hpp"
#include "config/vserver/keys.hpp"
#include "config/vserver/values.hpp"
#include "spec/rlimits.hpp"

namespace vs::config::vserver::rows {

namespace {

// "nofile.hard" -> {"nofile", "hard"}; "nofile" -> {"nofile", ""}.
std::pair<std::string, std::string> split_suffix(const std::string& f) {
    auto dot = f.rfind('.');
    if (dot != std::string::npos) {
        std::string suf = f.substr(dot + 1);
        if (suf == "hard" || suf == "soft" || suf == "min") return {f.substr(0, dot), suf};
    }
    return {f, ""};
}

Key rlimit_row(const std::string& dir, bool context_wide) {
    auto field = context_wide ? &spec::GuestSpec::rlimits : &spec::GuestSpec::ulimits;
    return {
        dir + "/*",
        FileKind::Scalar,
        "limit: N, N[KMG] x1024, N[kmg] x1000, inf",
        [field, dir, context_wide](spec::GuestSpec& s, LoadState& st, const KeyFile& f) -> Status {
            auto [res, suf] = split_suffix(f.parts[0]);
            const spec::RlimitInfo* info = spec::rlimit_info(res);
            if (!info) return make_error(EINVAL, "unknown resource {}", str::quote(res));
            if (info->refused)
                return make_error(EINVAL, "resource {} is not supported: {}", str::quote(res),
                                  info->refused);
            if (!context_wide && suf == "min")
                return make_error(EINVAL, "{}: ulimits have no .min", str::quote(f.parts[0]));
            uint64_t v = VS_TRY(parse_limit(f.text));
            auto& rl = (s.*field)[res];
            if (suf.empty())
                rl.soft = rl.hard = v;
            else if (suf == "hard")
                rl.hard = v;
            else if (suf == "soft")
                rl.soft = v;
            else {
                rl.min = v;
                st.warnings.push_back(f.path +
                                      ": a guaranteed minimum has no mainline rlimit; "
                                      "kept in the config without effect");
            }
            return ok();
        },
        [field, dir](const spec::GuestSpec& s, std::vector<OutFile>& o) {
            for (const auto& [res, rl] : s.*field) {
                std::string base = dir + "/" + res;
                if (rl.soft && rl.hard && *rl.soft == *rl.hard) {
                    line(o, base, format_limit(*rl.hard));
                } else {
                    if (rl.hard) line(o, base + ".hard", format_limit(*rl.hard));
                    if (rl.soft) line(o, base + ".soft", format_limit(*rl.soft));
                }
                if (rl.min) line(o, base + ".min", format_limit(*rl.min));
            }
        },
        context_wide
            ? "rlimits/<res>{,.hard,.soft,.min}: setrlimit(2) on the guest's init, inherited by "
              "every guest process (res: cpu fsize data stack core rss nproc nofile memlock as "
              "locks sigpending msgqueue nice rtprio rttime; rss and as in pages). nproc also "
              "sets pids.max and rss memory.max (.soft below .hard: memory.high) unless limits/ "
              "sets them. A hard limit above the host's is refused at start. nsock openfd anon "
              "shmem semary nsems dentry are refused (no mainline counter); .min is kept "
              "without effect"
            : "ulimits/<res>{,.hard,.soft}: per-process setrlimit(2) on the guest's init, "
              "inherited; same resource names and units as rlimits, no cgroup mapping"};
}

}  // namespace

void add_limits(std::vector<Key>& out) {
    out.push_back(rlimit_row("rlimits", true));
    out.push_back(rlimit_row("ulimits", false));

    out.push_back(
        {"sched/*", FileKind::Scalar, "uint",
         [](spec::GuestSpec&, LoadState& st, const KeyFile& f) -> Status {
             const std::string& n = f.parts[0];
             if (n == "fill-rate" || n == "interval") {
                 auto v = static_cast<uint64_t>(VS_TRY(parse_int(f.text, 1, INT32_MAX, n)));
                 (n == "fill-rate" ? st.sched_fill_rate : st.sched_interval) = v;
                 (n == "fill-rate" ? st.sched_fill_rate_path : st.sched_interval_path) = f.path;
                 return ok();
             }
             if (n == "tokens" || n == "tokens-min" || n == "tokens-max") {
                 (void)VS_TRY(parse_int(f.text, 0, INT32_MAX, n));
                 st.warnings.push_back(f.path +
                                       ": token-bucket sizes have no cpu.max equivalent; "
                                       "ignored (fill-rate/interval still apply)");
                 return ok();
             }
             if (n == "priority-bias")
                 return make_error(EINVAL,
                                   "priority-bias {} is not supported: bucket-driven "
                                   "priorities have no mainline equivalent; use "
                                   "limits/cpu.weight",
                                   str::quote(scalar(f.text)));
             if (n == "fill-rate2" || n == "interval2" || n == "idle-time")
                 return make_error(EINVAL,
                                   "{} {} is not supported: idle-time scheduling has "
                                   "no mainline equivalent",
                                   n, str::quote(scalar(f.text)));
             if (n == "cpu-id" || n == "bucket-id")
                 return make_error(EINVAL,
                                   "{} {} is not supported: per-CPU buckets have no "
                                   "mainline equivalent; use cpuset/cpus",
                                   n, str::quote(scalar(f.text)));
             return make_error(EINVAL, "unknown scheduler setting {}", str::quote(n));
         },
         write_nothing,
         "sched/fill-rate and sched/interval (both required): the guest gets fill-rate/interval "
         "of one CPU, as cpu.max quota = 100000us * fill-rate / interval, period 100000us "
         "(written back as limits/cpu.max); tokens* warned and ignored; priority-bias, "
         "fill-rate2, interval2, idle-time refused"});

    out.push_back({"sched/*/*", FileKind::Scalar, "per-CPU bucket",
                   [](spec::GuestSpec&, LoadState&, const KeyFile& f) -> Status {
                       return make_error(EINVAL,
                                         "per-CPU scheduler bucket {} is not supported: use "
                                         "limits/cpu.max and cpuset/cpus",
                                         str::quote(f.parts[0]));
                   },
                   write_nothing, "refused: per-CPU token buckets have no mainline equivalent"});

    out.push_back({"cpuset/cpus", FileKind::Scalar, "cpu list (0-3,5)",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       s.resources.cpuset_cpus = VS_TRY(required_scalar(f.text, "a cpu list"));
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (s.resources.cpuset_cpus)
                           line(o, "cpuset/cpus", *s.resources.cpuset_cpus);
                   },
                   "cpuset.cpus of the guest's cgroup"});
    out.push_back({"cpuset/mems", FileKind::Scalar, "node list (0-1)",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       s.resources.cpuset_mems =
                           VS_TRY(required_scalar(f.text, "a memory node list"));
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (s.resources.cpuset_mems)
                           line(o, "cpuset/mems", *s.resources.cpuset_mems);
                   },
                   "cpuset.mems of the guest's cgroup"});
    out.push_back(
        {"cpuset/name", FileKind::Scalar, "name",
         [](spec::GuestSpec&, LoadState& st, const KeyFile& f) -> Status {
             st.warnings.push_back(f.path + ": the guest's own cgroup is its cpuset; name ignored");
             return ok();
         },
         write_nothing, "accepted and ignored with a warning: the guest's cgroup is its cpuset"});

    out.push_back(
        {"cgroup/*", FileKind::Data, "controller.knob file content",
         [](spec::GuestSpec& s, LoadState& st, const KeyFile& f) -> Status {
             const std::string& n = f.parts[0];
             if (n == "name") {
                 st.warnings.push_back(f.path +
                                       ": the guest's cgroup is always <parent>/NAME; "
                                       "name ignored");
                 return ok();
             }
             if (n.find('.') == std::string::npos || n.front() == '.')
                 return make_error(EINVAL, "{} is not a controller.knob file name", str::quote(n));
             s.resources.passthrough[n] = std::string(str::trim(f.text));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             for (const auto& [n, v] : s.resources.passthrough) line(o, "cgroup/" + n, v);
         },
         "written verbatim into the same-named file of the guest's cgroup after the limits "
         "(e.g. memory.limit_in_bytes on v1, memory.max on v2); cgroup/name is ignored"});
}

}  // namespace vs::config::vserver::rows
