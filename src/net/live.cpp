// apply_live: re-addressing a running guest over netlink (and its BPF allow list), all or nothing.
#include <cerrno>

#include "base/scope_exit.hpp"
#include "net/conflicts.hpp"
#include "net/guest_network.hpp"
#include "net/link_ops.hpp"
#include "net/net_state.hpp"
#include "net/plan.hpp"
#include "net/shared_bpf.hpp"

namespace vs::net {

namespace {

const LinkPlan* find_link(const Plan& p, const std::string& name) {
    for (const auto& l : p.links)
        if (l.guest_name == name) return &l;
    return nullptr;
}

bool contains(const std::vector<IpPrefix>& v, const IpPrefix& a) {
    for (const auto& x : v)
        if (x == a) return true;
    return false;
}

bool same_gateways(const Plan& a, const Plan& b) {
    if (a.gateways.size() != b.gateways.size()) return false;
    for (size_t i = 0; i < a.gateways.size(); ++i)
        if (a.gateways[i].link != b.gateways[i].link ||
            !(a.gateways[i].gateway == b.gateways[i].gateway))
            return false;
    return true;
}

Status live_netns(const Plan& oldp, const Plan& newp, NetSides& s, NetState& st, Rollback& rb) {
    // Refuse what cannot change under a running guest before touching anything.
    for (const auto& nl : newp.links) {
        const LinkPlan* ol = find_link(oldp, nl.guest_name);
        if (ol && (ol->mode != nl.mode || ol->dev != nl.dev || ol->mac != nl.mac))
            return make_error(EBUSY,
                              "link {} of the running guest changes mode, device or MAC "
                              "(restart the guest for that)",
                              nl.guest_name);
    }
    if (!same_gateways(oldp, newp))
        for (const auto& g : oldp.gateways) {
            VS_TRY(del_gateway(s, g));
            rb.add([&s, g] { (void)add_gateway(s, g); });
        }
    // New links and new addresses first, removals after: a service never loses every address.
    for (const auto& nl : newp.links) {
        const LinkPlan* ol = find_link(oldp, nl.guest_name);
        if (!ol) {
            VS_TRY(create_link(s, nl, st));
            rb.add([&s, &st, nl] { (void)delete_link(s, nl, st); });
            continue;
        }
        for (const auto& a : nl.addrs) {
            if (contains(ol->addrs, a)) continue;
            VS_TRY(add_link_addr(s, nl, a, st));
            rb.add([&s, &st, nl, a] { (void)del_link_addr(s, nl, a, st); });
        }
    }
    for (const auto& ol : oldp.links) {
        const LinkPlan* nl = find_link(newp, ol.guest_name);
        if (!nl) {
            VS_TRY(delete_link(s, ol, st));
            rb.add([&s, &st, ol] { (void)create_link(s, ol, st); });
            continue;
        }
        for (const auto& a : ol.addrs) {
            if (contains(nl->addrs, a)) continue;
            VS_TRY(del_link_addr(s, ol, a, st));
            rb.add([&s, &st, ol, a] { (void)add_link_addr(s, ol, a, st); });
        }
    }
    if (!same_gateways(oldp, newp))
        for (const auto& g : newp.gateways) {
            VS_TRY(add_gateway(s, g));
            rb.add([&s, g] { (void)del_gateway(s, g); });
        }
    return ok();
}

Status live_shared(const Plan& oldp, const Plan& newp, NetSides& s, NetState& st, Rollback& rb) {
    auto has = [](const std::vector<HostAddr>& v, const HostAddr& h) {
        for (const auto& x : v)
            if (x.dev == h.dev && x.addr == h.addr) return true;
        return false;
    };
    for (const auto& h : newp.host_addrs) {
        if (has(oldp.host_addrs, h)) continue;
        VS_TRY(add_host_addr(s, h, st));
        rb.add([&s, &st, h] { (void)del_host_addr(s, h.dev, h.addr, st); });
    }
    if (st.bpf) {
        VS_TRY(shared_bpf::update(st.cgroup2, newp.guest_addrs));
        rb.add(
            [path = st.cgroup2, old = oldp.guest_addrs] { (void)shared_bpf::update(path, old); });
    }
    for (const auto& h : oldp.host_addrs) {
        if (has(newp.host_addrs, h)) continue;
        VS_TRY(del_host_addr(s, h.dev, h.addr, st));
        rb.add([&s, &st, h] { (void)add_host_addr(s, h, st); });
    }
    return ok();
}

}  // namespace

Status apply_live(const spec::GuestSpec& old_spec, const spec::GuestSpec& new_spec,
                  const SetupContext& ctx) {
    auto st = VS_TRY(load_net_state(ctx.run_dir));
    if (!st.init.alive())
        return make_error(ESRCH, "guest \"{}\" is not running (no live network state in \"{}\")",
                          new_spec.name, ctx.run_dir);
    auto host = VS_TRY(netlink::Socket::open());
    auto oldp = VS_TRY(make_plan(old_spec, host_dev_kind(host)));
    auto newp = VS_TRY(make_plan(new_spec, host_dev_kind(host)));
    if (oldp.netns != newp.netns)
        return make_error(EBUSY, "guest \"{}\": switching to or from shared mode needs a restart",
                          new_spec.name);
    if (!st.bpf && !newp.netns && !newp.guest_addrs.empty())
        return make_error(EBUSY,
                          "guest \"{}\" was started without addresses; restart it to "
                          "confine it to addresses",
                          new_spec.name);

    auto scope = ConflictScope::of(ctx.configured_elsewhere, ctx.run_base, ctx.run_dir);
    // Declared before the rollback so that it outlives the undo steps that use it.
    NetSides s =
        newp.netns ? VS_TRY(NetSides::for_guest(st.init.pid)) : VS_TRY(NetSides::host_only());
    Rollback rb;
    VS_TRY(claim_addresses(scope, new_spec, st.init));
    rb.add([&] { (void)claim_addresses(scope, old_spec, st.init); });
    if (newp.netns)
        VS_TRY(live_netns(oldp, newp, s, st, rb).wrap("re-address guest \"{}\"", new_spec.name));
    else
        VS_TRY(live_shared(oldp, newp, s, st, rb).wrap("re-address guest \"{}\"", new_spec.name));
    VS_TRY(save_net_state(ctx.run_dir, st));
    rb.commit();
    return ok();
}

}  // namespace vs::net
