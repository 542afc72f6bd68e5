// live_addresses: a netlink dump inside the guest's namespace, or the shared-mode BPF map.
#include "net/live_view.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "net/net_state.hpp"
#include "net/netlink/socket.hpp"
#include "net/shared_bpf.hpp"

namespace vs::net {

Result<std::vector<IpAddress>> live_addresses(const std::string& run_dir) {
    auto st = VS_TRY(load_net_state(run_dir));
    if (!st.init.alive()) return make_error(ESRCH, "no running guest in \"{}\"", run_dir);
    if (!st.netns) {
        if (!st.bpf) return std::vector<IpAddress>{};
        return shared_bpf::allowed(st.cgroup2);
    }
    auto ns = VS_TRY(open_netns(st.init.pid));
    auto sock = VS_TRY(netlink::Socket::open_in(ns.get()));
    std::vector<IpAddress> out;
    for (const auto& a : VS_TRY(sock.addrs())) {
        const auto& ip = a.addr.addr;
        bool loopback = ip.is_v4() ? ip.bytes[0] == 127
                                   : ip == IpAddress{AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
        bool link_local = ip.is_v6() && ip.bytes[0] == 0xfe && (ip.bytes[1] & 0xc0) == 0x80;
        if (!loopback && !link_local) out.push_back(ip);
    }
    return out;
}

}  // namespace vs::net
