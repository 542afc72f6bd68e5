// netlink::Message: buffer ownership and the nlmsghdr every request starts with.
#include "net/netlink/message.hpp"

namespace vs::net::netlink {

// 4 KiB holds the largest request we build (a veth pair with a nested peer: ~200 bytes) with a
// wide margin; libmnl's put functions do not bounds-check.
Message::Message(uint16_t type, uint16_t flags) : buf_(4096, 0) {
    nlmsghdr* h = mnl_nlmsg_put_header(buf_.data());
    h->nlmsg_type = type;
    h->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
}

}  // namespace vs::net::netlink
