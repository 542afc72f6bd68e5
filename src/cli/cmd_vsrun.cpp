// vsrun: the OCI runtime, runc's command line (global options, then a verb). Parses, calls
// runtime/oci, prints; errors also go to --log in --log-format, as engines read them.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "cli/registry.hpp"
#include "cli/vsrun_args.hpp"
#include "config/oci/generate.hpp"
#include "config/oci/parse.hpp"
#include "config/oci/to_guest_spec.hpp"
#include "runtime/oci/oci.hpp"

namespace vs::cli {
namespace {

namespace oci = runtime::oci;
using vsrun::OptSpec;

constexpr const char* kHelp =
    "usage: vsrun [GLOBAL OPTIONS] COMMAND [OPTIONS] [ID] [ARGS...]\n"
    "  an OCI runtime with runc's command line, on vserver-ng's isolation code\n"
    "global options:\n"
    "  --root DIR            container state (default /run/vsrun)\n"
    "  --log FILE            also write errors there (default: stderr only)\n"
    "  --log-format text|json\n"
    "  --debug               debug lines on stderr\n"
    "  --systemd-cgroup      cgroupsPath in the systemd form slice:prefix:name\n"
    "  --rootless true|false|auto   accepted; vsrun runs as root\n"
    "commands:\n"
    "  create [--bundle DIR] [--pid-file F] [--console-socket S] [--preserve-fds N]\n"
    "         [--no-pivot] [--no-new-keyring] ID\n"
    "  start ID | state ID | kill [--all] ID [SIGNAL] | delete [--force] ID\n"
    "  run [--detach] [create's options] ID\n"
    "  exec [--process F] [--detach] [--pid-file F] [--console-socket S] [--tty] [--cwd D]\n"
    "       [--env K=V]... [--user UID[:GID]] [--cap CAP]... [--preserve-fds N] ID [COMMAND...]\n"
    "  update [--resources FILE|-] [--memory N] [--memory-swap N] [--pids-limit N]\n"
    "         [--cpu-shares N] [--cpu-quota N] [--cpu-period N] [--cpuset-cpus L] ID\n"
    "  ps [--format table|json | --json] ID | pause ID | resume ID\n"
    "  list [--format table|json | --json] [-q]\n"
    "  events [--stats] [--interval 5s] ID\n"
    "  spec [--bundle DIR] [--rootless] | features | --version\n";

/// Where errors go besides stderr (--log, --log-format).
struct LogSink {
    std::string path;
    bool json = false;

    void error(const std::string& msg) const {
        log::error("{}", msg);
        if (path.empty()) return;
        int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return;
        std::string line;
        if (json) {
            nlohmann::json j = {{"level", "error"}, {"msg", msg}, {"time", oci::rfc3339_now()}};
            line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        } else {
            line = fmt::format("time=\"{}\" level=error msg=\"{}\"\n", oci::rfc3339_now(),
                               str::escape_control(msg));
        }
        [[maybe_unused]] auto n = ::write(fd, line.data(), line.size());
        ::close(fd);
    }
};

const std::vector<OptSpec> kGlobal = {
    {{"root"}, true},
    {{"log"}, true},
    {{"log-format"}, true},
    {{"debug"}, false},
    {{"systemd-cgroup"}, false},
    {{"rootless"}, true},
    {{"criu"}, true},
    {{"help", "h"}, false},
    {{"version", "v"}, false},
};

const std::vector<OptSpec> kCreate = {
    {{"bundle", "b"}, true},  {{"pid-file"}, true},  {{"console-socket"}, true},
    {{"preserve-fds"}, true}, {{"no-pivot"}, false}, {{"no-new-keyring"}, false},
    {{"detach", "d"}, false}, {{"keep"}, false},     {{"help", "h"}, false},
};

int fail(const LogSink& log, const Error& e) {
    log.error(e.what());
    return kFail;
}

Result<oci::CreateOptions> create_options(const vsrun::Parsed& p) {
    oci::CreateOptions co;
    co.bundle = p.get("bundle", ".");
    co.pid_file = p.get("pid-file");
    co.console_socket = p.get("console-socket");
    co.no_pivot = p.flag("no-pivot");
    co.no_new_keyring = p.flag("no-new-keyring");
    if (p.has("preserve-fds")) {
        auto n = str::parse_u64(p.get("preserve-fds"));
        if (!n || *n > 1024)
            return make_error(EINVAL, "--preserve-fds \"{}\" is not a number of fds",
                              p.get("preserve-fds"));
        co.preserve_fds = static_cast<int>(*n);
    }
    return co;
}

/// The one ID a verb takes.
Result<std::string> one_id(const vsrun::Parsed& p, const char* verb, size_t max_extra = 0) {
    if (p.positional.empty()) return make_error(EINVAL, "{}: a container id is required", verb);
    if (p.positional.size() > 1 + max_extra)
        return make_error(EINVAL, "{}: unexpected argument \"{}\"", verb,
                          p.positional[1 + max_extra]);
    return p.positional[0];
}

/// "512m", "1G", "4096": bytes (runc's --memory); -1: unlimited.
Error err_swap(const std::string& v) {
    return make_error(EINVAL,
                      "--memory-swap \"{}\": give it with --memory, at least as large (memory "
                      "plus swap), or -1",
                      v);
}

Result<int64_t> parse_bytes(const std::string& flag, const std::string& text) {
    if (text == "-1") return int64_t{-1};
    std::string t = text;
    uint64_t mult = 1;
    if (!t.empty()) {
        char u = static_cast<char>(::tolower(static_cast<unsigned char>(t.back())));
        if (u == 'b') t.pop_back(), u = t.empty() ? 0 : static_cast<char>(::tolower(t.back()));
        if (u == 'k' || u == 'm' || u == 'g' || u == 't') {
            mult = u == 'k'   ? 1ull << 10
                   : u == 'm' ? 1ull << 20
                   : u == 'g' ? 1ull << 30
                              : 1ull << 40;
            t.pop_back();
        }
    }
    auto n = str::parse_u64(t);
    if (!n || *n > static_cast<uint64_t>(INT64_MAX) / mult)
        return make_error(EINVAL, "{} \"{}\" is not a size (bytes, or with k, m, g, t)", flag,
                          text);
    return static_cast<int64_t>(*n * mult);
}

/// `update`'s resources: --resources FILE ("-": stdin, a linux.resources object), then the
/// single flags over it.
Result<spec::Resources> update_resources(const vsrun::Parsed& p) {
    spec::Resources res;
    if (p.has("resources")) {
        std::string path = p.get("resources");
        std::string text;
        if (path == "-") {
            text = VS_TRY(sys::read_all(STDIN_FILENO, "stdin", 16 << 20));
        } else {
            text = VS_TRY(sys::read_file(path).wrap("--resources"));
        }
        auto parsed = VS_TRY(config::oci::parse_resources(text).wrap("--resources {}", path));
        res = VS_TRY(config::oci::to_resources(parsed));
    }
    auto num = [&](const char* flag) -> Result<std::optional<int64_t>> {
        if (!p.has(flag)) return std::optional<int64_t>{};
        std::string v = p.get(flag);
        if (v == "-1") return std::optional<int64_t>{-1};
        auto n = str::parse_u64(v);
        if (!n || *n > static_cast<uint64_t>(INT64_MAX))
            return make_error(EINVAL, "--{} \"{}\" is not a number", flag, v);
        return std::optional<int64_t>{static_cast<int64_t>(*n)};
    };
    if (p.has("memory")) res.memory_max = VS_TRY(parse_bytes("--memory", p.get("memory")));
    if (p.has("memory-swap")) {
        int64_t swap = VS_TRY(parse_bytes("--memory-swap", p.get("memory-swap")));
        // runc's --memory-swap is memory plus swap, as in config.json.
        if (swap == -1)
            res.memory_swap_max = -1;
        else if (res.memory_max && *res.memory_max > 0 && swap >= *res.memory_max)
            res.memory_swap_max = swap - *res.memory_max;
        else
            return err_swap(p.get("memory-swap"));
    }
    if (auto v = VS_TRY(num("pids-limit"))) res.pids_max = *v <= 0 ? int64_t{-1} : *v;
    if (auto v = VS_TRY(num("cpu-shares")); v && *v > 0) {
        uint64_t sh = std::clamp<uint64_t>(static_cast<uint64_t>(*v), 2, 262144);
        res.cpu_weight = 1 + ((sh - 2) * 9999) / 262142;
    }
    if (auto v = VS_TRY(num("cpu-quota"))) res.cpu_quota_us = *v;
    if (auto v = VS_TRY(num("cpu-period")); v && *v > 0) res.cpu_period_us = *v;
    if (p.has("cpuset-cpus")) res.cpuset_cpus = p.get("cpuset-cpus");
    if (p.has("cpuset-mems")) res.cpuset_mems = p.get("cpuset-mems");
    return res;
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> w;
    for (const auto& r : rows)
        for (size_t i = 0; i < r.size(); ++i) {
            if (w.size() <= i) w.push_back(0);
            w[i] = std::max(w[i], r[i].size());
        }
    for (const auto& r : rows) {
        std::string line;
        for (size_t i = 0; i < r.size(); ++i)
            line += i + 1 == r.size() ? r[i] : fmt::format("{:<{}}   ", r[i], w[i]);
        fmt::print("{}\n", line);
    }
}

int verb_main(const std::string& verb, const std::vector<std::string>& args, size_t at,
              const oci::Options& opt, const LogSink& log) {
    auto P = [&](const std::vector<OptSpec>& specs) { return vsrun::parse(args, at, specs); };
    auto err = [&](const Error& e) { return fail(log, e); };
    if (verb == "create" || verb == "run") {
        auto p = P(kCreate);
        if (!p) return err(p.error());
        auto id = one_id(*p, verb.c_str());
        if (!id) return err(id.error());
        auto co = create_options(*p);
        if (!co) return err(co.error());
        if (verb == "create") {
            auto pid = oci::create(opt, *id, *co);
            return pid ? kOk : err(pid.error());
        }
        auto status = oci::run(opt, *id, *co, p->flag("detach"));
        if (!status) return err(status.error());
        return *status;
    }
    if (verb == "exec") {
        auto p = P({{{"process", "p"}, true},
                    {{"detach", "d"}, false},
                    {{"pid-file"}, true},
                    {{"console-socket"}, true},
                    {{"tty", "t"}, false},
                    {{"cwd"}, true},
                    {{"env", "e"}, true, true},
                    {{"user", "u"}, true},
                    {{"cap", "c"}, true, true},
                    {{"preserve-fds"}, true},
                    {{"additional-gids", "g"}, true, true},
                    {{"no-new-privs"}, false},
                    {{"help", "h"}, false}});
        if (!p) return err(p.error());
        if (p->positional.empty())
            return err(make_error(EINVAL, "exec: a container id is required"));
        oci::ExecOptions eo;
        eo.process_file = p->get("process");
        eo.args.assign(p->positional.begin() + 1, p->positional.end());
        eo.detach = p->flag("detach");
        eo.tty = p->flag("tty");
        eo.pid_file = p->get("pid-file");
        eo.console_socket = p->get("console-socket");
        eo.cwd = p->get("cwd");
        eo.user = p->get("user");
        if (p->has("env")) eo.env = p->values.at("env");
        if (p->has("cap")) eo.caps = p->values.at("cap");
        if (p->has("preserve-fds")) {
            auto n = str::parse_u64(p->get("preserve-fds"));
            if (!n || *n > 1024)
                return err(make_error(EINVAL, "--preserve-fds \"{}\" is not a number of fds",
                                      p->get("preserve-fds")));
            eo.preserve_fds = static_cast<int>(*n);
        }
        auto status = oci::exec(opt, p->positional[0], eo);
        if (!status) return err(status.error());
        return *status;
    }
    if (verb == "start" || verb == "state" || verb == "pause" || verb == "resume") {
        auto p = P({{{"help", "h"}, false}});
        if (!p) return err(p.error());
        auto id = one_id(*p, verb.c_str());
        if (!id) return err(id.error());
        Status r;
        if (verb == "start") r = oci::start(opt, *id);
        if (verb == "pause") r = oci::pause(opt, *id);
        if (verb == "resume") r = oci::resume(opt, *id);
        if (verb == "state") {
            auto s = oci::state(opt, *id);
            if (!s) return err(s.error());
            fmt::print("{}\n", *s);
        }
        return r ? kOk : err(r.error());
    }
    if (verb == "kill") {
        auto p = P({{{"all", "a"}, false}, {{"pid", "p"}, true}, {{"help", "h"}, false}});
        if (!p) return err(p.error());
        auto id = one_id(*p, "kill", 1);
        if (!id) return err(id.error());
        auto sig = oci::parse_signal(p->positional.size() > 1 ? p->positional[1] : "SIGTERM");
        if (!sig) return err(sig.error());
        auto r = oci::kill(opt, *id, *sig, p->flag("all"));
        return r ? kOk : err(r.error());
    }
    if (verb == "delete") {
        auto p = P({{{"force", "f"}, false}, {{"help", "h"}, false}});
        if (!p) return err(p.error());
        auto id = one_id(*p, "delete");
        if (!id) return err(id.error());
        auto r = oci::remove(opt, *id, p->flag("force"));
        return r ? kOk : err(r.error());
    }
    if (verb == "ps") {
        auto p = P({{{"format", "f"}, true}, {{"json"}, false}, {{"help", "h"}, false}});
        if (!p) return err(p.error());
        if (p->positional.empty()) return err(make_error(EINVAL, "ps: a container id is required"));
        auto pids = oci::pids(opt, p->positional[0]);
        if (!pids) return err(pids.error());
        // --json: vserver-ng's spelling of runc's --format json (docs/json.md).
        std::string format = p->flag("json") ? "json" : p->get("format", "table");
        if (format == "json") {
            fmt::print("{}\n", nlohmann::json(*pids).dump());
            return kOk;
        }
        if (format != "table")
            return err(make_error(EINVAL, "ps: --format \"{}\": use table or json", format));
        std::vector<std::vector<std::string>> rows = {{"PID", "CMD"}};
        for (pid_t pid : *pids) {
            auto cmd = sys::read_file(fmt::format("/proc/{}/cmdline", pid));
            std::string c = cmd ? *cmd : "";
            for (auto& ch : c)
                if (ch == '\0') ch = ' ';
            rows.push_back({std::to_string(pid), str::escape_control(str::trim(c))});
        }
        print_table(rows);
        return kOk;
    }
    if (verb == "list") {
        auto p = P({{{"format", "f"}, true},
                    {{"json"}, false},
                    {{"quiet", "q"}, false},
                    {{"help", "h"}, false}});
        if (!p) return err(p.error());
        auto all = oci::list(opt);
        if (!all) return err(all.error());
        std::string format = p->flag("json") ? "json" : p->get("format", "table");
        if (p->flag("quiet")) {
            for (const auto& e : *all) fmt::print("{}\n", e.record.id);
            return kOk;
        }
        if (format == "json") {
            nlohmann::json arr = nlohmann::json::array();
            for (const auto& e : *all)
                arr.push_back(nlohmann::json::parse(oci::state_json(e.record, e.state, false)));
            fmt::print("{}\n", arr.dump());
            return kOk;
        }
        if (format != "table")
            return err(make_error(EINVAL, "list: --format \"{}\": use table or json", format));
        std::vector<std::vector<std::string>> rows = {
            {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
        for (const auto& e : *all)
            rows.push_back({e.record.id,
                            std::to_string(e.state == oci::State::Stopped ? 0 : e.record.pid),
                            oci::state_name(e.state), e.record.bundle, e.record.created,
                            e.record.owner == 0 ? "root" : std::to_string(e.record.owner)});
        print_table(rows);
        return kOk;
    }
    if (verb == "update") {
        auto p = P({{{"resources", "r"}, true},
                    {{"memory", "m"}, true},
                    {{"memory-swap"}, true},
                    {{"pids-limit"}, true},
                    {{"cpu-shares"}, true},
                    {{"cpu-quota"}, true},
                    {{"cpu-period"}, true},
                    {{"cpuset-cpus"}, true},
                    {{"cpuset-mems"}, true},
                    {{"help", "h"}, false}});
        if (!p) return err(p.error());
        auto id = one_id(*p, "update");
        if (!id) return err(id.error());
        auto res = update_resources(*p);
        if (!res) return err(res.error());
        auto r = oci::update(opt, *id, *res);
        return r ? kOk : err(r.error());
    }
    if (verb == "events") {
        auto p = P({{{"stats"}, false}, {{"interval"}, true}, {{"help", "h"}, false}});
        if (!p) return err(p.error());
        auto id = one_id(*p, "events");
        if (!id) return err(id.error());
        // --interval as runc takes it: "5s", "500ms", or seconds.
        std::string iv = p->get("interval", "5s");
        uint64_t ms = 0;
        if (iv.ends_with("ms")) {
            ms = str::parse_u64(iv.substr(0, iv.size() - 2)).value_or(0);
        } else {
            std::string n = iv.ends_with("s") ? iv.substr(0, iv.size() - 1) : iv;
            ms = str::parse_u64(n).value_or(0) * 1000;
        }
        if (ms == 0) return err(make_error(EINVAL, "--interval \"{}\": use e.g. 5s or 500ms", iv));
        // Without --stats: a stats event every interval until the container stops.
        for (bool first = true;; first = false) {
            auto e = oci::stats_event(opt, *id);
            if (!e) return first ? err(e.error()) : kOk;
            fmt::print("{}\n", *e);
            std::fflush(stdout);
            if (p->flag("stats")) return kOk;
            ::usleep(static_cast<useconds_t>(std::min<uint64_t>(ms, 3600000) * 1000));
        }
    }
    if (verb == "spec") {
        auto p = P({{{"bundle", "b"}, true}, {{"rootless"}, false}, {{"help", "h"}, false}});
        if (!p) return err(p.error());
        std::string path = p->get("bundle", ".") + "/config.json";
        // runc refuses to overwrite a config.json; so do we (O_EXCL).
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) return err(errno_error(fmt::format("write \"{}\"", path)));
        UniqueFd f(fd);
        auto r = sys::write_all(fd, config::oci::default_spec_json(p->flag("rootless")), path);
        return r ? kOk : err(r.error());
    }
    if (verb == "features") {
        fmt::print("{}", config::oci::features_json());
        return kOk;
    }
    return err(make_error(EINVAL, "unknown command \"{}\" (see vsrun --help)", verb));
}

int vsrun_main(std::vector<std::string>& args) {
    size_t at = 0;
    auto g = vsrun::parse(args, 0, kGlobal, &at);
    if (!g) {
        log::error("{}", g.error().what());
        return kUsage;
    }
    LogSink log;
    log.path = g->get("log");
    std::string fmt_name = g->get("log-format", "text");
    if (fmt_name != "text" && fmt_name != "json") {
        log::error("--log-format \"{}\": use text or json", fmt_name);
        return kUsage;
    }
    log.json = fmt_name == "json";
    if (g->flag("debug")) ::setenv("VSERVER_DEBUG", "1", 1);
    if (g->flag("version")) {
        fmt::print("vsrun version {}\nspec: {}\n", version(), oci::kOciVersion);
        return kOk;
    }
    if (g->flag("help") || g->positional.empty()) {
        fmt::print(g->positional.empty() && !g->flag("help") ? stderr : stdout, "{}", kHelp);
        return g->flag("help") ? kOk : kUsage;
    }
    oci::Options opt;
    opt.root = g->get("root", opt.root);
    opt.systemd_cgroup = g->flag("systemd-cgroup");
    std::string rootless = g->get("rootless", "auto");
    opt.rootless = rootless == "true";
    if (opt.rootless && ::geteuid() != 0) {
        log.error("--rootless: vsrun runs containers as root only");
        return kFail;
    }
    const std::string verb = g->positional[0];
    // g->positional holds the verb and everything after it; its options start right after it.
    std::vector<std::string> rest(args.begin() + static_cast<long>(at), args.end());
    return verb_main(verb, rest, 1, opt, log);
}

const RegisterTool reg("vsrun",
                       CommandDoc{
                           "an OCI runtime with runc's command line",
                           kHelp,
                           {"--root",     "--log",  "--log-format", "--debug", "--systemd-cgroup",
                            "--rootless", "create", "start",        "state",   "kill",
                            "delete",     "run",    "exec",         "ps",      "pause",
                            "resume",     "list",   "update",       "events",  "spec",
                            "features"}},
                       vsrun_main);

}  // namespace
}  // namespace vs::cli
