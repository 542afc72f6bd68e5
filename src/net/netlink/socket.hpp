// netlink::Socket: an owned NETLINK_ROUTE socket bound to one network namespace; libnl-3 walks
// the replies.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
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
    Socket(UniqueFd fd, uint32_t portid) : fd_(std::move(fd)), portid_(portid) {}
    static Result<Socket> open_bound();
    /// Sends `m` (numbered with the next sequence number) and reads replies until the kernel's
    /// NLMSG_DONE or ack, calling `cb` (when set) for every other message of this request.
    Status exchange(Message& m, const std::string& what,
                    const std::function<Status(const nlmsghdr*)>* cb);
    UniqueFd fd_;
    uint32_t portid_ = 0;  ///< the port the kernel assigned at bind
    uint32_t seq_ = 1;
};

}  // namespace vs::net::netlink
