// Link operations over netlink: veth/macvlan creation into the guest, addresses, routes.
#include "net/link_ops.hpp"

#include <linux/if.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <random>

#include "base/log.hpp"
#include "base/scope_exit.hpp"
#include "net/process_ref.hpp"

namespace vs::net {

using netlink::Message;

Result<NetSides> NetSides::host_only() {
    return NetSides{VS_TRY(netlink::Socket::open()), std::nullopt, UniqueFd()};
}

Result<NetSides> NetSides::for_guest(pid_t init_pid) {
    auto ns = VS_TRY(open_netns(init_pid));
    auto host = VS_TRY(netlink::Socket::open());
    auto guest = VS_TRY(netlink::Socket::open_in(ns.get()));
    return NetSides{std::move(host), std::move(guest), std::move(ns)};
}

DevKindFn host_dev_kind(netlink::Socket& host) {
    return [&host](const std::string& dev) -> Result<std::string> {
        auto l = VS_TRY(host.link_by_name(dev));
        return l.kind;
    };
}

bool peer_netns_dying(netlink::Socket& host, const netlink::LinkInfo& l) {
    if (l.kind != "veth" || !l.link_netnsid) return false;
    // -1: no id. The kernel assigns none to a namespace without references, and drops the id
    // when it starts destroying the namespace.
    if (*l.link_netnsid < 0) return true;
    // An id: the lookup by id fails once the namespace's reference count is zero (final:
    // nothing can take a new reference then), even before the kernel drops the id.
    Message m = netlink::get_nsid(*l.link_netnsid);
    auto r = host.request(m, "look up network namespace id");
    return !r && r.error().code == ENOENT;
}

bool await_peer_netns_dying(netlink::Socket& host, const netlink::LinkInfo& l,
                            std::chrono::microseconds budget) {
    if (l.kind != "veth" || !l.link_netnsid) return false;
    auto end = std::chrono::steady_clock::now() + budget;
    for (;;) {
        if (peer_netns_dying(host, l)) return true;
        if (std::chrono::steady_clock::now() >= end) return false;
        // One lookup is one small netlink round trip: asking every 0.5 ms costs next to nothing
        // and ends the wait soon after the grace period.
        struct timespec ts {
            0, 500 * 1000
        };
        ::nanosleep(&ts, nullptr);
    }
}

Status retire_dying_link(netlink::Socket& host, const netlink::LinkInfo& l) {
    // "vs<hash>" without ".<k>": retired names never match a guest's live prefix "vs<hash>.".
    std::string base = l.name.substr(0, std::min<size_t>(l.name.rfind('.'), 10));
    std::random_device rd;
    for (int attempt = 0;; ++attempt) {
        std::string name = fmt::format("{}-{:04x}", base, rd() & 0xffff);
        // Down and renamed in one request; kernels before 6.2 refuse to rename a link that is
        // up (EBUSY): then down first.
        Message m = netlink::set_link({.index = l.index, .name = name, .up = false});
        auto r = host.request(m, fmt::format("rename dying {} to {}", l.name, name));
        if (!r && r.error().code == EBUSY) {
            Message down = netlink::set_link({.index = l.index, .up = false});
            r = host.request(down, fmt::format("set dying {} down", l.name));
            if (r) {
                Message again = netlink::set_link({.index = l.index, .name = name});
                r = host.request(again, fmt::format("rename dying {} to {}", l.name, name));
            }
        }
        if (r) log::debug("renamed {}, whose peer namespace is dying, to {}", l.name, name);
        if (r || r.error().code == ENODEV) return ok();  // ENODEV: the kernel was quicker
        if (r.error().code != EEXIST || attempt == 3) return r;
    }
}

Status loopback_up(netlink::Socket& guest) {
    auto lo = VS_TRY(guest.link_by_name("lo"));
    Message m = netlink::set_link({.index = lo.index, .up = true});
    return guest.request(m, "bring up lo in the guest");
}

static bool routed(const LinkPlan& l) { return l.mode == Mode::Veth && l.dev.empty(); }

static IpPrefix host_route_dst(const IpPrefix& a) { return {a.addr, max_prefix(a.addr.family)}; }

Status add_link_addr(NetSides& s, const LinkPlan& l, const IpPrefix& a, NetState& st) {
    auto link = VS_TRY(s.guest->link_by_name(l.guest_name));
    Message m = netlink::new_addr(link.index, a, "");
    VS_TRY(
        s.guest->request(m, fmt::format("add {} to {} in the guest", a.to_string(), l.guest_name)));
    if (routed(l)) {
        // Routed veth: the host reaches the guest's address through the host end.
        auto host = VS_TRY(s.host.link_by_name(l.host_name));
        auto dst = host_route_dst(a);
        Message r = netlink::new_route({.family = a.addr.family, .dst = dst, .oif = host.index});
        VS_TRY(s.host.request(
            r, fmt::format("add host route {} dev {}", dst.to_string(), l.host_name)));
        st.host_routes.push_back({l.host_name, dst});
    }
    return ok();
}

Status del_link_addr(NetSides& s, const LinkPlan& l, const IpPrefix& a, NetState& st) {
    if (routed(l)) {
        auto dst = host_route_dst(a);
        if (auto host = s.host.link_by_name(l.host_name)) {
            Message r =
                netlink::del_route({.family = a.addr.family, .dst = dst, .oif = host->index});
            auto rs = s.host.request(r, fmt::format("delete host route {}", dst.to_string()));
            if (!rs && rs.error().code != ESRCH) return rs;
        }
        std::erase_if(st.host_routes, [&](const auto& r) { return r.dst == dst; });
    }
    auto link = VS_TRY(s.guest->link_by_name(l.guest_name));
    Message m = netlink::del_addr(link.index, a);
    auto r = s.guest->request(
        m, fmt::format("delete {} from {} in the guest", a.to_string(), l.guest_name));
    if (!r && r.error().code != EADDRNOTAVAIL) return r;
    return ok();
}

Status create_link(NetSides& s, const LinkPlan& l, NetState& st) {
    std::string what = fmt::format("create {} {} for the guest", mode_name(l.mode), l.guest_name);
    netlink::NetnsRef ns{.fd = s.guest_ns.get()};
    Rollback rb;
    if (l.mode == Mode::Veth) {
        Message m = netlink::new_veth(l.host_name, l.guest_name, ns, l.mac);
        auto made = s.host.request(m, fmt::format("{} (host end {})", what, l.host_name));
        if (!made && made.error().code == EEXIST) {
            // The host end of this guest's previous instance, which stop left to the kernel to
            // destroy with the old namespace (teardown_guest) and the kernel has not got to
            // yet, or one a killed start left behind. Renamed out of the way, not deleted:
            // deleting waits for the kernel's RCU barrier. A veth whose peer namespace is
            // alive is in use: refused.
            auto old = s.host.link_by_name(l.host_name);
            if (old && !await_peer_netns_dying(s.host, *old, kPeerNetnsGrace))
                return make_error(EEXIST,
                                  "{}: host end {} exists and its peer's network "
                                  "namespace is alive (a namespace of an earlier start "
                                  "that something pins, or another guest whose name "
                                  "hashes to the same host end name)",
                                  what, l.host_name);
            if (old) {
                if (auto r = retire_dying_link(s.host, *old); !r) {
                    log::debug("{}; deleting it instead", r.error().what());
                    Message d = netlink::del_link(old->index);
                    auto dr = s.host.request(d, fmt::format("delete stale {}", l.host_name));
                    if (!dr && dr.error().code != ENODEV) return dr;
                }
            }
            Message again = netlink::new_veth(l.host_name, l.guest_name, ns, l.mac);
            made = s.host.request(again, fmt::format("{} (host end {})", what, l.host_name));
        }
        VS_TRY(std::move(made));
        st.host_links.push_back(l.host_name);
        rb.add([&] {
            if (auto h = s.host.link_by_name(l.host_name)) {
                Message d = netlink::del_link(h->index);
                (void)s.host.request(d, "delete veth");
            }
            std::erase(st.host_links, l.host_name);
            std::erase_if(st.host_routes, [&](const auto& r) { return r.dev == l.host_name; });
        });
        auto host = VS_TRY(s.host.link_by_name(l.host_name));
        netlink::LinkChange c{.index = host.index, .up = true};
        if (!l.dev.empty()) c.master = VS_TRY(s.host.link_by_name(l.dev).wrap("{}", what)).index;
        Message up = netlink::set_link(c);
        VS_TRY(s.host.request(
            up, fmt::format("{}: attach {} to \"{}\" and bring it up", what, l.host_name, l.dev)));
    } else if (l.mode == Mode::Macvlan) {
        auto parent = VS_TRY(s.host.link_by_name(l.dev).wrap("{}", what));
        Message m = netlink::new_macvlan(l.guest_name, parent.index, ns, l.mac);
        VS_TRY(s.host.request(m, fmt::format("{} on \"{}\"", what, l.dev)));
        rb.add([&] {
            if (auto g = s.guest->link_by_name(l.guest_name)) {
                Message d = netlink::del_link(g->index);
                (void)s.guest->request(d, "delete macvlan");
            }
        });
    } else {
        return make_error(EINVAL, "{}: shared mode has no link", what);
    }
    auto g = VS_TRY(s.guest->link_by_name(l.guest_name));
    // Re-addressing removes the old primary address after adding the new one: the new one
    // must be promoted, not deleted along with it.
    Message promote = netlink::set_link({.index = g.index, .promote_secondaries = true});
    VS_TRY(s.guest->request(
        promote, fmt::format("set promote_secondaries on {} in the guest", l.guest_name)));
    for (const auto& a : l.addrs) VS_TRY(add_link_addr(s, l, a, st));
    Message up = netlink::set_link({.index = g.index, .up = true});
    VS_TRY(s.guest->request(up, fmt::format("bring up {} in the guest", l.guest_name)));
    rb.commit();
    return ok();
}

Status delete_link(NetSides& s, const LinkPlan& l, NetState& st) {
    if (s.guest) {
        if (auto g = s.guest->link_by_name(l.guest_name)) {
            Message d = netlink::del_link(g->index);
            auto r = s.guest->request(d, fmt::format("delete {} in the guest", l.guest_name));
            if (!r && r.error().code != ENODEV) return r;
        }
    }
    if (!l.host_name.empty()) {
        if (auto h = s.host.link_by_name(l.host_name)) {
            Message d = netlink::del_link(h->index);
            auto r = s.host.request(d, fmt::format("delete {}", l.host_name));
            if (!r && r.error().code != ENODEV) return r;
        }
        std::erase(st.host_links, l.host_name);
        std::erase_if(st.host_routes, [&](const auto& r) { return r.dev == l.host_name; });
    }
    return ok();
}

Status add_gateway(NetSides& s, const GatewayPlan& g) {
    auto link = VS_TRY(s.guest->link_by_name(g.link));
    Message m =
        netlink::new_route({.family = g.gateway.family, .gateway = g.gateway, .oif = link.index});
    return s.guest->request(
        m, fmt::format("add default route via {} in the guest", g.gateway.to_string()));
}

Status del_gateway(NetSides& s, const GatewayPlan& g) {
    auto link = s.guest->link_by_name(g.link);
    if (!link) return ok();
    Message m =
        netlink::del_route({.family = g.gateway.family, .gateway = g.gateway, .oif = link->index});
    auto r = s.guest->request(m, fmt::format("delete default route via {}", g.gateway.to_string()));
    if (!r && r.error().code != ESRCH) return r;
    return ok();
}

Status add_host_addr(NetSides& s, const HostAddr& h, NetState& st) {
    auto dev = VS_TRY(s.host.link_by_name(h.dev).wrap("interfaces/{}/dev", h.id));
    Message m = netlink::new_addr(dev.index, h.addr, h.label);
    VS_TRY(
        s.host.request(m, fmt::format("add {} to host device \"{}\"", h.addr.to_string(), h.dev)));
    st.host_addrs.push_back({h.dev, h.addr});
    return ok();
}

Status del_host_addr(NetSides& s, const std::string& dev, const IpPrefix& a, NetState& st) {
    if (auto d = s.host.link_by_name(dev)) {
        Message m = netlink::del_addr(d->index, a);
        auto r =
            s.host.request(m, fmt::format("delete {} from host device \"{}\"", a.to_string(), dev));
        if (!r && r.error().code != EADDRNOTAVAIL) return r;
    }
    std::erase_if(st.host_addrs, [&](const auto& x) { return x.dev == dev && x.addr == a; });
    return ok();
}

}  // namespace vs::net
