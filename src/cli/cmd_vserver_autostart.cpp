// `vserver-autostart [-j N] [--json] start|stop|restart|status [MARK]`, also spelled
// util-vserver's way `vservers-default start|stop`: the guests of a mark group (apps/init/mark)
// at boot.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "cli/registry.hpp"
#include "runtime/autostart.hpp"
#include "runtime/runtime.hpp"

namespace vs::cli {

namespace {

// NUMPARALLEL, as /etc/default/vservers-default sets it for util-vserver's init script.
bool parse_parallel(const std::string& what, const std::string& v, unsigned& out) {
    auto n = str::parse_u64(v);
    if (!n || *n < 1 || *n > 1024) {
        log::error("{} {}: a number of guests 1..1024 expected", what, str::quote(v));
        return false;
    }
    out = static_cast<unsigned>(*n);
    return true;
}

// A guest's result: its word in the progress lines, and its name in --json
// (docs/json/vserver-autostart-run.schema.json). The names are an interface scripts match on, so
// they are spelled here on their own and never follow a change of the words.
struct ResultText {
    const char* word;
    const char* json;
};

ResultText result_text(runtime::AutostartEvent::Kind k, bool stop) {
    using K = runtime::AutostartEvent::Kind;
    switch (k) {
        case K::Done:
            return stop ? ResultText{"stopped", "stopped"} : ResultText{"started", "started"};
        case K::Already:
            return stop ? ResultText{"not running", "not_running"}
                        : ResultText{"already running", "already_running"};
        case K::Failed:
            return {"FAILED", "failed"};
        case K::Skipped:
            return {"skipped", "skipped"};
    }
    return {"?", "unknown"};
}

// One group's start or stop: a line per guest as it ends and the summary, or with `json` the
// whole run as one document (docs/json/vserver-autostart-run.schema.json) in `*doc`.
int run_group(const config::Paths& paths, runtime::AutostartOptions opt,
              nlohmann::json* doc = nullptr) {
    const char* verb = opt.stop ? "stop" : "start";
    auto rep = runtime::autostart(paths, opt, [&](const runtime::AutostartEvent& e) {
        if (doc) return;
        std::string line = fmt::format("{}: {}", e.name, result_text(e.kind, opt.stop).word);
        if (e.seconds > 0) line += fmt::format(" ({:.1f} s)", e.seconds);
        if (!e.detail.empty() && e.kind != runtime::AutostartEvent::Kind::Already) {
            std::string d = e.detail;
            for (size_t p = 0; (p = d.find('\n', p)) != std::string::npos; p += 5)
                d.replace(p, 1, "\n    ");
            line += ": " + d;
        }
        fmt::print("{}\n", line);
        std::fflush(stdout);
    });
    if (!rep) {
        log::error("{}", rep.error().what());
        return kFail;
    }
    for (const auto& l : rep->legacy)
        log::warn(
            "{} has only a legacy config ({}.conf), not {}ed: convert it with `vserver {} "
            "import-legacy`",
            l, l, opt.stop ? "stopp" : "start", l);
    for (const auto& c : rep->cycles)
        log::error("dependency cycle in apps/init/depends: {}", str::join(c, " -> "));
    size_t done = 0, failed = 0, skipped = 0;
    std::vector<std::string> bad;
    for (const auto& e : rep->events) {
        using K = runtime::AutostartEvent::Kind;
        if (e.kind == K::Done || e.kind == K::Already) ++done;
        if (e.kind == K::Failed) ++failed, bad.push_back(e.name + " failed");
        if (e.kind == K::Skipped) ++skipped, bad.push_back(e.name + " skipped");
    }
    std::sort(bad.begin(), bad.end());
    if (doc) {
        nlohmann::json guests = nlohmann::json::array();
        for (const auto& e : rep->events)
            guests.push_back(
                {{"name", e.name},
                 {"result", result_text(e.kind, opt.stop).json},
                 {"seconds", e.seconds > 0 ? nlohmann::json(e.seconds) : nullptr},
                 {"detail", e.detail.empty() ? nlohmann::json() : nlohmann::json(e.detail)}});
        auto& d = *doc;
        d["action"] = verb;
        d["mark"] = opt.mark;
        d["parallel"] = opt.parallel;
        d["all_ok"] = rep->all_ok();
        d["total"] = rep->group.size();
        d["ok"] = done;
        d["failed"] = failed;
        d["skipped"] = skipped;
        d["guests"] = guests;
        d["cycles"] = rep->cycles;
        d["legacy"] = rep->legacy;
        return rep->all_ok() ? kOk : kFail;
    }
    if (rep->group.empty()) {
        fmt::print("no guest has mark \"{}\": nothing to {}\n", opt.mark, verb);
        return kOk;
    }
    fmt::print("{} \"{}\": {} of {} guests {}, {} failed, {} skipped{}{}\n", verb, opt.mark, done,
               rep->group.size(), opt.stop ? "stopped" : "running", failed, skipped,
               bad.empty() ? "" : ": ", str::join(bad, ", "));
    return rep->all_ok() ? kOk : kFail;
}

// One line per guest of the group, or one JSON document (docs/json/vserver-autostart.schema.json):
// exit 0 when every guest runs, 3 otherwise, as `vserver NAME status`.
int run_status(const config::Paths& paths, const std::string& mark, bool json) {
    auto group = runtime::marked_guests(paths, mark);
    if (!group) {
        log::error("{}", group.error().what());
        return kFail;
    }
    bool all = true;
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& g : *group) {
        auto st = runtime::status(paths, g);
        const char* s = st ? state::run_status_name(st->status) : "unknown";
        if (!st || st->status != state::RunStatus::Running) all = false;
        if (json)
            rows.push_back({{"name", g}, {"status", s}});
        else
            fmt::print("{}: {}\n", g, s);
    }
    if (json) {
        nlohmann::json doc = {{"mark", mark}, {"all_running", all}, {"guests", rows}};
        fmt::print("{}\n", doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    return all ? kOk : kStopped;
}

int cmd_autostart(std::vector<std::string>& args, const std::string& self) {
    runtime::AutostartOptions opt;
    bool json = false;
    if (const char* m = std::getenv("MARK"); m && *m) opt.mark = m;
    if (const char* n = std::getenv("NUMPARALLEL"); n && *n)
        if (!parse_parallel("NUMPARALLEL", n, opt.parallel)) return kUsage;
    std::vector<std::string> pos;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-h") {
            fmt::print("{}", help_text(self, false));
            return kOk;
        }
        if (a == "--json") {
            json = true;
        } else if (a == "-j" || a == "--parallel") {
            if (i + 1 >= args.size()) {
                log::error("{} needs a number", a);
                return kUsage;
            }
            if (!parse_parallel(a, args[++i], opt.parallel)) return kUsage;
        } else if (a.rfind("-j", 0) == 0 && a.size() > 2) {
            if (!parse_parallel("-j", a.substr(2), opt.parallel)) return kUsage;
        } else if (!a.empty() && a[0] == '-') {
            log::error("unknown option \"{}\" (try {} --help)", a, self);
            return kUsage;
        } else {
            pos.push_back(a);
        }
    }
    if (pos.empty() || pos.size() > 2) {
        log::error("usage: {} [-j N] start|stop|restart|status [MARK]", self);
        return kUsage;
    }
    if (pos.size() == 2) {
        if (pos[1].empty() || pos[1].find_first_of("/\n") != std::string::npos) {
            log::error("mark {}: a word expected", str::quote(pos[1]));
            return kUsage;
        }
        opt.mark = pos[1];
    }
    auto paths = config::Paths::from_env();
    const std::string& verb = pos[0];
    if (verb == "status") return run_status(paths, opt.mark, json);
    auto print = [](const nlohmann::json& d) {
        fmt::print("{}\n", d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    };
    if (verb == "start" || verb == "stop") {
        opt.stop = verb == "stop";
        nlohmann::json d;
        int r = run_group(paths, opt, json ? &d : nullptr);
        if (json && !d.is_null()) print(d);
        return r;
    }
    if (verb == "restart") {
        nlohmann::json ds, dt;
        opt.stop = true;
        int s = run_group(paths, opt, json ? &ds : nullptr);
        opt.stop = false;
        int t = run_group(paths, opt, json ? &dt : nullptr);
        if (json && !ds.is_null() && !dt.is_null())
            print({{"action", "restart"},
                   {"mark", opt.mark},
                   {"all_ok", ds["all_ok"].get<bool>() && dt["all_ok"].get<bool>()},
                   {"stop", ds},
                   {"start", dt}});
        return s != kOk ? s : t;
    }
    log::error("unknown action {} (start, stop, restart or status)", str::quote(verb));
    return kUsage;
}

const char* const kHelp =
    "usage: {self} [-j N] [--json] start|stop|restart|status [MARK]\n"
    "  -j, --parallel N  guests started (stopped) at the same time (default $NUMPARALLEL, else "
    "6)\n"
    "  --json            one JSON document: the run's result per guest and its summary (start,\n"
    "                    stop, restart) or the group's run states (status)\n"
    "  MARK              the apps/init/mark word of the group (default $MARK, else default)\n";

CommandDoc doc(const char* self) {
    std::string usage = kHelp;
    for (auto at = usage.find("{self}"); at != std::string::npos; at = usage.find("{self}"))
        usage.replace(at, 6, self);
    return {"start or stop the guests of an apps/init/mark group in apps/init/depends order",
            usage,
            {"-j", "--parallel", "--json", "start", "stop", "restart", "status"}};
}

RegisterTool reg1("vserver-autostart", doc("vserver-autostart"), [](std::vector<std::string>& a) {
    return cmd_autostart(a, "vserver-autostart");
});
RegisterTool reg2("vservers-default", doc("vservers-default"),
                  [](std::vector<std::string>& a) { return cmd_autostart(a, "vservers-default"); });

}  // namespace

}  // namespace vs::cli
