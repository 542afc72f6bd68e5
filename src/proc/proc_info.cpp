// /proc/PID parsing.
#include "proc/proc_info.hpp"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "base/strings.hpp"
#include "base/sys.hpp"

namespace vs::proc {

Result<uint64_t> parse_start_time(std::string_view text) {
    auto rp = text.rfind(')');
    if (rp == std::string_view::npos) return make_error(EINVAL, "stat text has no \"(comm)\"");
    // After ") " come fields 3.. ; starttime is field 22, i.e. the 20th after comm.
    auto fields = str::split_ws(text.substr(rp + 1));
    if (fields.size() < 20)
        return make_error(EINVAL, "stat text has {} fields after comm", fields.size());
    auto v = str::parse_u64(fields[19]);
    if (!v) return make_error(EINVAL, "stat starttime \"{}\" is not a number", fields[19]);
    return *v;
}

Result<uint64_t> start_time(pid_t pid) {
    auto text = VS_TRY(sys::read_file(fmt::format("/proc/{}/stat", pid)));
    return parse_start_time(text);
}

Result<char> parse_state(std::string_view text) {
    auto rp = text.rfind(')');
    if (rp == std::string_view::npos || rp + 2 >= text.size())
        return make_error(EINVAL, "stat text has no state after \"(comm)\"");
    return text[rp + 2];
}

Result<RunSample> parse_run_sample(std::string_view text) {
    auto rp = text.rfind(')');
    if (rp == std::string_view::npos) return make_error(EINVAL, "stat text has no \"(comm)\"");
    // Fields 3.. after comm: state is the 1st, flags (9) the 7th, utime (14) and stime (15) the
    // 12th and 13th.
    auto fields = str::split_ws(text.substr(rp + 1));
    if (fields.size() < 13 || fields[0].size() != 1)
        return make_error(EINVAL, "stat text has {} fields after comm", fields.size());
    auto flags = str::parse_u64(fields[6]);
    auto utime = str::parse_u64(fields[11]);
    auto stime = str::parse_u64(fields[12]);
    if (!flags || !utime || !stime)
        return make_error(EINVAL, "stat text has a flags or cpu time field that is not a number");
    constexpr uint64_t kPfExiting = 0x4;  // PF_EXITING, include/linux/sched.h
    RunSample s;
    s.state = fields[0][0];
    s.exiting = (*flags & kPfExiting) != 0;
    s.cpu_ticks = *utime + *stime;
    return s;
}

Result<RunSample> run_sample(pid_t pid) {
    auto text = VS_TRY(sys::read_file(fmt::format("/proc/{}/stat", pid)));
    return parse_run_sample(text);
}

bool is_stopped(pid_t pid) {
    auto s = run_sample(pid);
    return s && (s->state == 'T' || s->state == 't');
}

bool is_alive(pid_t pid, uint64_t start) {
    auto text = sys::read_file(fmt::format("/proc/{}/stat", pid));
    if (!text) return false;
    auto t = parse_start_time(*text);
    auto s = parse_state(*text);
    return t && s && *t == start && *s != 'Z' && *s != 'X';
}

Result<std::vector<pid_t>> parse_nspid(std::string_view text) {
    for (auto& line : str::split(text, '\n')) {
        if (!str::starts_with(line, "NSpid:")) continue;
        std::vector<pid_t> out;
        for (auto& f : str::split_ws(std::string_view(line).substr(6))) {
            auto v = str::parse_u64(f);
            if (!v) return make_error(EINVAL, "NSpid value \"{}\" is not a number", f);
            out.push_back(static_cast<pid_t>(*v));
        }
        return out;
    }
    return make_error(EINVAL, "status text has no NSpid line");
}

Result<std::vector<pid_t>> nspid(pid_t pid) {
    auto text = VS_TRY(sys::read_file(fmt::format("/proc/{}/status", pid)));
    return parse_nspid(text);
}

double uptime_seconds() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_BOOTTIME, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

long clock_ticks() { return ::sysconf(_SC_CLK_TCK); }

Result<std::vector<pid_t>> pid_namespace_members(pid_t member) {
    struct stat ns {};
    std::string mine = fmt::format("/proc/{}/ns/pid", member);
    if (::stat(mine.c_str(), &ns) < 0) return errno_error(fmt::format("stat \"{}\"", mine));
    std::vector<pid_t> out;
    for (const auto& name : VS_TRY(sys::list_dir("/proc"))) {
        auto pid = str::parse_u64(name);
        if (!pid) continue;
        struct stat st {};
        std::string link = fmt::format("/proc/{}/ns/pid", *pid);
        if (::stat(link.c_str(), &st) == 0 && st.st_ino == ns.st_ino && st.st_dev == ns.st_dev)
            out.push_back(static_cast<pid_t>(*pid));
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace vs::proc
