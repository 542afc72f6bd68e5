// Pid-reuse-safe signalling for vkill: pidfd_open, verify membership, pidfd_send_signal.
#include "procview/guest_kill.hpp"

#include <signal.h>
#include <string.h>

#include <set>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "cgroup/manager.hpp"
#include "proc/pidfd.hpp"
#include "procview/membership.hpp"

namespace vs::procview {

Result<std::optional<std::string>> guest_of_pid(const config::Paths& paths, pid_t pid) {
    auto text = VS_TRY(sys::read_file(fmt::format("/proc/{}/cgroup", pid)));
    return cgroup::guest_from_proc_cgroup(text, paths.cgroup_parent);
}

Status signal_guest_pid(const config::Paths& paths, const std::string& guest, pid_t pid, int sig) {
    if (pid <= 0) return make_error(EINVAL, "bad pid {}", pid);
    auto pfd = proc::PidFd::open(pid);
    if (!pfd) return make_error(ESRCH, "no process {}", pid);
    // Membership is checked AFTER the pidfd pins the process: whatever we read below is about
    // the pinned process as long as it is still alive afterwards.
    auto owner = guest_of_pid(paths, pid);
    if (!pfd->alive()) return make_error(ESRCH, "process {} exited", pid);
    if (!owner) return std::move(owner).error();
    if (!*owner)
        return make_error(EPERM, "pid {} is a host process (context 0 MAIN), not in guest {}", pid,
                          guest);
    if (**owner != guest) {
        XidCache xids(paths);
        auto x = xids.xid(**owner);
        return make_error(EPERM, "pid {} belongs to guest {} (context {}), not to guest {}", pid,
                          **owner, x ? std::to_string(*x) : std::string("?"), guest);
    }
    return pfd->send_signal(sig);
}

Result<size_t> signal_guest(const config::Paths& paths, const std::string& guest, int sig) {
    std::set<pid_t> done;
    XidCache xids(paths);
    for (int pass = 0; pass < 16; ++pass) {
        auto m = VS_TRY(snapshot_membership(xids));
        const Guest* g = m.find(guest);
        if (!g) break;
        size_t fresh = 0;
        for (pid_t pid : g->pids) {
            if (!done.insert(pid).second) continue;
            ++fresh;
            auto st = signal_guest_pid(paths, guest, pid, sig);
            // A process that exited or left meanwhile is not an error for "every process".
            if (!st && st.error().code != ESRCH && st.error().code != EPERM)
                return std::move(st).error();
        }
        if (fresh == 0) break;
    }
    return done.size();
}

Result<int> parse_signal(const std::string& text) {
    if (auto n = str::parse_u64(text)) {
        if (*n >= 1 && *n < static_cast<uint64_t>(NSIG)) return static_cast<int>(*n);
        return make_error(EINVAL, "bad signal \"{}\"", text);
    }
    std::string t = str::upper(text);
    if (str::starts_with(t, "SIG")) t = t.substr(3);
    for (int s = 1; s < NSIG; ++s) {
        const char* abbrev = ::sigabbrev_np(s);
        if (abbrev && t == abbrev) return s;
    }
    return make_error(EINVAL, "bad signal \"{}\"", text);
}

}  // namespace vs::procview
