// live_addresses / live_address_list: a netlink dump inside the guest's namespace, or the
// shared-mode BPF map.
#include "net/live_view.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "net/net_state.hpp"
#include "net/netlink/socket.hpp"
#include "net/shared_bpf.hpp"

namespace vs::net {

namespace {

bool shown(const IpAddress& ip) {
    bool loopback =
        ip.is_v4() ? ip.bytes[0] == 127
                   : ip == IpAddress{AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
    bool link_local = ip.is_v6() && ip.bytes[0] == 0xfe && (ip.bytes[1] & 0xc0) == 0x80;
    return !loopback && !link_local;
}

Result<std::vector<LiveAddress>> list_of(const NetState& st) {
    std::vector<LiveAddress> out;
    if (!st.netns) {
        if (!st.bpf) return out;
        for (const auto& ip : VS_TRY(shared_bpf::allowed(st.cgroup2))) {
            LiveAddress a{"", {ip, max_prefix(ip.family)}};
            for (const auto& h : st.host_addrs)
                if (h.addr.addr == ip) a = {h.dev, h.addr};
            out.push_back(std::move(a));
        }
        return out;
    }
    auto ns = VS_TRY(open_netns(st.init.pid));
    auto sock = VS_TRY(netlink::Socket::open_in(ns.get()));
    auto links = VS_TRY(sock.links());
    for (const auto& a : VS_TRY(sock.addrs())) {
        if (!shown(a.addr.addr)) continue;
        std::string dev = std::to_string(a.index);
        for (const auto& l : links)
            if (l.index == a.index) dev = l.name;
        out.push_back({dev, a.addr});
    }
    return out;
}

}  // namespace

Result<std::vector<IpAddress>> live_addresses(const std::string& run_dir) {
    auto st = VS_TRY(load_net_state(run_dir));
    if (!st.init.alive()) return make_error(ESRCH, "no running guest in \"{}\"", run_dir);
    std::vector<IpAddress> out;
    for (const auto& a : VS_TRY(list_of(st))) out.push_back(a.addr.addr);
    return out;
}

Result<std::vector<LiveAddress>> live_address_list(const std::string& run_dir) {
    auto st = VS_TRY(load_net_state(run_dir));
    if (!st.init.alive()) return std::vector<LiveAddress>{};
    return list_of(st);
}

}  // namespace vs::net
