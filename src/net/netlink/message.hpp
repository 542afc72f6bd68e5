// netlink::Message: one rtnetlink request built in an owned libnl-3 nl_msg (no socket here, so
// unit tests can compare the bytes).
#pragma once

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>

namespace vs::net::netlink {

class Message {
public:
    /// Starts a message of `type` (RTM_*) with NLM_F_REQUEST | `flags`.
    Message(uint16_t type, uint16_t flags);
    Message(const Message&) = delete;
    Message& operator=(const Message&) = delete;
    Message(Message&&) = default;
    Message& operator=(Message&&) = default;

    nlmsghdr* header() { return nlmsg_hdr(msg_.get()); }
    const nlmsghdr* header() const { return nlmsg_hdr(msg_.get()); }
    /// The family header (ifinfomsg, ifaddrmsg, rtmsg) at the message's tail, zeroed. Also
    /// used inside a nest (VETH_INFO_PEER carries a whole ifinfomsg).
    template <typename T>
    T* extra() {
        void* p = reserve(sizeof(T));
        std::memset(p, 0, sizeof(T));
        return static_cast<T*>(p);
    }

    void put_u8(uint16_t type, uint8_t v) { put_bytes(type, &v, sizeof v); }
    void put_u16(uint16_t type, uint16_t v) { put_bytes(type, &v, sizeof v); }
    void put_u32(uint16_t type, uint32_t v) { put_bytes(type, &v, sizeof v); }
    /// NUL included: the kernel takes IFLA_IFNAME, IFLA_INFO_KIND and IFA_LABEL as C strings.
    void put_str(uint16_t type, const std::string& v) { put_bytes(type, v.c_str(), v.size() + 1); }
    void put_bytes(uint16_t type, const void* p, size_t n);
    nlattr* nest_start(uint16_t type);
    void nest_end(nlattr* n);

    /// The bytes that go on the wire (nlmsg_len long).
    std::span<const uint8_t> bytes() const {
        return {reinterpret_cast<const uint8_t*>(header()), header()->nlmsg_len};
    }

private:
    void* reserve(size_t n);
    struct Free {
        void operator()(nl_msg* m) const { nlmsg_free(m); }
    };
    std::unique_ptr<nl_msg, Free> msg_;
};

}  // namespace vs::net::netlink
