// vps: ps with util-vserver's CONTEXT column ("xid name", "0 MAIN" for the host) after PID.
#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/exec.hpp"
#include "base/log.hpp"
#include "cli/registry.hpp"
#include "procview/proc_json.hpp"
#include "procview/ps_columns.hpp"
#include "procview/snapshot.hpp"

namespace vs::cli {
namespace {

constexpr const char* kHelp =
    "usage: vps [--context NAME|XID] [--json] [PS-OPTIONS...]\n"
    "  runs ps(1) with PS-OPTIONS and inserts a CONTEXT column (\"xid name\", \"0 MAIN\" for\n"
    "  host processes) after PID. --context keeps one guest's (or the host's) processes;\n"
    "  --json prints every process as a JSON array instead (PS-OPTIONS are ignored).\n";

struct VpsArgs {
    std::optional<std::string> context;
    bool json = false;
    bool no_headers = false;
    std::vector<std::string> ps_args;
};

Result<VpsArgs> parse(const std::vector<std::string>& args) {
    VpsArgs a;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& s = args[i];
        if (s == "--context" || s == "--xid") {
            if (i + 1 >= args.size()) return make_error(0, "{} needs a guest name or xid", s);
            a.context = args[++i];
        } else if (s.rfind("--context=", 0) == 0 || s.rfind("--xid=", 0) == 0) {
            a.context = s.substr(s.find('=') + 1);
        } else if (s == "--json") {
            a.json = true;
        } else if (s == "--no-headers" || s == "--no-heading") {
            // We need ps's header to find the PID column; drop it ourselves instead.
            a.no_headers = true;
        } else {
            a.ps_args.push_back(s);
        }
    }
    return a;
}

int run_json(const VpsArgs& a) {
    procview::XidCache xids(config::Paths::from_env());
    procview::ScanOptions opt;
    opt.cmdline = true;
    auto snap = procview::take_snapshot(xids, opt);
    if (!snap) {
        log::error("{}", snap.error().what());
        return kFail;
    }
    int want = -2;
    if (a.context) {
        auto r = procview::resolve_context(snap->members, *a.context);
        if (!r) {
            log::error("{}", r.error().what());
            return kUsage;
        }
        want = *r;
    }
    procview::UserNames users;
    nlohmann::json out = nlohmann::json::array();
    for (auto& p : snap->procs) {
        int gi = snap->members.guest_of(p.stat.pid);
        if (want != -2 && gi != want) continue;
        out.push_back(procview::proc_json(p, snap->guest_of(p), snap->clock, users));
    }
    // Process names are the guest's bytes, not always UTF-8: replaced (U+FFFD), never a throw.
    fmt::print("{}\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    return kOk;
}

Result<exec::Outcome> run_ps(const std::vector<std::string>& ps_args) {
    std::vector<std::string> argv{"ps"};
    argv.insert(argv.end(), ps_args.begin(), ps_args.end());
    exec::Options o;
    o.capture_stdout = true;
    // ps sees a pipe, not our terminal: give it our width minus the column we add, so a
    // terminal shows what plain ps would have shown.
    struct winsize ws {};
    if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 40)
        o.env_add.push_back(fmt::format("COLUMNS={}", ws.ws_col - procview::kContextWidth));
    return exec::run(argv, o).wrap("run ps");
}

int run_text(VpsArgs& a) {
    auto ps = run_ps(a.ps_args);
    if (!ps) {
        log::error("{}", ps.error().what());
        return kFail;
    }
    std::string_view text = ps->out;
    size_t nl = text.find('\n');
    std::string_view header = text.substr(0, nl);
    auto col = procview::find_pid_column(header);
    if (!col && ps->status == 0) {
        // The user's format has no PID column: add one in front and ask again.
        std::vector<std::string> again{"-o", "pid"};
        again.insert(again.end(), a.ps_args.begin(), a.ps_args.end());
        ps = run_ps(again);
        if (!ps) {
            log::error("{}", ps.error().what());
            return kFail;
        }
        text = ps->out;
        nl = text.find('\n');
        header = text.substr(0, nl);
        col = procview::find_pid_column(header);
    }
    if (!col) {
        // ps failed (it printed why) or printed nothing we can label.
        fmt::print("{}", text);
        return ps->status == 0 ? kFail : ps->status;
    }
    // Membership after ps has read /proc: see procview::Membership.
    procview::XidCache xids(config::Paths::from_env());
    auto members = procview::snapshot_membership(xids);
    if (!members) {
        log::error("{}", members.error().what());
        return kFail;
    }
    int want = -2;
    if (a.context) {
        auto r = procview::resolve_context(*members, *a.context);
        if (!r) {
            log::error("{}", r.error().what());
            return kUsage;
        }
        want = *r;
    }
    std::string out;
    out.reserve(text.size() + (text.size() / 40 + 1) * procview::kContextWidth);
    if (!a.no_headers) {
        out += procview::insert_column(header, col->end, "CONTEXT");
        out += '\n';
    }
    size_t pos = nl == std::string_view::npos ? text.size() : nl + 1;
    while (pos < text.size()) {
        size_t e = text.find('\n', pos);
        if (e == std::string_view::npos) e = text.size();
        std::string_view line = text.substr(pos, e - pos);
        pos = e + 1;
        auto at = procview::pid_in_line(line, *col);
        if (!at) {
            if (want == -2) (out += line) += '\n';  // not a process line: keep it as ps wrote it
            continue;
        }
        int gi = members->guest_of(at->pid);
        if (want != -2 && gi != want) continue;
        const procview::Guest* g = gi < 0 ? nullptr : &members->guests[static_cast<size_t>(gi)];
        out += procview::insert_column(line, at->end, procview::context_label(g));
        out += '\n';
    }
    fmt::print("{}", out);
    return ps->status;
}

int vps_main(std::vector<std::string>& args) {
    if (!args.empty() && (args[0] == "--help" || args[0] == "-help")) {
        fmt::print("{}", kHelp);
        return kOk;
    }
    auto a = parse(args);
    if (!a) {
        log::error("{}", a.error().what());
        fmt::print(stderr, "{}", kHelp);
        return kUsage;
    }
    return a->json ? run_json(*a) : run_text(*a);
}

RegisterTool reg("vps",
                 {"ps(1) with each process's guest (CONTEXT column)",
                  kHelp,
                  {"--context", "--xid", "--json", "--no-headers"}},
                 vps_main);

}  // namespace
}  // namespace vs::cli
