// The legacy variable table: each variable of the old vserver script and the keys it becomes.
#include "config/legacy/convert.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <limits>
#include <map>

#include "base/strings.hpp"
#include "spec/ip_address.hpp"

namespace vs::config::legacy {

namespace {

const std::vector<std::string> kKnown = {
    "IPROOT",  "IPROOTMASK", "IPROOTDEV", "IPROOTBCAST", "S_HOSTNAME", "S_DOMAINNAME", "S_CONTEXT",
    "S_FLAGS", "S_CAPS",     "S_NICE",    "ULIMIT",      "ONBOOT",     "S_PROFILE",
};

// Variables of the old script that configure a mechanism vserver-ng does not have: listed as
// dropped with the reason, never mistaken for a typo.
const std::map<std::string, std::string> kNoCounterpart = {
    {"S_NOSYS",
     "a switch of the old vserver script with no counterpart (the syscalls a guest may make are "
     "the seccomp profile's, key seccomp)"},
};

class Converter {
public:
    Converter(const std::vector<Assignment>& vars, const std::string& file)
        : vars_(vars), file_(file) {
        for (const auto& a : vars) by_name_[a.name] = &a;
    }

    Result<Conversion> run() {
        VS_TRY(network());
        VS_TRY(scalar("S_HOSTNAME", "uts/nodename"));
        VS_TRY(domainname());
        VS_TRY(scalar("S_CONTEXT", "context"));
        VS_TRY(flags());
        VS_TRY(caps());
        VS_TRY(scalar("S_NICE", "nice"));
        VS_TRY(ulimit());
        VS_TRY(onboot());
        VS_TRY(profile());
        for (const auto& a : vars_) {
            if (std::find(kKnown.begin(), kKnown.end(), a.name) != kKnown.end()) continue;
            if (auto it = kNoCounterpart.find(a.name); it != kNoCounterpart.end()) {
                out_.dropped.push_back(
                    fmt::format("{}={}: {}", a.name, str::quote(a.value), it->second));
                continue;
            }
            out_.unknown.push_back(
                fmt::format("{}={} (line {})", a.name, str::quote(a.value), a.line));
        }
        return std::move(out_);
    }

private:
    const Assignment* get(const std::string& name) const {
        auto it = by_name_.find(name);
        return it == by_name_.end() ? nullptr : it->second;
    }
    std::string value(const std::string& name) const {
        const auto* a = get(name);
        return a ? std::string(str::trim(a->value)) : std::string();
    }
    Error bad(const std::string& var, std::string_view reason) const {
        const auto* a = get(var);
        return make_error(EINVAL, "{}: {}={}: {}", file_, var, str::quote(a ? a->value : ""),
                          reason);
    }
    void drop(const std::string& var, std::string_view reason) {
        out_.dropped.push_back(fmt::format("{}={}: {}", var, str::quote(value(var)), reason));
    }
    // Adds a key file, checked through its registry row now so that a bad value is named by
    // the variable it came from.
    Status add(const std::string& var, const std::string& rel, const std::string& content) {
        vserver::Edit e;
        e.set(rel, content);
        if (auto s = e.check(); !s) return bad(var, s.error().what());
        out_.files.emplace_back(rel, content);
        return ok();
    }

    Status scalar(const std::string& var, const std::string& rel) {
        std::string v = value(var);
        if (v.empty()) return ok();
        return add(var, rel, v);
    }

    Status domainname() {
        std::string v = value("S_DOMAINNAME");
        if (v.empty() || v == "none") return ok();  // "none": the old script's "no domain"
        return add("S_DOMAINNAME", "uts/domainname", v);
    }

    // IPROOT="[dev:]ip[/mask] ..." with IPROOTDEV and IPROOTMASK as the defaults of each
    // address; one interfaces/<N>/ per address, as the old script set up one alias each.
    Status network() {
        std::string dev = value("IPROOTDEV"), mask = value("IPROOTMASK");
        int def_prefix = -1;
        if (!mask.empty()) {
            auto p = spec::parse_prefix_or_mask(mask, AF_INET);
            if (!p) return bad("IPROOTMASK", p.error().what());
            def_prefix = *p;
        }
        if (!dev.empty())
            if (auto v = spec::validate_ifname(dev); !v) return bad("IPROOTDEV", v.error().what());
        auto tokens = str::split_ws(value("IPROOT"));
        std::vector<std::pair<spec::IpAddress, int>> v4;
        int n = 0;
        for (const auto& t : tokens) {
            if (t == "0.0.0.0") {
                drop("IPROOT",
                     "0.0.0.0 left the guest unrestricted on the host's addresses; vserver-ng "
                     "gives it only what interfaces/ lists (add one with `vserver NAME ip add`)");
                continue;
            }
            std::string rest = t, own_dev;
            auto slash = rest.find('/');
            std::string addr = rest.substr(0, slash);
            if (!spec::parse_ip(addr)) {
                auto colon = rest.find(':');
                if (colon == std::string::npos || colon == 0)
                    return bad("IPROOT", fmt::format("{} is not [DEV:]IP[/MASK]", str::quote(t)));
                own_dev = rest.substr(0, colon);
                rest = rest.substr(colon + 1);
                slash = rest.find('/');
                addr = rest.substr(0, slash);
            }
            auto ip = spec::parse_host_ip(addr);
            if (!ip) return bad("IPROOT", ip.error().what());
            int prefix = ip->is_v6() ? -1 : def_prefix;
            if (slash != std::string::npos) {
                auto p = spec::parse_prefix_or_mask(rest.substr(slash + 1), ip->family);
                if (!p) return bad("IPROOT", p.error().what());
                prefix = *p;
            }
            std::string id = std::to_string(n++);
            std::string base = "interfaces/" + id + "/";
            VS_TRY(add("IPROOT", base + "ip", ip->str()));
            if (prefix != -1) VS_TRY(add("IPROOT", base + "prefix", std::to_string(prefix)));
            if (!own_dev.empty() || !dev.empty())
                VS_TRY(add(own_dev.empty() ? "IPROOTDEV" : "IPROOT", base + "dev",
                           own_dev.empty() ? dev : own_dev));
            if (!ip->is_v6()) v4.emplace_back(*ip, prefix);
        }
        if (n == 0) {
            // No address to carry them: they stay the defaults of addresses added later.
            if (!dev.empty()) VS_TRY(add("IPROOTDEV", "interfaces/dev", dev));
            if (def_prefix != -1)
                VS_TRY(add("IPROOTMASK", "interfaces/prefix", std::to_string(def_prefix)));
        }
        return broadcast(v4);
    }

    // The kernel address vserver-ng adds carries the prefix's all-ones broadcast (ip's
    // "brd +"): IPROOTBCAST is carried over when it is exactly that for every IPv4 address.
    Status broadcast(const std::vector<std::pair<spec::IpAddress, int>>& v4) {
        std::string b = value("IPROOTBCAST");
        if (b.empty()) return ok();
        auto ip = spec::parse_ip(b);
        if (!ip || ip->is_v6()) return bad("IPROOTBCAST", "not an IPv4 address");
        bool same = !v4.empty();
        for (const auto& [addr, prefix] : v4) {
            int p = prefix == -1 ? 24 : prefix;  // the /24 default of interfaces/<id>/prefix
            uint32_t a = 0, want = 0;
            std::memcpy(&a, addr.bytes.data(), 4);
            uint32_t m = p == 0 ? 0 : htonl(~uint32_t{0} << (32 - p));
            uint32_t bc = p >= 31 ? a : (a | ~m);
            std::memcpy(&want, ip->bytes.data(), 4);
            if (bc != want) same = false;
        }
        if (!same)
            drop("IPROOTBCAST",
                 "vserver-ng sets each IPv4 address's broadcast from its prefix (all host bits "
                 "set); a different one cannot be configured");
        return ok();
    }

    Status flags() {
        std::vector<std::string> keep;
        for (const auto& f : str::split_ws(value("S_FLAGS"))) {
            if (str::lower(f) == "fakeinit")
                out_.style = spec::InitStyle::Plain;  // the guest's init is its PID 1
            else
                keep.push_back(f);
        }
        if (keep.empty()) return ok();
        return add("S_FLAGS", "cflags", str::join(keep, "\n"));
    }

    Status caps() {
        auto c = str::split_ws(value("S_CAPS"));
        if (c.empty()) return ok();
        return add("S_CAPS", "bcapabilities", str::join(c, "\n"));
    }

    Status onboot() {
        std::string v = str::lower(value("ONBOOT"));
        if (v.empty() || v == "no" || v == "false" || v == "0" || v == "off") return ok();
        if (v != "yes" && v != "true" && v != "1" && v != "on")
            return bad("ONBOOT", "yes or no expected");
        // vservers-legacy started ONBOOT guests; the `default` group is what vservers-default
        // (vserver-autostart) starts.
        return add("ONBOOT", "apps/init/mark", "default");
    }

    Status profile() {
        std::string v = value("S_PROFILE");
        if (v.empty()) return ok();
        // The old script exported it as PROFILE into the guest's init.
        return add("S_PROFILE", "apps/init/environment",
                   "PATH=/bin:/usr/bin:/sbin:/usr/sbin\nPROFILE=" + v);
    }

    // ULIMIT="-H -u 1000": bash's ulimit options. With the nproc flag the old script applied
    // them context-wide (rlimits/), else per process as the guest's init inherited them.
    Status ulimit() {
        auto tokens = str::split_ws(value("ULIMIT"));
        if (tokens.empty()) return ok();
        bool ctx = false;
        for (const auto& f : str::split_ws(value("S_FLAGS"))) ctx = ctx || str::lower(f) == "nproc";
        const std::string dir = ctx ? "rlimits/" : "ulimits/";
        struct Res {
            char opt;
            const char* name;
            int scale;  // 0: as is; 1: KiB -> bytes; 2: KiB -> pages (rss, as)
        };
        static const Res kRes[] = {
            {'c', "core", 1},       {'d', "data", 1},    {'e', "nice", 0},  {'f', "fsize", 1},
            {'i', "sigpending", 0}, {'l', "memlock", 1}, {'m', "rss", 2},   {'n', "nofile", 0},
            {'q', "msgqueue", 0},   {'r', "rtprio", 0},  {'s', "stack", 1}, {'t', "cpu", 0},
            {'u', "nproc", 0},      {'v', "as", 2},      {'x', "locks", 0}, {'R', "rttime", 0},
        };
        bool hard = false, soft = false;
        for (size_t i = 0; i < tokens.size(); ++i) {
            const std::string& t = tokens[i];
            if (t.size() < 2 || t[0] != '-')
                return bad("ULIMIT", fmt::format("{} is not an ulimit option", str::quote(t)));
            for (size_t k = 1; k < t.size(); ++k) {
                char c = t[k];
                if (c == 'H') {
                    hard = true;
                    continue;
                }
                if (c == 'S') {
                    soft = true;
                    continue;
                }
                const Res* r = nullptr;
                for (const auto& x : kRes)
                    if (x.opt == c) r = &x;
                if (!r)
                    return bad("ULIMIT", fmt::format("option -{} has no rlimit counterpart",
                                                     std::string(1, c)));
                if (k + 1 != t.size() || i + 1 >= tokens.size())
                    return bad("ULIMIT", fmt::format("-{} without a value", std::string(1, c)));
                std::string v = tokens[++i];
                std::string text;
                if (v == "unlimited") {
                    text = "inf";
                } else {
                    auto n = str::parse_u64(v);
                    if (!n)
                        return bad("ULIMIT", fmt::format("-{} {}: a number or unlimited expected",
                                                         std::string(1, c), str::quote(v)));
                    // bash's KiB figures must fit in bytes: a wrapped product would convert
                    // to a tiny limit instead of the huge one written.
                    if (r->scale != 0 && *n > std::numeric_limits<uint64_t>::max() / 1024)
                        return bad("ULIMIT", fmt::format("-{} {}: more KiB than 64 bits of bytes",
                                                         std::string(1, c), v));
                    if (r->scale == 1) {
                        text = fmt::format("{}K", *n);
                    } else if (r->scale == 2) {
                        uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
                        text = std::to_string((*n * 1024 + page - 1) / page);
                    } else {
                        text = std::to_string(*n);
                    }
                }
                // Without -H or -S bash sets both limits: the plain file.
                std::string rel = dir + r->name;
                if (hard && !soft) rel += ".hard";
                if (soft && !hard) rel += ".soft";
                VS_TRY(add("ULIMIT", rel, text));
            }
        }
        return ok();
    }

    const std::vector<Assignment>& vars_;
    const std::string& file_;
    std::map<std::string, const Assignment*> by_name_;
    Conversion out_;
};

}  // namespace

vserver::Edit Conversion::edit() const {
    vserver::Edit e;
    for (const auto& [rel, content] : files) e.set(rel, content);
    return e;
}

Result<Conversion> convert(const std::vector<Assignment>& vars, const std::string& file) {
    return Converter(vars, file).run();
}

const std::vector<std::string>& known_variables() { return kKnown; }

}  // namespace vs::config::legacy
