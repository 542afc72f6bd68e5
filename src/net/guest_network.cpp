// setup_guest / teardown_guest: claims, links or shared-mode BPF, and the record for stop.
#include "net/guest_network.hpp"

#include <linux/capability.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>

#include "base/log.hpp"
#include "base/scope_exit.hpp"
#include "net/conflicts.hpp"
#include "net/link_ops.hpp"
#include "net/net_state.hpp"
#include "net/plan.hpp"
#include "net/shared_bpf.hpp"

namespace vs::net {

namespace {

// Debug timing of the network part of start/stop (VSERVER_DEBUG=1): the veth path is benchmarked
// against LXC, and this separates its cost from the rest of start/stop.
struct DebugTimer {
    const char* what;
    const std::string& guest;
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    ~DebugTimer() {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - t0)
                      .count();
        log::debug("guest \"{}\": {} took {} us", guest, what, us);
    }
};

ConflictScope scope_of(const SetupContext& ctx) {
    return ConflictScope::of(ctx.configured_elsewhere, ctx.run_base, ctx.run_dir);
}

// A routed veth (no bridge) with no gateway for a family gets a device default route, so the
// guest reaches the host (and whatever the host forwards to) without any configuration.
std::vector<GatewayPlan> device_routes(const Plan& plan) {
    std::vector<GatewayPlan> out;
    for (const auto& l : plan.links) {
        if (l.mode != Mode::Veth || !l.dev.empty()) continue;
        for (const auto& a : l.addrs) {
            bool have = false;
            for (const auto& g : plan.gateways) have = have || g.gateway.family == a.addr.family;
            for (const auto& o : out) have = have || o.gateway.family == a.addr.family;
            if (!have) out.push_back({l.guest_name, IpAddress{a.addr.family, {}}});
        }
    }
    return out;
}

Status add_device_route(NetSides& s, const GatewayPlan& g) {
    auto link = VS_TRY(s.guest->link_by_name(g.link));
    auto m = netlink::new_route({.family = g.gateway.family, .oif = link.index});
    return s.guest->request(m, fmt::format("add default route dev {} in the guest", g.link));
}

Status setup_netns(const spec::GuestSpec& spec, const SetupContext& ctx, const Plan& plan,
                   NetState& st, Rollback& rb) {
    auto s = VS_TRY(NetSides::for_guest(ctx.init_pid));
    VS_TRY(loopback_up(*s.guest));
    for (const auto& l : plan.links) {
        VS_TRY(create_link(s, l, st).wrap("guest \"{}\"", spec.name));
        // Deleting the guest end removes a veth's host end too; the netns going away at stop
        // would also do it, but stop must not depend on that (a netns can be pinned).
        rb.add([&st, l, pid = ctx.init_pid] {
            if (auto again = NetSides::for_guest(pid)) (void)delete_link(*again, l, st);
        });
    }
    for (const auto& g : plan.gateways) VS_TRY(add_gateway(s, g));
    for (const auto& g : device_routes(plan)) VS_TRY(add_device_route(s, g));
    return ok();
}

Status setup_shared(const spec::GuestSpec& spec, const SetupContext& ctx, const Plan& plan,
                    NetState& st, Rollback& rb) {
    if (plan.guest_addrs.empty()) return ok();  // no interfaces: the host stack, unrestricted
    if (ctx.cgroup2_path.empty())
        return make_error(EINVAL,
                          "guest \"{}\": shared network mode needs the guest's cgroup2 "
                          "node for its BPF programs",
                          spec.name);
    auto s = VS_TRY(NetSides::host_only());
    for (const auto& h : plan.host_addrs) {
        VS_TRY(add_host_addr(s, h, st));
        rb.add([&st, h] {
            if (auto again = NetSides::host_only()) (void)del_host_addr(*again, h.dev, h.addr, st);
        });
    }
    VS_TRY(shared_bpf::attach(ctx.cgroup2_path, plan.guest_addrs));
    st.bpf = true;
    rb.add([path = ctx.cgroup2_path] { (void)shared_bpf::detach(path); });
    return ok();
}

/// What setup made on the host and in the guest's namespace: guest links, host veth ends,
/// shared-mode aliases and BPF programs. The first error, after trying everything.
Status remove_links_and_bpf(const spec::GuestSpec& spec, const SetupContext& ctx, NetState& st) {
    Status first = ok();
    auto keep = [&](Status r) {
        if (!r && first) first = std::move(r);
    };
    auto s = VS_TRY(NetSides::host_only());

    // Guest links, while the guest's init (and so its namespace) is still there.
    if (st.netns && st.init.alive()) {
        if (auto g = NetSides::for_guest(st.init.pid)) {
            if (auto links = g->guest->links()) {
                for (const auto& l : *links) {
                    if (l.name == "lo") continue;
                    auto m = netlink::del_link(l.index);
                    auto r = g->guest->request(m, fmt::format("delete {} in the guest", l.name));
                    if (!r && r.error().code != ENODEV) keep(std::move(r));
                }
            }
        }
    }
    // Host ends: by record and by our deterministic name prefix (a crash may have lost the
    // record). Their host routes go with them.
    if (auto links = s.host.links()) {
        std::string prefix = host_link_prefix(spec.name);
        for (const auto& l : *links) {
            bool ours = l.name.rfind(prefix, 0) == 0;
            for (const auto& h : st.host_links) ours = ours || h == l.name;
            if (!ours) continue;
            // A veth whose peer namespace has no reference left goes with that namespace, which
            // the kernel destroys from a workqueue. Deleting it here as well waits for an RCU
            // barrier behind that teardown; a restart that still finds it renames it out of
            // the way (create_link). The guest's processes are gone, but the netlink socket
            // start used inside its namespace is freed an RCU grace period after start closed
            // it: allow for that (kPeerNetnsGrace). A peer
            // namespace still referenced after that is pinned (a mount, an fd, a process
            // outside the guest): delete the pair, or it would outlive the stop.
            if (await_peer_netns_dying(s.host, l, kPeerNetnsGrace)) continue;
            auto m = netlink::del_link(l.index);
            auto r = s.host.request(m, fmt::format("delete {}", l.name));
            if (!r && r.error().code != ENODEV) keep(std::move(r));
        }
    } else {
        keep(std::move(links).error());
    }
    // Shared mode: only the aliases we recorded (never an address the host had itself).
    for (const auto& a : std::vector(st.host_addrs)) keep(del_host_addr(s, a.dev, a.addr, st));
    std::string cg = st.cgroup2.empty() ? ctx.cgroup2_path : st.cgroup2;
    keep(shared_bpf::detach(cg));
    return first;
}

}  // namespace

Status setup_guest(const spec::GuestSpec& spec, const SetupContext& ctx) {
    DebugTimer timer{"network setup", spec.name};
    auto host = VS_TRY(netlink::Socket::open());
    auto plan = VS_TRY(make_plan(spec, host_dev_kind(host)).wrap("guest \"{}\"", spec.name));
    if (plan.netns && ctx.init_pid <= 0)
        return make_error(EINVAL, "guest \"{}\": network setup needs the guest's init pid",
                          spec.name);

    NetState st;
    st.init = ctx.init_pid > 0 ? VS_TRY(ProcessRef::of(ctx.init_pid)) : ProcessRef{};
    st.netns = plan.netns;
    st.cgroup2 = ctx.cgroup2_path;

    Rollback rb;
    auto scope = scope_of(ctx);
    if (!plan.guest_addrs.empty()) {
        VS_TRY(claim_addresses(scope, spec, st.init));
        rb.add([scope, name = spec.name] { (void)release_claims(scope, name); });
    }
    if (plan.netns)
        VS_TRY(setup_netns(spec, ctx, plan, st, rb));
    else
        VS_TRY(setup_shared(spec, ctx, plan, st, rb));
    VS_TRY(save_net_state(ctx.run_dir, st));
    rb.commit();
    return ok();
}

Status teardown_guest(const spec::GuestSpec& spec, const SetupContext& ctx) {
    DebugTimer timer{"network teardown", spec.name};
    NetState st;
    if (auto loaded = load_net_state(ctx.run_dir)) {
        st = std::move(*loaded);
    } else {
        log::warn("guest \"{}\": ignoring unreadable net state: {}", spec.name,
                  loaded.error().what());
    }
    Status first = ok();
    auto keep = [&](Status r) {
        if (!r && first) first = std::move(r);
    };
    // A guest whose record (written once setup completed) lists nothing on the host, and whose
    // config declares no interface, has no host end, alias or BPF program to look for: the host
    // link dump and the BPF queries are skipped, a dozen round trips per stop.
    const bool recorded = st.init.pid > 0;
    const bool nothing_on_host = recorded && st.host_links.empty() && st.host_addrs.empty() &&
                                 st.host_routes.empty() && !st.bpf && spec.interfaces.empty();
    if (!nothing_on_host) keep(remove_links_and_bpf(spec, ctx, st));
    keep(release_claims(scope_of(ctx), spec.name));
    if (first) keep(remove_net_state(ctx.run_dir));
    return std::move(first).wrap("remove the network of guest \"{}\"", spec.name);
}

uint64_t required_cap_drops(const spec::GuestSpec& spec) {
    if (spec.ns.net) return 0;
    return (uint64_t{1} << CAP_NET_RAW) | (uint64_t{1} << CAP_NET_ADMIN);
}

bool is_live(const std::string& run_dir) {
    auto st = load_net_state(run_dir);
    return st && st->init.alive();
}

}  // namespace vs::net
