// `vserver NAME status [--json]` (exit 0 running, 3 stopped) and `vserver NAME running` (silent).
#include <fmt/format.h>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "cli/guest_addresses.hpp"
#include "cli/lifecycle_common.hpp"
#include "procview/guest_stats.hpp"
#include "runtime/runtime.hpp"
#include "spec/validate.hpp"

namespace vs::cli {

namespace {

std::string uptime_text(double s) {
    long t = static_cast<long>(s);
    long d = t / 86400, h = (t / 3600) % 24, m = (t / 60) % 60, sec = t % 60;
    if (d) return fmt::format("{}d {:02}:{:02}:{:02}", d, h, m, sec);
    return fmt::format("{:02}:{:02}:{:02}", h, m, sec);
}

/// A guest that does not exist is an error (exit 2), but one whose config vanished while its
/// processes still run is reported: the truth about them is what status is for.
bool missing(GuestCommand& c) {
    auto e = runtime::guest_exists(c.paths, c.guest);
    if (e) return false;
    auto r = runtime::status(c.paths, c.guest);
    if (r && r->status != state::RunStatus::Stopped) return false;
    log::error("{}", e.error().what());
    return true;
}

/// `status --json`: procview's per-guest document (docs/host-tools.md), one line.
int status_json(GuestCommand& c) {
    auto j = procview::guest_status_json(c.paths, c.guest);
    if (!j) return report(j.error());
    // util-vserver shows no addresses anywhere; admins need them (docs/network.md).
    (*j)["addresses"] = guest_addresses_json(c.paths, c.guest);
    // Guest-chosen names need not be UTF-8: replaced (U+FFFD), never a throw.
    fmt::print("{}\n", j->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return (*j)["running"].get<bool>() ? kOk : kStopped;
}

int cmd_status(GuestCommand& c) {
    int code = kOk;
    bool json = !c.args.empty() && c.args[0] == "--json";
    if (json) c.args.erase(c.args.begin());
    if (!no_args(c, "status", code)) return code;
    if (auto v = spec::validate_name(c.guest); !v) {
        log::error("{}", v.error().what());
        return kUsage;
    }
    if (missing(c)) return kUsage;
    if (json) return status_json(c);
    auto r = runtime::status(c.paths, c.guest);
    if (!r) return report(r.error());
    using state::RunStatus;
    switch (r->status) {
        case RunStatus::Running:
            fmt::print("Vserver '{}' is running at context '{}'\n", c.guest, r->context);
            fmt::print("Number of processes: {}\n", r->processes);
            fmt::print("Uptime:              {}\n", uptime_text(r->uptime_s));
            // Processes the kernel's OOM killer ended inside this guest (its memory limit).
            if (auto cg = procview::guest_cgroup_stats(c.paths, c.guest))
                fmt::print("OOM kills:           {}\n", cg->oom_kills);
            if (auto a = guest_addresses_text(c.paths, c.guest); !a.empty())
                fmt::print("Addresses:           {}\n", a);
            if (!r->warning.empty())
                fmt::print("Warning:             {}\n", str::escape_control(r->warning));
            if (!r->socket_guard_gap.empty())
                fmt::print(
                    "Note:                i386 socketcall() can create AF_ALG/AF_VSOCK "
                    "sockets: {}\n",
                    str::escape_control(r->socket_guard_gap));
            if (runtime::runs_classic(*r))
                fmt::print(
                    "Note:                classic guest (no user namespace): its root is host "
                    "root, kernel uid 0, and can use up host root's per-uid kernel limits "
                    "(inotify instances and watches: fs.inotify.max_user_*); not root-safe; a "
                    "user-namespaced guest is bounded (docs/security.md)\n");
            return kOk;
        case RunStatus::Starting:
            fmt::print("Vserver '{}' is starting\n", c.guest);
            return kStopped;
        case RunStatus::Stopping:
            fmt::print("Vserver '{}' is stopping ({} processes left)\n", c.guest, r->processes);
            return kOk;
        case RunStatus::Broken:
            fmt::print("Vserver '{}' is not running properly: {}\n", c.guest,
                       str::escape_control(r->detail));
            return kStopped;
        case RunStatus::Stopped:
            fmt::print("Vserver '{}' is stopped\n", c.guest);
            if (!r->detail.empty()) fmt::print("Note: {}\n", str::escape_control(r->detail));
            return kStopped;
    }
    return kFail;
}

int cmd_running(GuestCommand& c) {
    if (!c.args.empty() || !spec::validate_name(c.guest)) return kFail;
    auto r = runtime::status(c.paths, c.guest);
    return r && r->status == state::RunStatus::Running ? kOk : kFail;
}

RegisterGuestCommand reg_status(
    "status",
    {"show whether the guest runs (exit 0 running, 3 stopped); --json: procview data",
     "usage: vserver NAME status [--json]\n",
     {"--json"}},
    cmd_status);
RegisterGuestCommand reg_running(
    "running", {"exit 0 iff the guest is running (no output)", "usage: vserver NAME running\n", {}},
    cmd_running);

}  // namespace

}  // namespace vs::cli
