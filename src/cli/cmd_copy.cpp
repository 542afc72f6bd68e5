// `vserver SRC copy DEST` and `vserver-copy SRC DEST`: a copy of a guest on this host, or to
// another host over ssh ([user@]host:[NAME]) with --refresh and --migrate.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "cli/lifecycle_common.hpp"
#include "cli/transfer_args.hpp"
#include "config/vserver/writer.hpp"
#include "runtime/config_edit.hpp"
#include "runtime/runtime.hpp"
#include "transfer/copy.hpp"
#include "transfer/remote_copy.hpp"

namespace vs::cli {

namespace {

constexpr const char* kUsageText =
    "usage: vserver-copy SRC DEST [--ip ADDR]... [--no-ip] [--json] [-q]\n"
    "       vserver-copy SRC [USER@]HOST:[NAME] [--refresh | --migrate [--delete-source]]\n"
    "                    [--ssh CMD] [--remote-vserver PATH] [--ip ADDR]... [--json] [-q]\n"
    "       vserver SRC copy DEST [...]\n"
    "  --ip ADDR              the copy's address (repeatable; build's --interface syntax)\n"
    "  --no-ip                no interfaces (the default: an address is never duplicated)\n"
    "  --refresh              update the copy made before on HOST: only what changed moves\n"
    "  -s, --migrate          move the guest to HOST (copied while it runs, stopped, started\n"
    "                         there; addresses move with it); the source stays, stopped and\n"
    "                         marked \"migrated\"\n"
    "  --delete-source        with --migrate: delete the source once the copy runs on HOST\n"
    "  --ssh CMD              the ssh command (default \"ssh\"; e.g. \"ssh -p 2222 -i KEY\")\n"
    "  --remote-vserver PATH  vserver on HOST (default \"vserver\")\n"
    "  --json                 a JSON summary on stdout\n"
    "  -q, --quiet            no summary\n";

constexpr const char* kShortUsage = "usage: vserver-copy SRC DEST|[USER@]HOST:[NAME] [options]";

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
                              {"files", p.stats.files},
                              {"files_transferred", p.stats.transferred},
                              {"literal_bytes", p.stats.literal},
                              {"sent_bytes", p.stats.sent},
                              {"duration_s", p.stats.seconds}});
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

int run_remote(const std::string& src, const std::string& dest, const TransferArgs& t,
               std::vector<std::string> ip_args, const std::string& ssh,
               const std::string& remote_vserver, const config::Paths& paths) {
    auto target = transfer::parse_remote_dest(dest);
    if (!target) {
        log::error("copy {}: {}", src, target.error().message);
        return kUsage;
    }
    transfer::RemoteCopyOptions opt;
    opt.target = *target;
    if (!ssh.empty()) opt.ssh = ssh;
    if (!remote_vserver.empty()) opt.remote_vserver = remote_vserver;
    opt.ip_args = std::move(ip_args);
    opt.no_ip = t.interfaces && t.interfaces->empty();
    auto has = [&](const char* f) {
        return std::find(t.flags.begin(), t.flags.end(), f) != t.flags.end();
    };
    opt.refresh = has("--refresh");
    opt.migrate = has("--migrate") || has("-s") || has("--stopstart");
    opt.delete_source = has("--delete-source");
    opt.progress = !t.quiet && !t.json;
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

int run_copy(const std::string& src, const std::vector<std::string>& args,
             const config::Paths& paths) {
    // The options with a value that only a remote copy has; the rest is shared with restore.
    std::vector<std::string> rest, ip_args;
    std::string ssh, remote_vserver;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        std::string* into = a == "--ssh"              ? &ssh
                            : a == "--remote-vserver" ? &remote_vserver
                                                      : nullptr;
        if (into) {
            if (i + 1 >= args.size()) {
                log::error("copy: {} needs a value", a);
                return kUsage;
            }
            *into = args[++i];
            continue;
        }
        if (a.rfind("--ssh=", 0) == 0) {
            ssh = a.substr(6);
            continue;
        }
        if (a.rfind("--remote-vserver=", 0) == 0) {
            remote_vserver = a.substr(17);
            continue;
        }
        if (a == "--ip" && i + 1 < args.size()) ip_args.push_back(args[i + 1]);
        if (a.rfind("--ip=", 0) == 0) ip_args.push_back(a.substr(5));
        rest.push_back(a);
    }
    auto t = parse_transfer_args(
        "copy", rest, {"--refresh", "--migrate", "-s", "--stopstart", "--delete-source"});
    if (!t) {
        log::error("{}", t.error().message);
        return kUsage;
    }
    if (t->positional.size() != 1) {
        log::error("copy: one destination expected ({})", kShortUsage);
        return kUsage;
    }
    const std::string& dest = t->positional[0];
    if (transfer::is_remote_dest(dest))
        return run_remote(src, dest, *t, std::move(ip_args), ssh, remote_vserver, paths);
    if (!t->flags.empty() || !ssh.empty() || !remote_vserver.empty()) {
        log::error("copy {}: {} applies to a copy to another host only ([USER@]HOST:[NAME])", src,
                   !t->flags.empty() ? t->flags[0]
                   : !ssh.empty()    ? "--ssh"
                                     : "--remote-vserver");
        return kUsage;
    }
    transfer::CopyOptions opt;
    opt.interfaces = t->interfaces;
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
    if (args.empty() || args[0].rfind("-", 0) == 0) {
        log::error("{}", kShortUsage);
        return kUsage;
    }
    std::vector<std::string> rest(args.begin() + 1, args.end());
    return run_copy(args[0], rest, config::Paths::from_env());
}

const std::vector<std::string> kOptions = {
    "--ip",  "--no-ip",          "--refresh",       "--migrate", "-s", "--stopstart",
    "--ssh", "--remote-vserver", "--delete-source", "--json",    "-q", "--quiet"};

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
