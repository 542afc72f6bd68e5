// IP address, prefix and netmask parsing for interfaces/ (IPv4 and IPv6), without syscalls.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace vs::spec {

struct IpAddress {
    int family = 0;                   ///< AF_INET or AF_INET6
    std::array<uint8_t, 16> bytes{};  ///< network order; IPv4 uses the first 4
    size_t size() const { return family == 10 /*AF_INET6*/ ? 16 : 4; }
    int max_prefix() const { return family == 10 ? 128 : 32; }
    bool is_v6() const { return family == 10; }
    /// Canonical text (inet_ntop form): "10.0.0.1", "2001:db8::1".
    std::string str() const;
    bool operator==(const IpAddress& o) const { return family == o.family && bytes == o.bytes; }
};

/// Any syntactically valid IPv4 (dotted quad, exactly four parts) or IPv6 address.
Result<IpAddress> parse_ip(std::string_view text);

/// An address a guest may hold: parse_ip plus refusing the unspecified address (0.0.0.0, ::),
/// multicast (224.0.0.0/4, ff00::/8) and the IPv4 limited broadcast 255.255.255.255.
Result<IpAddress> parse_host_ip(std::string_view text);

/// A prefix length for `family` (AF_INET 1..32, AF_INET6 1..128), decimal only.
Result<int> parse_prefix(std::string_view text, int family);

/// A netmask ("255.255.255.0", or an IPv6 mask) with contiguous leading ones -> its prefix.
Result<int> mask_to_prefix(std::string_view text);

/// Either form: a prefix length or a netmask (the util-vserver `mask` files accept both).
Result<int> parse_prefix_or_mask(std::string_view text, int family);

/// The dotted IPv4 netmask for a prefix (24 -> "255.255.255.0").
std::string prefix_to_v4_mask(int prefix);

/// "ip/prefix" or "ip" (prefix -1); the address is checked with parse_host_ip.
struct Cidr {
    IpAddress ip;
    int prefix = -1;
};
Result<Cidr> parse_cidr(std::string_view text);

/// A MAC address "aa:bb:cc:dd:ee:ff" (hex, case-insensitive); returns it lower-case.
Result<std::string> parse_mac(std::string_view text);

/// A Linux interface name: 1..15 bytes, no '/', ':', whitespace, not "." or "..".
Status validate_ifname(std::string_view name);

}  // namespace vs::spec
