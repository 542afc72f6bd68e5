// `vserver NAME ip list|add|del|change`: argument parsing over runtime::ip_change / ip_list.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "cli/registry.hpp"
#include "runtime/runtime.hpp"

namespace vs::cli {

namespace {

constexpr const char* kUsageText =
    "usage: vserver NAME ip list [--json]\n"
    "       vserver NAME ip add IP[/PREFIX] [--dev DEV] [--name IFNAME] [--mode "
    "veth|macvlan|shared]\n"
    "                              [--gateway IP] [--mac MAC] [--id ID] [--nodev]\n"
    "       vserver NAME ip del IP|ID\n"
    "       vserver NAME ip change OLD-IP|ID NEW-IP[/PREFIX]\n";

int usage(const std::string& msg) {
    if (!msg.empty()) log::error("{}", msg);
    std::fputs(kUsageText, stderr);
    return kUsage;
}

// `ip list --json` (docs/json/ip-list.schema.json).
void print_json(GuestCommand& c, const runtime::IpListing& l) {
    nlohmann::json arr = nlohmann::json::array();
    for (size_t k = 0; k < l.spec.interfaces.size(); ++k) {
        const auto& i = l.spec.interfaces[k];
        std::string dev = i.dev.empty() ? l.spec.default_dev : i.dev;
        auto opt = [](const std::string& v) {
            return v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v);
        };
        arr.push_back({{"id", i.id},
                       {"ip", i.ip},
                       {"prefix", i.prefix >= 0 ? nlohmann::json(i.prefix) : nullptr},
                       {"dev", opt(dev)},
                       {"name", opt(i.name)},
                       {"mode", i.mode.empty() ? "default" : i.mode},
                       {"gateway", opt(i.gateway)},
                       {"mac", opt(i.mac)},
                       {"nodev", i.nodev},
                       {"disabled", i.disabled},
                       {"live", l.running && !i.disabled ? nlohmann::json(bool(l.live[k]))
                                                         : nlohmann::json(nullptr)}});
    }
    nlohmann::json j = {{"guest", c.guest}, {"running", l.running}, {"addresses", arr}};
    fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

int list(GuestCommand& c, bool json) {
    bool bad_input = false;
    auto l = runtime::ip_list(c.paths, c.guest, &bad_input);
    if (!l) {
        log::error("{}", l.error().what());
        return bad_input ? kUsage : kFail;
    }
    if (json) {
        print_json(c, *l);
        return kOk;
    }
    fmt::print("{:<6} {:<28} {:<10} {:<10} {:<8} {}\n", "ID", "ADDRESS", "DEV", "NAME", "MODE",
               l->running ? "LIVE" : "");
    for (size_t k = 0; k < l->spec.interfaces.size(); ++k) {
        const auto& i = l->spec.interfaces[k];
        std::string text = i.ip;
        // One append per piece, not `"/" + std::to_string(..)`: GCC 12 at -O3 inlines that
        // operator+ into a memcpy it cannot bound and warns -Wrestrict (GCC bug 105651).
        if (i.prefix >= 0) {
            text += '/';
            text += std::to_string(i.prefix);
        }
        std::string dev = i.dev.empty() ? l->spec.default_dev : i.dev;
        const char* state = i.disabled ? "disabled" : !l->running ? "" : l->live[k] ? "yes" : "no";
        fmt::print("{:<6} {:<28} {:<10} {:<10} {:<8} {}\n", i.id, text, dev.empty() ? "-" : dev,
                   i.name.empty() ? "-" : i.name, i.mode.empty() ? "default" : i.mode, state);
    }
    return kOk;
}

// add's options after the address; "" when fine, else the usage message.
std::string parse_add(const std::vector<std::string>& args, runtime::IpRequest& r) {
    auto& i = r.iface;
    for (size_t k = 1; k < args.size(); ++k) {
        const std::string& a = args[k];
        if (a == "--nodev") {
            i.nodev = true;
            continue;
        }
        if (k + 1 >= args.size() || args[k + 1].empty())
            return fmt::format("ip add: {} needs a value", a);
        const std::string& v = args[++k];
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
            i.id = v;
        else
            return fmt::format("ip add: unknown option \"{}\"", a);
    }
    return "";
}

int cmd_ip(GuestCommand& c) {
    if (c.args.empty()) return usage("");
    const std::string& sub = c.args[0];
    std::vector<std::string> rest(c.args.begin() + 1, c.args.end());
    runtime::IpRequest r;
    if (sub == "list") {
        if (rest.empty()) return list(c, false);
        if (rest.size() == 1 && rest[0] == "--json") return list(c, true);
        return usage("ip list takes only --json");
    } else if (sub == "add") {
        if (rest.empty()) return usage("ip add: missing address");
        r.op = runtime::IpRequest::Op::Add;
        r.address = rest[0];
        if (auto m = parse_add(rest, r); !m.empty()) return usage(m);
    } else if (sub == "del") {
        if (rest.size() != 1) return usage("ip del: want one address or id");
        r.op = runtime::IpRequest::Op::Del;
        r.target = rest[0];
    } else if (sub == "change") {
        if (rest.size() != 2) return usage("ip change: want OLD and NEW");
        r.op = runtime::IpRequest::Op::Change;
        r.target = rest[0];
        r.address = rest[1];
    } else {
        return usage(fmt::format("ip: unknown subcommand \"{}\"", sub));
    }
    bool bad_input = false;
    if (auto s = runtime::ip_change(c.paths, c.guest, r, &bad_input); !s) {
        log::error("{}", s.error().what());
        return bad_input ? kUsage : kFail;
    }
    return kOk;
}

RegisterGuestCommand reg_ip("ip",
                            {"list or change the guest's addresses (live when running)",
                             kUsageText,
                             {"list", "add", "del", "change", "--json", "--dev", "--name", "--mode",
                              "--gateway", "--mac", "--id", "--nodev"}},
                            cmd_ip);

}  // namespace

}  // namespace vs::cli
