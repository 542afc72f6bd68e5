// vsrun: the OCI runtime, runc's command line (global options, then a verb). Parses, calls
// runtime/oci, prints; errors also go to --log in --log-format, as engines read them.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "cli/registry.hpp"
#include "cli/vsrun_args.hpp"
#include "cli/vsrun_options.hpp"
#include "cli/vsrun_verbs.hpp"
#include "config/oci/generate.hpp"
#include "runtime/oci/oci.hpp"
#include "runtime/oci/rootless.hpp"

namespace vs::cli {
namespace {

namespace oci = runtime::oci;

constexpr const char* kHelp =
    "usage: vsrun [GLOBAL OPTIONS] COMMAND [OPTIONS] [ID] [ARGS...]\n"
    "  an OCI runtime with runc's command line, on vserver-ng's isolation code\n"
    "global options:\n"
    "  --root DIR            container state (default /run/vsrun; not root:\n"
    "                        $XDG_RUNTIME_DIR/vsrun)\n"
    "  --log FILE            also write errors there (default: stderr only)\n"
    "  --log-format text|json\n"
    "  --debug               debug lines on stderr\n"
    "  --systemd-cgroup      cgroupsPath in the systemd form slice:prefix:name\n"
    "  --rootless true|false|auto   no cgroup where the caller may not make one\n"
    "                        (default auto: when not root)\n"
    "commands:\n"
    "  create [--bundle DIR] [--pid-file F] [--console-socket S] [--preserve-fds N]\n"
    "         [--no-pivot] [--no-new-keyring] ID\n"
    "  start ID | state ID | kill [--all] ID [SIGNAL] | delete [--force] ID\n"
    "  run [--detach] [--keep] [create's options] ID\n"
    "  exec [--process F] [--detach] [--pid-file F] [--console-socket S] [--tty] [--cwd D]\n"
    "       [--env K=V]... [--user UID[:GID]] [--additional-gids G[,G]]... [--no-new-privs]\n"
    "       [--cap CAP]... [--preserve-fds N] [--ignore-paused] ID [COMMAND...]\n"
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

/// exec [options] ID [COMMAND...]: a process in a running container (runc exec).
Result<int> verb_exec(const std::vector<std::string>& args, size_t at, const oci::Options& opt) {
    auto p = VS_TRY(vsrun::parse(args, at, vsrun::options_of("exec")));
    if (p.positional.empty()) return make_error(EINVAL, "exec: a container id is required");
    oci::ExecOptions eo;
    eo.process_file = p.get("process");
    eo.args.assign(p.positional.begin() + 1, p.positional.end());
    eo.detach = p.flag("detach");
    eo.tty = p.flag("tty");
    eo.pid_file = p.get("pid-file");
    eo.console_socket = p.get("console-socket");
    eo.cwd = p.get("cwd");
    eo.user = p.get("user");
    if (p.has("env")) eo.env = p.values.at("env");
    if (p.has("cap")) eo.caps = p.values.at("cap");
    if (p.has("preserve-fds")) {
        auto n = str::parse_u64(p.get("preserve-fds"));
        if (!n || *n > 1024)
            return make_error(EINVAL, "--preserve-fds \"{}\" is not a number of fds",
                              p.get("preserve-fds"));
        eo.preserve_fds = static_cast<int>(*n);
    }
    // runc's --additional-gids/-g: repeated, or a comma list.
    if (p.has("additional-gids"))
        for (const auto& v : p.values.at("additional-gids"))
            for (const auto& g : str::split(v, ',', false)) {
                auto n = str::parse_u64(g);
                if (!n || *n > 0xFFFFFFFEull)
                    return make_error(EINVAL,
                                      "--additional-gids \"{}\": \"{}\" is not a gid "
                                      "(0..4294967294)",
                                      v, g);
                eo.additional_gids.push_back(static_cast<uint32_t>(*n));
            }
    if (p.has("no-new-privs")) eo.no_new_privs = p.flag("no-new-privs");
    eo.ignore_paused = p.flag("ignore-paused");
    return oci::exec(opt, p.positional[0], eo);
}

/// One verb's call: its arguments from `at` on, the global options, where errors go.
struct Call {
    const std::string& verb;
    const std::vector<std::string>& args;
    size_t at;
    const oci::Options& opt;
    const LogSink& log;

    Result<vsrun::Parsed> parse() const { return vsrun::parse(args, at, vsrun::options_of(verb)); }
    int err(const Error& e) const { return fail(log, e); }
    int done(const Result<int>& r) const { return r ? *r : err(r.error()); }
    int done(const Status& r) const { return r ? kOk : err(r.error()); }
    /// The verb's options and its one container id (`extra` more arguments allowed).
    Result<std::pair<vsrun::Parsed, std::string>> id(size_t extra = 0) const {
        auto p = VS_TRY(parse());
        auto id = VS_TRY(vsrun::one_id(p, verb.c_str(), extra));
        return std::pair{std::move(p), std::move(id)};
    }
};

int create_or_run(const Call& c) {
    auto pi = c.id();
    if (!pi) return c.err(pi.error());
    auto& [p, id] = *pi;
    auto co = create_options(p);
    if (!co) return c.err(co.error());
    if (c.verb == "create") {
        auto pid = oci::create(c.opt, id, *co);
        return pid ? kOk : c.err(pid.error());
    }
    return c.done(oci::run(c.opt, id, *co, p.flag("detach"), p.flag("keep")));
}

/// start, pause, resume: the container id alone.
template <Status (*act)(const oci::Options&, const std::string&)>
int on_id(const Call& c) {
    auto pi = c.id();
    return pi ? c.done(act(c.opt, pi->second)) : c.err(pi.error());
}

int verb_state(const Call& c) {
    auto pi = c.id();
    if (!pi) return c.err(pi.error());
    auto s = oci::state(c.opt, pi->second);
    if (!s) return c.err(s.error());
    fmt::print("{}\n", *s);
    return kOk;
}

int verb_kill(const Call& c) {
    auto pi = c.id(1);
    if (!pi) return c.err(pi.error());
    auto& [p, id] = *pi;
    auto sig = oci::parse_signal(p.positional.size() > 1 ? p.positional[1] : "SIGTERM");
    if (!sig) return c.err(sig.error());
    return c.done(oci::kill(c.opt, id, *sig, p.flag("all")));
}

int verb_delete(const Call& c) {
    auto pi = c.id();
    return pi ? c.done(oci::remove(c.opt, pi->second, pi->first.flag("force"))) : c.err(pi.error());
}

/// exec, ps, list, update, events, spec: parse their own arguments.
template <Result<int> (*verb)(const std::vector<std::string>&, size_t, const oci::Options&)>
int own_args(const Call& c) {
    return c.done(verb(c.args, c.at, c.opt));
}

int verb_features(const Call&) {
    fmt::print("{}", config::oci::features_json());
    return kOk;
}

/// Every verb: whether it reads or keeps container state (all but spec and features, which
/// only print), and what runs it.
struct Verb {
    std::string_view name;
    bool keeps_state;
    int (*run)(const Call&);
};

constexpr Verb kVerbs[] = {
    {"create", true, create_or_run},
    {"run", true, create_or_run},
    {"exec", true, own_args<verb_exec>},
    {"start", true, on_id<oci::start>},
    {"kill", true, verb_kill},
    {"delete", true, verb_delete},
    {"pause", true, on_id<oci::pause>},
    {"resume", true, on_id<oci::resume>},
    {"update", true, own_args<vsrun::verb_update>},
    {"state", true, verb_state},
    {"ps", true, own_args<vsrun::verb_ps>},
    {"list", true, own_args<vsrun::verb_list>},
    {"events", true, own_args<vsrun::verb_events>},
    {"spec", false, own_args<vsrun::verb_spec>},
    {"features", false, verb_features},
};

int verb_main(const std::string& verb, const std::vector<std::string>& args, size_t at,
              const oci::Options& opt, const LogSink& log) {
    const Call c{verb, args, at, opt, log};
    for (const auto& v : kVerbs) {
        if (v.name != verb) continue;
        if (v.keeps_state && opt.root.empty()) return c.err(oci::no_state_root(verb));
        return v.run(c);
    }
    return c.err(make_error(EINVAL, "unknown command \"{}\" (see vsrun --help)", verb));
}

int vsrun_main(std::vector<std::string>& args) {
    size_t at = 0;
    auto g = vsrun::parse(args, 0, vsrun::global_options(), &at);
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
    opt.root = g->has("root") ? g->get("root") : oci::default_root();
    opt.systemd_cgroup = g->flag("systemd-cgroup");
    auto rootless = oci::parse_rootless(g->get("rootless", "auto"));
    if (!rootless) {
        log.error(rootless.error().what());
        return kUsage;
    }
    opt.rootless = rootless->has_value() ? **rootless : oci::rootless_auto();
    const std::string verb = g->positional[0];
    // g->positional holds the verb and everything after it; its options start right after it.
    std::vector<std::string> rest(args.begin() + static_cast<long>(at), args.end());
    return verb_main(verb, rest, 1, opt, log);
}

// vsrun's CommandDoc: its global options and verbs, and each verb's options as its parser
// takes them ("--bundle" and "-b"; --list-options adds --help).
CommandDoc vsrun_doc() {
    CommandDoc d{"an OCI runtime with runc's command line", kHelp, {}, {}};
    for (const auto& spec : vsrun::global_options())
        if (spec.names[0] != "help" && spec.names[0] != "version" && spec.names[0] != "criu")
            d.options.push_back("--" + spec.names[0]);
    for (const auto& [verb, specs] : vsrun::verb_options()) {
        d.options.push_back(verb);
        auto& opts = d.verb_options[verb];
        for (const auto& spec : specs)
            for (const auto& n : spec.names)
                if (n != "help" && n != "h") opts.push_back((n.size() == 1 ? "-" : "--") + n);
    }
    return d;
}

const RegisterTool reg("vsrun", vsrun_doc(), vsrun_main);

}  // namespace
}  // namespace vs::cli
