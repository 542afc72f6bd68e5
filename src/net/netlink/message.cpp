// netlink::Message: the nl_msg every request is built in, and attribute puts that never fail.
#include "net/netlink/message.hpp"

#include <cstdlib>

#include "base/log.hpp"

namespace vs::net::netlink {

namespace {
// A page holds the largest request we build (a veth pair with a nested peer: ~200 bytes) with
// a wide margin. Running out of it is a bug in a builder, not a runtime condition: the
// builders return a Message, not a Result, so it aborts loudly instead of sending a
// truncated request.
constexpr size_t kMsgSize = 4096;

[[noreturn]] void overflow(const char* what, int type) {
    log::error("netlink: request buffer full adding {} {}", what, type);
    std::abort();
}
}  // namespace

Message::Message(uint16_t type, uint16_t flags) : msg_(nlmsg_alloc_size(kMsgSize)) {
    if (!msg_) {
        log::error("netlink: out of memory allocating a request");
        std::abort();
    }
    nlmsghdr* h = header();
    h->nlmsg_type = type;
    h->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
}

void* Message::reserve(size_t n) {
    void* p = nlmsg_reserve(msg_.get(), n, NLMSG_ALIGNTO);
    if (!p) overflow("family header of size", static_cast<int>(n));
    return p;
}

void Message::put_bytes(uint16_t type, const void* p, size_t n) {
    if (nla_put(msg_.get(), type, static_cast<int>(n), p) < 0) overflow("attribute", type);
}

nlattr* Message::nest_start(uint16_t type) {
    nlattr* n = nla_nest_start(msg_.get(), type);
    if (!n) overflow("nest", type);
    // The kernel's strict validation (and iproute2) mark nests with NLA_F_NESTED.
    n->nla_type |= NLA_F_NESTED;
    return n;
}

void Message::nest_end(nlattr* n) {
    // keep_empty: plain nla_nest_end drops an empty nest, which would change what we send.
    if (nla_nest_end_keep_empty(msg_.get(), n) < 0) overflow("nest end", n->nla_type);
}

}  // namespace vs::net::netlink
