// IP addresses as the network layer sees them: parse/print IPv4 and IPv6, masks and prefixes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace vs::net {

struct IpAddress {
    int family = 0;                   ///< AF_INET or AF_INET6; 0 = unset
    std::array<uint8_t, 16> bytes{};  ///< network order; IPv4 uses the first 4

    bool is_v4() const;
    bool is_v6() const;
    size_t size() const { return is_v4() ? 4 : 16; }
    const uint8_t* data() const { return bytes.data(); }
    std::string to_string() const;
    bool operator==(const IpAddress& o) const = default;
    auto operator<=>(const IpAddress& o) const = default;
};

/// An address with its prefix length, as configured on an interface.
struct IpPrefix {
    IpAddress addr;
    int prefix = 0;
    std::string to_string() const;  ///< "192.0.2.1/24"
    bool operator==(const IpPrefix& o) const = default;
};

/// Parses "192.0.2.1" or "2001:db8::1" (no prefix). The error quotes the text.
Result<IpAddress> parse_ip(std::string_view text);
/// Parses "a.b.c.d/NN", "a::b/NN" or a bare address (family's host prefix).
Result<IpPrefix> parse_prefix(std::string_view text);
/// A netmask ("255.255.255.0") or a decimal prefix ("24") to a prefix length for `family`.
Result<int> parse_mask_or_prefix(std::string_view text, int family);
/// 32 or 128.
int max_prefix(int family);
/// The prefix an interface gets when none is configured anywhere: /24 for IPv4, /64 for IPv6,
/// so guests on one test LAN reach each other without extra routes (docs/network.md).
int default_prefix(int family);

}  // namespace vs::net
