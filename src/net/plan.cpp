// make_plan: interfaces/ (GuestSpec::interfaces) -> links, addresses, routes; no syscalls.
#include "net/plan.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <set>

namespace vs::net {

const char* mode_name(Mode m) {
    switch (m) {
        case Mode::Veth:
            return "veth";
        case Mode::Macvlan:
            return "macvlan";
        case Mode::Shared:
            return "shared";
    }
    return "?";
}

Result<Mode> parse_mode(const std::string& text) {
    if (text == "veth") return Mode::Veth;
    if (text == "macvlan") return Mode::Macvlan;
    if (text == "shared") return Mode::Shared;
    return make_error(EINVAL, "unknown network mode \"{}\" (veth, macvlan, shared)", text);
}

Status validate_ifname(const std::string& name) {
    if (name.empty() || name.size() > 15 || name == "." || name == ".." ||
        name.find_first_of("/: \t\n") != std::string::npos)
        return make_error(EINVAL,
                          "invalid interface name \"{}\" (1..15 bytes, no '/', ':', "
                          "blanks)",
                          name);
    return ok();
}

std::string host_link_prefix(const std::string& guest) {
    // FNV-1a, 32 bit: stable across builds and hosts, unlike std::hash.
    uint32_t h = 2166136261u;
    for (unsigned char c : guest) {
        h ^= c;
        h *= 16777619u;
    }
    return fmt::format("vs{:08x}.", h);
}

std::string host_link_name(const std::string& guest, size_t k) {
    return host_link_prefix(guest) + std::to_string(k);
}

Result<IpPrefix> interface_address(const spec::GuestSpec& spec, const spec::Interface& i) {
    auto where = [&] { return fmt::format("interfaces/{}/ip", i.id); };
    if (i.ip.empty()) return make_error(EINVAL, "{}: no address", where());
    IpPrefix p;
    auto slash = i.ip.find('/');
    p.addr = VS_TRY(parse_ip(std::string_view(i.ip).substr(0, slash)).wrap("{}", where()));
    int maxp = max_prefix(p.addr.family);
    if (i.prefix >= 0) {
        p.prefix = i.prefix;
    } else if (slash != std::string::npos) {
        p.prefix =
            VS_TRY(parse_mask_or_prefix(std::string_view(i.ip).substr(slash + 1), p.addr.family)
                       .wrap("{}", where()));
    } else if (spec.default_prefix >= 0 && spec.default_prefix <= maxp) {
        p.prefix = spec.default_prefix;
    } else {
        p.prefix = default_prefix(p.addr.family);
    }
    if (p.prefix < 0 || p.prefix > maxp)
        return make_error(EINVAL, "interfaces/{}/prefix: {} is out of range for {}", i.id, p.prefix,
                          p.addr.to_string());
    return p;
}

Result<std::vector<OwnedAddr>> owned_addresses(const spec::GuestSpec& spec) {
    std::vector<OwnedAddr> out;
    for (const auto& i : spec.interfaces) {
        if (i.disabled || i.ip.empty()) continue;
        auto p = VS_TRY(interface_address(spec, i));
        for (const auto& o : out)
            if (o.addr == p.addr)
                return make_error(EEXIST,
                                  "address {} is configured twice (interfaces/{} and "
                                  "interfaces/{})",
                                  p.addr.to_string(), o.id, i.id);
        out.push_back({i.id, p.addr, i.nodev});
    }
    return out;
}

namespace {

Result<Mode> resolve_mode(const spec::Interface& i, const std::string& dev,
                          const DevKindFn& dev_kind) {
    if (!i.mode.empty()) return parse_mode(i.mode).wrap("interfaces/{}/mode", i.id);
    if (dev.empty()) return Mode::Veth;
    auto kind = VS_TRY(dev_kind(dev).wrap("interfaces/{}/dev", i.id));
    return kind == "bridge" ? Mode::Veth : Mode::Macvlan;
}

// Shared mode: the guest runs in the host's network namespace. With a device (and not
// nodev) the address is added to it, VServer's alias; otherwise it must exist already and
// only binding is restricted.
Status add_shared(Plan& plan, const spec::Interface& i, const std::string& dev,
                  const IpPrefix& addr) {
    if (!i.gateway.empty())
        return make_error(EINVAL, "interfaces/{}/gateway: shared mode uses the host's routes",
                          i.id);
    if (i.nodev || dev.empty()) return ok();
    std::string label;
    if (addr.addr.is_v4() && !i.name.empty()) {
        label = dev + ":" + i.name;
        if (label.size() > 15)
            return make_error(EINVAL, "interfaces/{}/name: label \"{}\" is longer than 15 bytes",
                              i.id, label);
    }
    plan.host_addrs.push_back({i.id, dev, addr, label});
    return ok();
}

// The guest links being planned and the names they may take.
struct Links {
    Plan& plan;
    const spec::GuestSpec& spec;
    std::set<std::string> explicit_names;  ///< the names interfaces ask for
    int next_eth = 0;

    /// The guest link interface `i`'s address goes to: the one it names, else the unnamed
    /// one of the same mode and device, else a new one.
    Result<LinkPlan*> link_for(const spec::Interface& i, Mode mode, const std::string& dev) {
        LinkPlan* link = nullptr;
        if (!i.name.empty()) {
            VS_TRY(validate_ifname(i.name).wrap("interfaces/{}/name", i.id));
            for (auto& l : plan.links)
                if (l.guest_name == i.name) link = &l;
        } else {
            for (auto& l : plan.links)
                if (l.mode == mode && l.dev == dev && !explicit_names.count(l.guest_name))
                    link = &l;
        }
        if (link && (link->mode != mode || link->dev != dev))
            return make_error(EINVAL,
                              "interfaces/{}: name \"{}\" is used with another mode or "
                              "device ({} on \"{}\")",
                              i.id, link->guest_name, mode_name(link->mode), link->dev);
        if (link) return link;
        LinkPlan l;
        l.mode = mode;
        l.dev = dev;
        if (!i.name.empty()) {
            l.guest_name = i.name;
        } else {
            do l.guest_name = fmt::format("eth{}", next_eth++);
            while (explicit_names.count(l.guest_name));
        }
        if (mode == Mode::Veth) l.host_name = host_link_name(spec.name, plan.links.size());
        plan.links.push_back(std::move(l));
        return &plan.links.back();
    }

    /// Interface `i`'s MAC, address and default route on its guest link.
    Status add(const spec::Interface& i, LinkPlan& link, const IpPrefix& addr,
               const std::optional<netlink::Mac>& mac) {
        if (mac) {
            if (link.mac && *link.mac != *mac)
                return make_error(EINVAL, "interfaces/{}/mac: link {} has MAC {} already", i.id,
                                  link.guest_name, netlink::mac_to_string(*link.mac));
            link.mac = mac;
        }
        link.addrs.push_back(addr);
        link.ids.push_back(i.id);
        if (i.gateway.empty()) return ok();
        auto gw = VS_TRY(parse_ip(i.gateway).wrap("interfaces/{}/gateway", i.id));
        for (const auto& g : plan.gateways)
            if (g.gateway.family == gw.family && !(g.gateway == gw))
                return make_error(EINVAL,
                                  "interfaces/{}/gateway: a second default route ({} besides {})",
                                  i.id, gw.to_string(), g.gateway.to_string());
        bool dup = false;
        for (const auto& g : plan.gateways) dup = dup || g.gateway == gw;
        if (!dup) plan.gateways.push_back({link.guest_name, gw});
        return ok();
    }
};

}  // namespace

Result<Plan> make_plan(const spec::GuestSpec& spec, const DevKindFn& dev_kind) {
    Plan plan;
    std::vector<const spec::Interface*> ifs;
    for (const auto& i : spec.interfaces)
        if (!i.disabled && !i.ip.empty()) ifs.push_back(&i);
    // The id order is the processing order (util-vserver: alphabetical, "00", "01"...).
    std::stable_sort(ifs.begin(), ifs.end(), [](auto* a, auto* b) { return a->id < b->id; });

    for (const auto& o : VS_TRY(owned_addresses(spec))) plan.guest_addrs.push_back(o.addr);

    Links links{plan, spec, {}, 0};
    for (auto* i : ifs)
        if (!i->name.empty()) links.explicit_names.insert(i->name);

    bool any_shared = false, any_ns = false;
    for (auto* i : ifs) {
        std::string dev = i->dev.empty() ? spec.default_dev : i->dev;
        Mode mode = VS_TRY(resolve_mode(*i, dev, dev_kind));
        auto addr = VS_TRY(interface_address(spec, *i));
        std::optional<netlink::Mac> mac;
        if (!i->mac.empty())
            mac = VS_TRY(netlink::parse_mac(i->mac).wrap("interfaces/{}/mac", i->id));
        if (mode == Mode::Shared) {
            any_shared = true;
            VS_TRY(add_shared(plan, *i, dev, addr));
            continue;
        }
        any_ns = true;
        if (i->nodev) continue;  // nothing to add inside a fresh namespace (docs/network.md)
        if (mode == Mode::Macvlan && dev.empty())
            return make_error(EINVAL, "interfaces/{}: macvlan needs a parent device (dev)", i->id);
        LinkPlan* link = VS_TRY(links.link_for(*i, mode, dev));
        VS_TRY(links.add(*i, *link, addr, mac));
    }
    if (any_shared && any_ns)
        return make_error(EINVAL, "interfaces: mode \"shared\" cannot be mixed with other modes");
    if (any_shared && spec.ns.net)
        return make_error(EINVAL,
                          "interfaces: mode \"shared\" requires the guest to run without "
                          "a network namespace");
    plan.netns = spec.ns.net;
    return plan;
}

}  // namespace vs::net
