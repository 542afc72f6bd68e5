// netlink::Socket: an owned NETLINK_ROUTE socket (libmnl) bound to one network namespace.
#pragma once

#include <libmnl/libmnl.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "net/netlink/message.hpp"
#include "net/netlink/rtnl.hpp"

namespace vs::net::netlink {

class Socket {
public:
    /// A socket in the calling thread's network namespace.
    static Result<Socket> open();
    /// A socket in the namespace `netns_fd` refers to. A netlink socket stays in the namespace
    /// it was created in (netlink(7)), so a short-lived thread setns()es, opens it and exits:
    /// the caller's own namespace is never switched.
    static Result<Socket> open_in(int netns_fd);

    /// Sends `m` with NLM_F_ACK and waits for the kernel's answer; `what` names the operation
    /// in the error ("create veth vs1a2b.0").
    Status request(Message& m, const std::string& what);
    /// Sends a dump request and calls `cb` for every message of the reply.
    Status dump(Message& m, const std::string& what,
                const std::function<Status(const nlmsghdr*)>& cb);

    Result<std::vector<LinkInfo>> links();
    Result<std::vector<AddrInfo>> addrs(int family = 0);
    /// The link called `name`, or an ENODEV error naming it.
    Result<LinkInfo> link_by_name(const std::string& name);

private:
    struct Close {
        void operator()(mnl_socket* s) const { mnl_socket_close(s); }
    };
    explicit Socket(mnl_socket* s) : s_(s) {}
    std::unique_ptr<mnl_socket, Close> s_;
    uint32_t seq_ = 1;
};

}  // namespace vs::net::netlink
