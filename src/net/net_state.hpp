// NetState: what setup created for one guest, kept in <run dir>/net.state so that stop and
// `vserver NAME ip` find it without any process staying behind.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "net/address.hpp"
#include "net/process_ref.hpp"

namespace vs::net {

struct NetState {
    ProcessRef init;  ///< the guest's init (its netns) at setup
    bool netns = true;
    std::string cgroup2;  ///< shared mode: where the BPF programs are
    bool bpf = false;
    std::vector<std::string> host_links;  ///< veth host ends
    struct HostAddr {
        std::string dev;
        IpPrefix addr;
    };
    std::vector<HostAddr> host_addrs;  ///< shared mode aliases on host devices
    struct HostRoute {
        std::string dev;
        IpPrefix dst;
    };
    std::vector<HostRoute> host_routes;  ///< routed veth: host routes to the guest

    std::string serialize() const;
    static Result<NetState> parse(const std::string& text);
};

std::string net_state_path(const std::string& run_dir);
/// nullopt-like: a NetState with init.pid == -1 when the file does not exist.
Result<NetState> load_net_state(const std::string& run_dir);
Status save_net_state(const std::string& run_dir, const NetState& st);
Status remove_net_state(const std::string& run_dir);

}  // namespace vs::net
