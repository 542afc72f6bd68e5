// `vserver SRC copy DEST` and `vserver-copy SRC DEST`: a copy of a guest on this host, or to
// another host over ssh ([user@]host:[NAME]) with --refresh and --migrate.
#include <fmt/format.h>

#include <string_view>

#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "cli/lifecycle_common.hpp"
#include "cli/transfer_args.hpp"
#include "config/vserver/writer.hpp"
#include "runtime/config_edit.hpp"
#include "runtime/runtime.hpp"
#include "transfer/copy.hpp"
#include "transfer/host_names.hpp"
#include "transfer/remote_copy.hpp"

namespace vs::cli {

namespace {

constexpr const char* kUsageText =
    "usage: vserver-copy [options] SRC DEST\n"
    "       vserver-copy [options] SRC [USER@]HOST:[NAME]\n"
    "       vserver SRC copy DEST|[USER@]HOST:[NAME] [options]\n"
    "  -i, --ip ADDR          the copy's address (repeatable; build's --interface syntax)\n"
    "  --no-ip                no interfaces (the default: an address is never duplicated)\n"
    "  -d, --domain DOMAIN    rewrite the copy's /etc/hostname (NAME) and /etc/hosts\n"
    "                         (ADDR NAME.DOMAIN NAME, ADDR its first address)\n"
    "  -r, --vsroot DIR       the copy's root is DIR/NAME (default: the roots dir)\n"
    "  --refresh              update the copy made before on HOST: only what changed moves\n"
    "  --migrate              move the guest to HOST (copied while it runs, stopped, started\n"
    "                         there; addresses move with it); the source stays, stopped and\n"
    "                         marked \"migrated\"; a stopped guest arrives stopped\n"
    "  -s, --stopstart        --migrate, and a stopped guest is started on HOST too\n"
    "  --delete-source        with --migrate: delete the source once the copy runs on HOST\n"
    "  --ssh CMD              the ssh command (default \"ssh\"; e.g. \"ssh -p 2222 -i KEY\")\n"
    "  --remote-vserver PATH  vserver on HOST (default \"vserver\")\n"
    "  -R, --rsh              refused: rsh is not supported (use --ssh CMD)\n"
    "  -v, --verbose          say each step; rsync names each file it sends\n"
    "  --json                 a JSON summary on stdout\n"
    "  -q, --quiet            no summary\n"
    "  -h, --help             this help; -V, --version: the version\n";

constexpr const char* kShortUsage =
    "usage: vserver-copy [options] SRC DEST|[USER@]HOST:[NAME] (see vserver-copy --help)";

// util-vserver's short options (getopt "hVvqd:i:r:Rs"): bundles such as "-vs" or "-i10.0.0.2"
// are split into one option per word, as getopt(1) would read them.
constexpr std::string_view kShortFlags = "hVvqRs", kShortWithValue = "dir";

std::vector<std::string> split_short_options(const std::vector<std::string>& args) {
    std::vector<std::string> out;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            out.insert(out.end(), args.begin() + long(i), args.end());
            break;
        }
        const bool bundle = a.size() > 2 && a[0] == '-' && a[1] != '-' &&
                            (kShortFlags.find(a[1]) != std::string_view::npos ||
                             kShortWithValue.find(a[1]) != std::string_view::npos);
        if (!bundle) {
            out.push_back(a);
            continue;
        }
        for (size_t k = 1; k < a.size(); ++k) {
            out.push_back(std::string("-") + a[k]);
            if (kShortWithValue.find(a[k]) != std::string_view::npos) {
                if (k + 1 < a.size()) out.push_back(a.substr(k + 1));
                break;
            }
            // An unknown letter in a bundle is passed on alone: refused by name below.
        }
    }
    return out;
}

int exit_code_of(const Error& e) {
    const int code = e.code;
    return code == EINVAL || code == ENOENT || code == EEXIST || code == EBUSY ? kUsage : kFail;
}

int print_remote(const transfer::RemoteCopyResult& r, const TransferArgs& t) {
    if (t.json) {
        nlohmann::json passes = nlohmann::json::array();
        for (auto& p : r.passes)
            passes.push_back({{"live", p.live},
                              {"snapshot", p.snapshot},
                              {"checksum", p.checksum},
                              {"listed", p.listed ? nlohmann::json(*p.listed) : nullptr},
                              {"files", p.stats.files},
                              {"files_transferred", p.stats.transferred},
                              {"literal_bytes", p.stats.literal},
                              {"sent_bytes", p.stats.sent},
                              {"duration_s", p.stats.seconds}});
        nlohmann::json phases = nullptr;
        if (r.phases)
            phases = {{"stop_s", r.phases->stop},
                      {"scan_s", r.phases->scan},
                      {"final_pass_s", r.phases->final_pass},
                      {"commit_s", r.phases->commit},
                      {"far_sync_s", r.phases->far_sync},
                      {"start_s", r.phases->start},
                      {"far_start_s", r.phases->far_start}};
        fmt::print(
            "{}\n",
            nlohmann::json({{"source", r.source},
                            {"guest", r.name},
                            {"host", r.host},
                            {"context", r.context},
                            {"root", r.root},
                            {"config_dir", r.config_dir},
                            {"method", "rsync"},
                            {"passes", passes},
                            {"downtime_s", r.downtime_s ? nlohmann::json(*r.downtime_s) : nullptr},
                            {"downtime_phases", phases},
                            {"started", r.started},
                            {"source_marked", r.source_marked},
                            {"source_deleted", r.source_deleted},
                            {"duration_s", r.seconds},
                            {"dropped_config_files", r.dropped}})
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return kOk;
    }
    if (t.quiet) return kOk;
    uint64_t literal = 0;
    for (auto& p : r.passes) literal += p.stats.literal;
    fmt::print(
        "copied {} to {}:{} (context {}, {} rsync pass{}, {} bytes of file data sent) in "
        "{:.2f} s\n",
        r.source, r.host, r.name, r.context, r.passes.size(), r.passes.size() == 1 ? "" : "es",
        literal, r.seconds);
    if (r.downtime_s)
        fmt::print("migrated: {} runs on {}; downtime {:.3f} s (stop to running there)\n", r.name,
                   r.host, *r.downtime_s);
    if (r.source_deleted)
        fmt::print("source {} deleted\n", r.source);
    else if (r.source_marked)
        fmt::print(
            "source {} stays stopped, apps/init/mark set to \"migrated\" (delete it with "
            "`vserver {} delete`)\n",
            r.source, r.source);
    return kOk;
}

// The options with a value that only vserver-copy has (the rest is shared with restore).
struct CopyArgs {
    std::vector<std::string> ip_args;
    std::string ssh, remote_vserver, domain, rootdir;
    bool verbose = false, domain_given = false;
};

int run_remote(const std::string& src, const std::string& dest, const TransferArgs& t, CopyArgs& ca,
               const config::Paths& paths) {
    auto target = transfer::parse_remote_dest(dest);
    if (!target) {
        log::error("copy {}: {}", src, target.error().message);
        return kUsage;
    }
    transfer::RemoteCopyOptions opt;
    opt.target = *target;
    if (!ca.ssh.empty()) opt.ssh = ca.ssh;
    if (!ca.remote_vserver.empty()) opt.remote_vserver = ca.remote_vserver;
    opt.ip_args = std::move(ca.ip_args);
    opt.rootdir = ca.rootdir;
    opt.domain = ca.domain;
    opt.verbose = ca.verbose;
    opt.no_ip = t.interfaces && t.interfaces->empty();
    auto has = [&](const char* f) {
        return std::find(t.flags.begin(), t.flags.end(), f) != t.flags.end();
    };
    opt.refresh = has("--refresh");
    opt.start_stopped = has("-s") || has("--stopstart");
    opt.migrate = has("--migrate") || opt.start_stopped;
    opt.delete_source = has("--delete-source");
    opt.progress = !t.quiet && !t.json;
    if (opt.refresh && !opt.rootdir.empty()) {
        log::error(
            "copy {}: -r/--vsroot places a new copy; --refresh keeps the copy's root where "
            "it is",
            src);
        return kUsage;
    }
    if (opt.migrate && (!opt.ip_args.empty() || opt.no_ip)) {
        log::error("copy {}: --migrate moves the guest's addresses; --ip and --no-ip do not apply",
                   src);
        return kUsage;
    }
    transfer::MigrateHooks hooks;
    hooks.stop = [&]() -> Status {
        auto spec = VS_TRY(runtime::load_guest(paths, src));
        return runtime::stop(paths, spec);
    };
    hooks.start = [&]() -> Status {
        auto spec = VS_TRY(runtime::load_guest(paths, src));
        return runtime::start(paths, spec);
    };
    hooks.mark_migrated = [&]() -> Status {
        config::vserver::Edit e;
        e.set("apps/init/mark", "migrated");
        VS_TRY(runtime::config_edit(paths, src, e));
        return ok();
    };
    hooks.delete_source = [&]() -> Status {
        auto spec = VS_TRY(runtime::load_guest(paths, src));
        return runtime::remove(paths, spec);
    };
    auto r = transfer::copy_remote(paths, src, opt, hooks);
    if (!r) {
        log::error("{}", r.error().what());
        return exit_code_of(r.error());
    }
    return print_remote(*r, t);
}

// `src` empty: vserver-copy's form, SRC is the first word that is no option.
int run_copy(std::string src, const std::vector<std::string>& raw_args,
             const config::Paths& paths) {
    const auto args = split_short_options(raw_args);
    std::vector<std::string> rest;
    CopyArgs ca;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            rest.insert(rest.end(), args.begin() + long(i), args.end());
            break;
        }
        if (a == "-h" || a == "--help") {
            fmt::print("{}", kUsageText);
            return kOk;
        }
        if (a == "-V" || a == "--version") {
            fmt::print("vserver-copy (vserver-ng) {}\n", version());
            return kOk;
        }
        if (a == "-v" || a == "--verbose") {
            ca.verbose = true;
            continue;
        }
        if (a == "-R" || a == "--rsh") {
            log::error(
                "copy: {}: rsh is not supported (it sends the guest and root's commands in the "
                "clear, unauthenticated); use ssh, or --ssh CMD for another ssh command",
                a);
            return kUsage;
        }
        // Options with a value: "--opt VALUE", "--opt=VALUE", or util-vserver's short letter.
        struct Valued {
            const char *short_name, *long_name;
            std::string* into;
        };
        std::string ip;
        const Valued valued[] = {{"", "--ssh", &ca.ssh},
                                 {"", "--remote-vserver", &ca.remote_vserver},
                                 {"-d", "--domain", &ca.domain},
                                 {"-r", "--vsroot", &ca.rootdir},
                                 {"-i", "--ip", &ip}};
        const Valued* hit = nullptr;
        std::string value;
        for (auto& v : valued) {
            const std::string eq = std::string(v.long_name) + "=";
            if (a == v.long_name || (*v.short_name && a == v.short_name)) {
                if (i + 1 >= args.size()) {
                    log::error("copy: {} needs a value ({})", a, kShortUsage);
                    return kUsage;
                }
                hit = &v;
                value = args[++i];
            } else if (a.rfind(eq, 0) == 0) {
                hit = &v;
                value = a.substr(eq.size());
            }
            if (hit) break;
        }
        if (!hit) {
            rest.push_back(a);
            continue;
        }
        if (hit->into == &ip) {
            // Handed on to parse_transfer_args, which checks it; a remote copy passes it on.
            ca.ip_args.push_back(value);
            rest.insert(rest.end(), {"--ip", value});
            continue;
        }
        if (hit->into == &ca.domain) ca.domain_given = true;
        *hit->into = value;
    }
    auto t = parse_transfer_args(
        "copy", rest, {"--refresh", "--migrate", "-s", "--stopstart", "--delete-source"});
    if (!t) {
        log::error("{}", t.error().message);
        return kUsage;
    }
    if (src.empty() && !t->positional.empty()) {
        src = t->positional.front();
        t->positional.erase(t->positional.begin());
    }
    if (src.empty() || t->positional.size() != 1) {
        log::error("copy: a source and one destination expected ({})", kShortUsage);
        return kUsage;
    }
    if (t->quiet && ca.verbose) {
        log::error("copy {}: -q/--quiet and -v/--verbose exclude each other", src);
        return kUsage;
    }
    if (!ca.rootdir.empty() &&
        (ca.rootdir[0] != '/' || ca.rootdir.find("/../") != std::string::npos)) {
        log::error("copy {}: -r/--vsroot \"{}\": an absolute directory expected", src, ca.rootdir);
        return kUsage;
    }
    while (ca.rootdir.size() > 1 && ca.rootdir.back() == '/') ca.rootdir.pop_back();
    if (!ca.domain.empty()) {
        if (auto d = transfer::validate_domain(ca.domain); !d) {
            log::error("copy {}: {}", src, d.error().message);
            return kUsage;
        }
    } else if (ca.domain_given) {
        log::error("copy {}: -d/--domain: the domain is empty", src);
        return kUsage;
    }
    const std::string& dest = t->positional[0];
    if (transfer::is_remote_dest(dest)) return run_remote(src, dest, *t, ca, paths);
    if (!t->flags.empty() || !ca.ssh.empty() || !ca.remote_vserver.empty()) {
        log::error("copy {}: {} applies to a copy to another host only ([USER@]HOST:[NAME])", src,
                   !t->flags.empty() ? t->flags[0]
                   : !ca.ssh.empty() ? "--ssh"
                                     : "--remote-vserver");
        return kUsage;
    }
    transfer::CopyOptions opt;
    opt.interfaces = t->interfaces;
    opt.rootdir = ca.rootdir;
    opt.domain = ca.domain;
    opt.verbose = ca.verbose;
    opt.progress = !t->quiet && !t->json;
    auto r = transfer::copy_local(paths, src, dest, opt);
    if (!r) {
        log::error("{}", r.error().what());
        return exit_code_of(r.error());
    }
    if (t->json) {
        fmt::print("{}\n", nlohmann::json({{"source", src},
                                           {"guest", r->name},
                                           {"context", r->context},
                                           {"root", r->root},
                                           {"config_dir", r->config_dir},
                                           {"method", transfer::copy_method_name(r->method)},
                                           {"duration_s", r->seconds},
                                           {"dropped_config_files", r->dropped}})
                               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else if (!t->quiet) {
        fmt::print("copied {} to {} (context {}, {}) in {:.2f} s\n", src, r->name, r->context,
                   transfer::copy_method_name(r->method), r->seconds);
    }
    return kOk;
}

int cmd_copy(GuestCommand& c) { return run_copy(c.guest, c.args, c.paths); }

int tool_copy(std::vector<std::string>& args) {
    return run_copy("", args, config::Paths::from_env());
}

const std::vector<std::string> kOptions = {"--ip",
                                           "-i",
                                           "--no-ip",
                                           "--domain",
                                           "-d",
                                           "--vsroot",
                                           "-r",
                                           "--refresh",
                                           "--migrate",
                                           "-s",
                                           "--stopstart",
                                           "--ssh",
                                           "--remote-vserver",
                                           "--delete-source",
                                           "--rsh",
                                           "-R",
                                           "--verbose",
                                           "-v",
                                           "--json",
                                           "-q",
                                           "--quiet"};

RegisterGuestCommand reg("copy",
                         CommandDoc{"copy the stopped guest to a new guest DEST (new context, "
                                    "hostname; addresses only with --ip), here or on another host",
                                    kUsageText, kOptions},
                         cmd_copy);
RegisterTool tool("vserver-copy",
                  CommandDoc{"copy a guest to a new guest on this host or another, or migrate it",
                             kUsageText, kOptions},
                  tool_copy);

}  // namespace

}  // namespace vs::cli
