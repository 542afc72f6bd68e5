// Registry rows for interfaces/: defaults (dev, prefix, mask) and interfaces/<id>/*.
#include <arpa/inet.h>

#include <cerrno>

#include "base/strings.hpp"
#include "config/vserver/keys.hpp"
#include "config/vserver/values.hpp"
#include "spec/ip_address.hpp"

namespace vs::config::vserver::rows {

namespace {

spec::Interface& iface(spec::GuestSpec& s, const std::string& id) {
    for (auto& i : s.interfaces)
        if (i.id == id) return i;
    s.interfaces.push_back({});
    s.interfaces.back().id = id;
    return s.interfaces.back();
}

// Per-interface prefix: a prefix length, or for `mask` a netmask; both may exist only if they
// agree (util-vserver reads either; a disagreement is a config error, not a tie to break).
Status set_prefix(spec::GuestSpec& s, LoadState& st, const KeyFile& f, bool mask) {
    auto& i = iface(s, f.parts[0]);
    int fam = AF_INET6;  // widest range here; validate() checks it against the ip's family
    if (auto ip = spec::parse_ip(i.ip)) fam = ip->family;
    int p = VS_TRY(mask ? spec::parse_prefix_or_mask(f.text, fam)
                        : spec::parse_prefix(scalar(f.text), fam));
    if (i.prefix != -1 && i.prefix != p)
        return make_error(EINVAL, "{} (/{}) disagrees with {} (/{})", str::quote(scalar(f.text)), p,
                          st.iface_mask_paths[i.id], i.prefix);
    i.prefix = p;
    st.iface_mask_paths[i.id] = f.path;
    return ok();
}

using StrField = std::string spec::Interface::*;

// interfaces/<id>/<file> holding a plain string, checked by `check`.
Key string_row(const std::string& file, StrField field, std::string type,
               Result<std::string> (*check)(std::string_view), std::string doc) {
    return {"interfaces/*/" + file,
            FileKind::Scalar,
            std::move(type),
            [field, check](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                iface(s, f.parts[0]).*field = VS_TRY(check(f.text));
                return ok();
            },
            [field, file](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                for (const auto& i : s.interfaces)
                    if (!(i.*field).empty()) line(o, "interfaces/" + i.id + "/" + file, i.*field);
            },
            std::move(doc)};
}

using BoolField = bool spec::Interface::*;

Key bool_row(const std::string& file, BoolField field, std::string doc) {
    return {"interfaces/*/" + file,
            FileKind::Bool,
            "bool (exists)",
            [field](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                iface(s, f.parts[0]).*field = VS_TRY(parse_bool(f.text));
                return ok();
            },
            [field, file](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                for (const auto& i : s.interfaces)
                    if (i.*field) flag_file(o, "interfaces/" + i.id + "/" + file);
            },
            std::move(doc)};
}

Result<std::string> check_ip(std::string_view t) {
    return VS_TRY(spec::parse_host_ip(scalar(t))).str();
}
Result<std::string> check_ifname(std::string_view t) {
    auto v = scalar(t);
    VS_TRY(spec::validate_ifname(v));
    return v;
}
Result<std::string> check_mode(std::string_view t) {
    auto v = scalar(t);
    if (v != "veth" && v != "macvlan" && v != "shared")
        return make_error(EINVAL, "invalid mode {} (veth, macvlan, shared)", str::quote(v));
    return v;
}
Result<std::string> check_mac(std::string_view t) { return spec::parse_mac(scalar(t)); }

}  // namespace

void add_network(std::vector<Key>& out) {
    out.push_back(
        {"interfaces/dev", FileKind::Scalar, "interface name",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             s.default_dev = VS_TRY(check_ifname(f.text));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             if (!s.default_dev.empty()) line(o, "interfaces/dev", s.default_dev);
         },
         "default host device for every interface without its own dev (macvlan parent or bridge)"});

    out.push_back({"interfaces/prefix", FileKind::Scalar, "prefix length",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       s.default_prefix = VS_TRY(spec::parse_prefix(scalar(f.text), AF_INET6));
                       return ok();
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       if (s.default_prefix != -1)
                           line(o, "interfaces/prefix", std::to_string(s.default_prefix));
                   },
                   "default prefix length for interfaces without their own"});

    out.push_back({"interfaces/mask", FileKind::Scalar, "netmask",
                   [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
                       s.default_prefix = VS_TRY(spec::parse_prefix_or_mask(f.text, AF_INET6));
                       return ok();
                   },
                   write_nothing,
                   "default netmask (util-vserver name); read as a prefix, written back as "
                   "interfaces/prefix"});

    out.push_back(
        {"interfaces/*/ip", FileKind::Scalar, "IPv4 or IPv6 address",
         [](spec::GuestSpec& s, LoadState&, const KeyFile& f) -> Status {
             iface(s, f.parts[0]).ip = VS_TRY(check_ip(f.text));
             return ok();
         },
         [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
             for (const auto& i : s.interfaces) line(o, "interfaces/" + i.id + "/ip", i.ip);
         },
         "the guest's address (stored canonical); not unspecified, multicast or broadcast; "
         "unique within the guest. Interfaces are taken in directory-name order"});

    out.push_back({"interfaces/*/prefix", FileKind::Scalar, "prefix length",
                   [](spec::GuestSpec& s, LoadState& st, const KeyFile& f) {
                       return set_prefix(s, st, f, false);
                   },
                   [](const spec::GuestSpec& s, std::vector<OutFile>& o) {
                       for (const auto& i : s.interfaces)
                           if (i.prefix != -1)
                               line(o, "interfaces/" + i.id + "/prefix", std::to_string(i.prefix));
                   },
                   "prefix length (1..32 IPv4, 1..128 IPv6); default interfaces/prefix, else /24 "
                   "(IPv4) or /64 (IPv6)"});

    out.push_back(
        {"interfaces/*/mask", FileKind::Scalar, "netmask or prefix length",
         [](spec::GuestSpec& s, LoadState& st, const KeyFile& f) {
             return set_prefix(s, st, f, true);
         },
         write_nothing,
         "netmask (contiguous); read as a prefix, written back as interfaces/<id>/prefix"});

    out.push_back(string_row(
        "dev", &spec::Interface::dev, "interface name", check_ifname,
        "host device: the macvlan parent (mode macvlan) or the bridge (mode veth); default "
        "interfaces/dev"));
    out.push_back(
        string_row("name", &spec::Interface::name, "interface name", check_ifname,
                   "the interface's name inside the guest (e.g. eth0); default eth<N> in order"));
    out.push_back(
        bool_row("nodev", &spec::Interface::nodev,
                 "the address already exists on the host: nothing is added or removed for it; the "
                 "guest is only confined to it (meaningful with mode shared)"));
    out.push_back(bool_row("disabled", &spec::Interface::disabled,
                           "ignore this interface at start (kept in the config)"));
    out.push_back(string_row(
        "mode", &spec::Interface::mode, "veth|macvlan|shared", check_mode,
        "veth: a veth pair whose host end joins the bridge `dev` (default when `dev` is a "
        "bridge or unset); macvlan: a macvlan on `dev`; shared: no netns, binds confined to "
        "the guest's IPs by cgroup BPF"));
    out.push_back(string_row("mac", &spec::Interface::mac, "MAC address", check_mac,
                             "MAC address of the guest side (default: kernel-chosen random)"));
    out.push_back(
        string_row("gateway", &spec::Interface::gateway, "IP address", check_ip,
                   "default route via this address, set inside the guest's network namespace"));
}

}  // namespace vs::config::vserver::rows
