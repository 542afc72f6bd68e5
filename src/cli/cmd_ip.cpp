// `vserver NAME ip list|add|del|change`: a guest's addresses, changed live over netlink on the
// running guest and saved to interfaces/ atomically; a failure leaves both as they were.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "base/log.hpp"
#include "base/sys.hpp"
#include "cli/registry.hpp"
#include "config/vserver/tree.hpp"
#include "net/address.hpp"
#include "net/conflicts.hpp"
#include "net/guest_network.hpp"
#include "net/live_view.hpp"
#include "spec/validate.hpp"

namespace vs::cli {

namespace {

constexpr const char* kUsageText =
    "usage: vserver NAME ip list\n"
    "       vserver NAME ip add IP[/PREFIX] [--dev DEV] [--name IFNAME] [--mode "
    "veth|macvlan|shared]\n"
    "                              [--gateway IP] [--mac MAC] [--id ID] [--nodev]\n"
    "       vserver NAME ip del IP|ID\n"
    "       vserver NAME ip change OLD-IP|ID NEW-IP[/PREFIX]\n";

int report_error(const Error& e) {
    log::error("{}", e.what());
    return kFail;
}

int usage(const std::string& msg) {
    if (!msg.empty()) log::error("{}", msg);
    std::fputs(kUsageText, stderr);
    return kUsage;
}

// ---- the interfaces/<id> directory, written as a whole and swapped in atomically ----------

Status put(const std::string& dir, const std::string& file, const std::string& value) {
    return sys::write_file_atomic(dir + "/" + file, value + "\n", 0644);
}

/// Fills `dir` (new, empty) with the files of `i`, keeping the other files of `keep_from`
/// (keys we do not model here, such as bcast or scope) unless `i` sets them.
Status write_iface_dir(const std::string& dir, const spec::Interface& i,
                       const std::string& keep_from) {
    VS_TRY(sys::mkdir_p(dir, 0755));
    const char* ours[] = {"ip",   "prefix", "mask",    "dev",   "name",
                          "mode", "mac",    "gateway", "nodev", "disabled"};
    if (!keep_from.empty() && sys::is_dir(keep_from)) {
        for (const auto& f : VS_TRY(sys::list_dir(keep_from))) {
            if (std::find(std::begin(ours), std::end(ours), f) != std::end(ours)) continue;
            auto text = VS_TRY(sys::read_file(keep_from + "/" + f));
            VS_TRY(sys::write_file_atomic(dir + "/" + f, text, 0644));
        }
    }
    VS_TRY(put(dir, "ip", i.ip));
    if (i.prefix >= 0) VS_TRY(put(dir, "prefix", std::to_string(i.prefix)));
    if (!i.dev.empty()) VS_TRY(put(dir, "dev", i.dev));
    if (!i.name.empty()) VS_TRY(put(dir, "name", i.name));
    if (!i.mode.empty()) VS_TRY(put(dir, "mode", i.mode));
    if (!i.mac.empty()) VS_TRY(put(dir, "mac", i.mac));
    if (!i.gateway.empty()) VS_TRY(put(dir, "gateway", i.gateway));
    if (i.nodev) VS_TRY(sys::write_file_atomic(dir + "/nodev", "", 0644));
    if (i.disabled) VS_TRY(sys::write_file_atomic(dir + "/disabled", "", 0644));
    return ok();
}

/// Replaces interfaces/<id> by `i` (or removes it when `i` is null) with one rename: the
/// config is either the old or the new one after a crash.
Status save_iface(const std::string& cfgdir, const std::string& id, const spec::Interface* i) {
    std::string base = cfgdir + "/interfaces";
    std::string target = base + "/" + id;
    std::string tmp = base + "/.ip-tmp-" + id;
    VS_TRY(sys::mkdir_p(base, 0755));
    VS_TRY(sys::remove_tree(tmp));
    if (!i) {
        if (!sys::exists(target)) return ok();
        if (::rename(target.c_str(), tmp.c_str()) < 0)
            return errno_error(fmt::format("rename \"{}\"", target));
        return sys::remove_tree(tmp);
    }
    VS_TRY(write_iface_dir(tmp, *i, target));
    if (!sys::exists(target)) {
        if (::rename(tmp.c_str(), target.c_str()) < 0)
            return errno_error(fmt::format("rename \"{}\" to \"{}\"", tmp, target));
        return ok();
    }
    // RENAME_EXCHANGE (renameat2(2)) swaps the two directories in one step.
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) < 0)
        return errno_error(fmt::format("swap \"{}\" into place", target));
    return sys::remove_tree(tmp);
}

// ---- argument handling ----------------------------------------------------------------------

int find_iface(const spec::GuestSpec& s, const std::string& what) {
    for (size_t k = 0; k < s.interfaces.size(); ++k)
        if (s.interfaces[k].id == what) return int(k);
    auto want = net::parse_ip(what.substr(0, what.find('/')));
    if (!want) return -1;
    for (size_t k = 0; k < s.interfaces.size(); ++k) {
        const auto& ip = s.interfaces[k].ip;
        auto have = net::parse_ip(ip.substr(0, ip.find('/')));
        if (have && *have == *want) return int(k);
    }
    return -1;
}

std::string next_id(const spec::GuestSpec& s) {
    long max = -1;
    for (const auto& i : s.interfaces) {
        char* end = nullptr;
        long v = std::strtol(i.id.c_str(), &end, 10);
        if (!i.id.empty() && *end == 0 && v > max) max = v;
    }
    return std::to_string(max + 1);
}

/// "IP" or "IP/PREFIX" into ip + prefix (prefix -1 when absent).
Status set_address(spec::Interface& i, const std::string& text) {
    auto slash = text.find('/');
    auto a = VS_TRY(net::parse_ip(text.substr(0, slash)));
    i.ip = a.to_string();
    if (slash != std::string::npos)
        i.prefix = VS_TRY(net::parse_mask_or_prefix(text.substr(slash + 1), a.family));
    return ok();
}

// ---- the command --------------------------------------------------------------------------

struct Ctx {
    GuestCommand& c;
    spec::GuestSpec old_spec;
    std::string run_dir, cfgdir;
    net::SetupContext net_ctx() const {
        net::SetupContext n;
        n.run_dir = run_dir;
        n.config_base = c.paths.config_dir;
        n.run_base = c.paths.run_dir;
        return n;
    }
};

int list(Ctx& x) {
    bool live = net::is_live(x.run_dir);
    std::vector<net::IpAddress> present;
    if (live) {
        auto r = net::live_addresses(x.run_dir);
        if (!r) return report_error(r.error());
        present = *r;
    }
    fmt::print("{:<6} {:<28} {:<10} {:<10} {:<8} {}\n", "ID", "ADDRESS", "DEV", "NAME", "MODE",
               live ? "LIVE" : "");
    for (const auto& i : x.old_spec.interfaces) {
        auto a = net::parse_ip(i.ip.substr(0, i.ip.find('/')));
        std::string text = i.ip;
        if (i.prefix >= 0) text += "/" + std::to_string(i.prefix);
        bool up = a && std::find(present.begin(), present.end(), *a) != present.end();
        std::string dev = i.dev.empty() ? x.old_spec.default_dev : i.dev;
        fmt::print("{:<6} {:<28} {:<10} {:<10} {:<8} {}\n", i.id, text, dev.empty() ? "-" : dev,
                   i.name.empty() ? "-" : i.name, i.mode.empty() ? "default" : i.mode,
                   live ? (i.disabled ? "disabled"
                           : up       ? "yes"
                                      : "no")
                        : (i.disabled ? "disabled" : ""));
    }
    return kOk;
}

// Check, apply live, save; undo the live change when the save fails.
int commit(Ctx& x, const spec::GuestSpec& new_spec, const std::string& id,
           const spec::Interface* iface) {
    if (auto v = spec::validate(new_spec); !v) {
        log::error("{}", v.error().what());
        return kUsage;
    }
    if (auto r = net::check_address_conflicts(x.c.paths, new_spec); !r)
        return report_error(r.error());
    bool live = net::is_live(x.run_dir);
    if (live) {
        if (auto r = net::apply_live(x.old_spec, new_spec, x.net_ctx()); !r)
            return report_error(r.error());
    }
    if (auto r = save_iface(x.cfgdir, id, iface); !r) {
        if (live) {
            if (auto u = net::apply_live(new_spec, x.old_spec, x.net_ctx()); !u)
                log::error("undo the live change: {}", u.error().what());
        }
        return report_error(std::move(r).error().wrap(fmt::format("save interfaces/{}", id)));
    }
    return kOk;
}

int add(Ctx& x, std::vector<std::string> args) {
    if (args.empty()) return usage("ip add: missing address");
    spec::Interface i;
    if (auto r = set_address(i, args[0]); !r) return usage(r.error().what());
    std::string id;
    for (size_t k = 1; k < args.size(); ++k) {
        const std::string& a = args[k];
        auto value = [&]() -> std::string { return k + 1 < args.size() ? args[++k] : ""; };
        if (a == "--nodev") {
            i.nodev = true;
            continue;
        }
        std::string v = value();
        if (v.empty()) return usage(fmt::format("ip add: {} needs a value", a));
        if (a == "--dev")
            i.dev = v;
        else if (a == "--name")
            i.name = v;
        else if (a == "--mode")
            i.mode = v;
        else if (a == "--gateway")
            i.gateway = v;
        else if (a == "--mac")
            i.mac = v;
        else if (a == "--id")
            id = v;
        else
            return usage(fmt::format("ip add: unknown option \"{}\"", a));
    }
    // Without --dev, --name or --mode the address joins the guest's first interface (same
    // device and mode, so the same link): the common "one more IP for this guest".
    if (i.dev.empty() && i.name.empty() && i.mode.empty() && x.old_spec.default_dev.empty()) {
        for (const auto& o : x.old_spec.interfaces) {
            if (o.disabled) continue;
            i.dev = o.dev;
            i.mode = o.mode;
            i.name = o.name;
            break;
        }
    }
    if (id.empty()) id = next_id(x.old_spec);
    if (id.empty() || id[0] == '.' || id.find('/') != std::string::npos)
        return usage(fmt::format("ip add: invalid id \"{}\"", id));
    for (const auto& o : x.old_spec.interfaces)
        if (o.id == id) return usage(fmt::format("ip add: interfaces/{} exists already", id));
    i.id = id;
    auto n = x.old_spec;
    n.interfaces.push_back(i);
    return commit(x, n, id, &i);
}

int del(Ctx& x, const std::vector<std::string>& args) {
    if (args.size() != 1) return usage("ip del: want one address or id");
    int k = find_iface(x.old_spec, args[0]);
    if (k < 0)
        return usage(fmt::format("ip del: guest \"{}\" has no address or id \"{}\"",
                                 x.old_spec.name, args[0]));
    auto n = x.old_spec;
    std::string id = n.interfaces[size_t(k)].id;
    n.interfaces.erase(n.interfaces.begin() + k);
    return commit(x, n, id, nullptr);
}

int change(Ctx& x, const std::vector<std::string>& args) {
    if (args.size() != 2) return usage("ip change: want OLD and NEW");
    int k = find_iface(x.old_spec, args[0]);
    if (k < 0)
        return usage(fmt::format("ip change: guest \"{}\" has no address or id \"{}\"",
                                 x.old_spec.name, args[0]));
    auto n = x.old_spec;
    auto& i = n.interfaces[size_t(k)];
    if (auto r = set_address(i, args[1]); !r) return usage(r.error().what());
    auto copy = i;
    return commit(x, n, copy.id, &copy);
}

int cmd_ip(GuestCommand& c) {
    if (c.args.empty()) return usage("");
    if (auto v = spec::validate_name(c.guest); !v) {
        log::error("{}", v.error().what());
        return kUsage;
    }
    std::string sub = c.args[0];
    std::vector<std::string> rest(c.args.begin() + 1, c.args.end());
    if (sub != "list" && sub != "add" && sub != "del" && sub != "change")
        return usage(fmt::format("ip: unknown subcommand \"{}\"", sub));
    // One change at a time per guest, and never in the middle of its start or stop: the same
    // flock the lifecycle commands take on <run dir>/lock (state/lock.hpp).
    std::string run_dir = c.paths.guest_run(c.guest);
    UniqueFd lock;
    if (sub != "list" && sys::is_dir(run_dir)) {
        auto fd = sys::open(run_dir + "/lock", O_RDWR | O_CREAT, 0600);
        if (!fd) return report_error(fd.error());
        while (::flock(fd->get(), LOCK_EX) < 0 && errno == EINTR) {
        }
        lock = std::move(*fd);
    }
    auto loaded = config::vserver::load(c.paths, c.guest);
    if (!loaded) {
        log::error("{}", loaded.error().what());
        return kUsage;
    }
    Ctx x{c, std::move(loaded->spec), run_dir, c.paths.guest_config(c.guest)};
    if (sub == "list") return rest.empty() ? list(x) : usage("ip list takes no arguments");
    if (sub == "add") return add(x, rest);
    if (sub == "del") return del(x, rest);
    return change(x, rest);
}

RegisterGuestCommand reg_ip("ip", "list or change the guest's addresses (live when running)",
                            cmd_ip);

}  // namespace

}  // namespace vs::cli
