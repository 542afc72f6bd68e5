// vkill --xid NAME|XID [-s SIG] [--] [PID...]: signal a guest's processes, never anyone else's.
#include <fmt/format.h>
#include <signal.h>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "cli/registry.hpp"
#include "procview/guest_kill.hpp"
#include "procview/membership.hpp"

namespace vs::cli {
namespace {

constexpr const char* kHelp =
    "usage: vkill --xid NAME|XID [-s SIGNAL] [--] [PID...]\n"
    "  signals each PID (host pids, as vps shows them) only if it belongs to the guest;\n"
    "  with no PID, every process of the guest. SIGNAL: name (TERM, SIGKILL) or number;\n"
    "  default TERM.\n";

struct VkillArgs {
    std::optional<std::string> who;
    std::string sigtext = "TERM";
    std::vector<std::string> pids;
};

/// Reads the command line into `a`; the exit code when it ends the command here (--help, a
/// usage error).
std::optional<int> parse_args(std::vector<std::string>& args, VkillArgs& a) {
    bool rest = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& s = args[i];
        auto value = [&]() -> std::optional<std::string> {
            if (i + 1 >= args.size()) return std::nullopt;
            return args[++i];
        };
        if (rest) {
            a.pids.push_back(s);
        } else if (s == "--") {
            rest = true;
        } else if (s == "--help" || s == "-h") {
            fmt::print("{}", kHelp);
            return kOk;
        } else if (s == "--xid" || s == "-c" || s == "--context") {
            a.who = value();
            if (!a.who) {
                log::error("{} needs a guest name or xid", s);
                return kUsage;
            }
        } else if (s.rfind("--xid=", 0) == 0) {
            a.who = s.substr(6);
        } else if (s == "-s" || s == "--signal") {
            auto v = value();
            if (!v) {
                log::error("{} needs a signal", s);
                return kUsage;
            }
            a.sigtext = *v;
        } else if (s.size() > 1 && s[0] == '-' && s[1] != '-') {
            a.sigtext = s.substr(1);  // kill(1) style: -KILL, -9
        } else if (s.rfind("--", 0) == 0) {
            log::error("unknown option \"{}\"", s);
            fmt::print(stderr, "{}", kHelp);
            return kUsage;
        } else {
            a.pids.push_back(s);
        }
    }
    if (!a.who) {
        log::error("--xid NAME|XID is required (vkill never signals outside one guest)");
        fmt::print(stderr, "{}", kHelp);
        return kUsage;
    }
    return std::nullopt;
}

/// Signals each of `pids` that belongs to `guest`; the others are errors, and the rest go on.
int signal_pids(const config::Paths& paths, const std::string& guest,
                const std::vector<std::string>& pids, int sig) {
    int rc = kOk;
    for (auto& p : pids) {
        auto pid = str::parse_u64(p);
        if (!pid || *pid == 0 || *pid > 0x7fffffff) {
            log::error("bad pid \"{}\"", p);
            rc = kUsage;
            continue;
        }
        auto st = procview::signal_guest_pid(paths, guest, static_cast<pid_t>(*pid), sig);
        if (!st) {
            log::error("{}", st.error().what());
            if (rc == kOk) rc = kFail;
        }
    }
    return rc;
}

int vkill_main(std::vector<std::string>& args) {
    VkillArgs a;
    if (auto rc = parse_args(args, a)) return *rc;
    auto sig = procview::parse_signal(a.sigtext);
    if (!sig) {
        log::error("{}", sig.error().what());
        return kUsage;
    }
    auto paths = config::Paths::from_env();
    procview::XidCache xids(paths);
    auto members = procview::snapshot_membership(xids);
    if (!members) {
        log::error("{}", members.error().what());
        return kFail;
    }
    auto gi = procview::resolve_context(*members, *a.who);
    if (!gi) {
        log::error("{}", gi.error().what());
        return kFail;
    }
    if (*gi < 0) {
        log::error("context 0 is the host: vkill only signals guest processes");
        return kUsage;
    }
    std::string guest = members->guests[static_cast<size_t>(*gi)].name;
    if (!a.pids.empty()) return signal_pids(paths, guest, a.pids, *sig);
    auto n = procview::signal_guest(paths, guest, *sig);
    if (!n) {
        log::error("{}", n.error().what());
        return kFail;
    }
    log::debug("signalled {} processes of guest {}", *n, guest);
    return kOk;
}

RegisterTool reg("vkill",
                 {"signal a guest's processes, never anyone else's",
                  kHelp,
                  {"--xid", "-s", "--signal"}},
                 vkill_main);

}  // namespace
}  // namespace vs::cli
