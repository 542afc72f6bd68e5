// netlink::Message: one rtnetlink request built in an owned buffer with libmnl (no socket here,
// so unit tests can compare the bytes).
#pragma once

#include <libmnl/libmnl.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vs::net::netlink {

class Message {
public:
    /// Starts a message of `type` (RTM_*) with NLM_F_REQUEST | `flags`.
    Message(uint16_t type, uint16_t flags);
    Message(const Message&) = delete;
    Message& operator=(const Message&) = delete;
    Message(Message&&) = default;
    Message& operator=(Message&&) = default;

    nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }
    const nlmsghdr* header() const { return reinterpret_cast<const nlmsghdr*>(buf_.data()); }
    /// The family header (ifinfomsg, ifaddrmsg, rtmsg) right after nlmsghdr, zeroed.
    template <typename T>
    T* extra() {
        return static_cast<T*>(mnl_nlmsg_put_extra_header(header(), sizeof(T)));
    }

    void put_u8(uint16_t type, uint8_t v) { mnl_attr_put_u8(header(), type, v); }
    void put_u16(uint16_t type, uint16_t v) { mnl_attr_put_u16(header(), type, v); }
    void put_u32(uint16_t type, uint32_t v) { mnl_attr_put_u32(header(), type, v); }
    void put_str(uint16_t type, const std::string& v) { mnl_attr_put_strz(header(), type, v.c_str()); }
    void put_bytes(uint16_t type, const void* p, size_t n) {
        mnl_attr_put(header(), type, n, p);
    }
    nlattr* nest_start(uint16_t type) { return mnl_attr_nest_start(header(), type); }
    void nest_end(nlattr* n) { mnl_attr_nest_end(header(), n); }

    /// The bytes that go on the wire (nlmsg_len long).
    std::span<const uint8_t> bytes() const { return {buf_.data(), header()->nlmsg_len}; }

private:
    std::vector<uint8_t> buf_;
};

}  // namespace vs::net::netlink
