// IP address, prefix and netmask parsing (inet_pton/ntop are pure libc conversions, no syscalls).
#include "spec/ip_address.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <cerrno>

#include "base/strings.hpp"

namespace vs::spec {

static_assert(AF_INET6 == 10, "IpAddress hard-codes AF_INET6");

std::string IpAddress::str() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (!inet_ntop(family, bytes.data(), buf, sizeof buf)) return "?";
    return buf;
}

Result<IpAddress> parse_ip(std::string_view text) {
    std::string t(str::trim(text));
    IpAddress a;
    // inet_pton reads up to the first NUL: "10.0.0.1\0junk" must not pass as 10.0.0.1.
    if (t.find('\0') != std::string::npos)
        return make_error(EINVAL, "invalid IP address \"{}\": contains a NUL byte",
                          t.substr(0, t.find('\0')));
    // inet_pton(AF_INET) only takes the strict dotted quad: "1.2.3", "01.2.3.4" and "300.1.1.1"
    // all fail, unlike inet_aton which would read "1.2.3" as 1.2.0.3.
    if (t.find(':') == std::string::npos) {
        if (inet_pton(AF_INET, t.c_str(), a.bytes.data()) == 1) {
            a.family = AF_INET;
            return a;
        }
    } else if (inet_pton(AF_INET6, t.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET6;
        return a;
    }
    return make_error(EINVAL, "invalid IP address {}", str::quote(t));
}

Result<IpAddress> parse_host_ip(std::string_view text) {
    auto a = VS_TRY(parse_ip(text));
    std::string t(str::trim(text));
    bool zero = true;
    for (size_t i = 0; i < a.size(); ++i) zero = zero && a.bytes[i] == 0;
    if (zero)
        return make_error(EINVAL, "unspecified address {} cannot be a guest address",
                          str::quote(t));
    if (a.family == AF_INET) {
        if ((a.bytes[0] & 0xf0) == 0xe0)
            return make_error(EINVAL, "multicast address {} cannot be a guest address",
                              str::quote(t));
        if (a.bytes[0] == 255 && a.bytes[1] == 255 && a.bytes[2] == 255 && a.bytes[3] == 255)
            return make_error(EINVAL, "broadcast address {} cannot be a guest address",
                              str::quote(t));
    } else if (a.bytes[0] == 0xff) {
        return make_error(EINVAL, "multicast address {} cannot be a guest address", str::quote(t));
    }
    return a;
}

Result<int> parse_prefix(std::string_view text, int family) {
    auto t = str::trim(text);
    int max = family == AF_INET6 ? 128 : 32;
    auto v = str::parse_u64(t);
    if (!v || t.front() == '+' || *v < 1 || *v > static_cast<uint64_t>(max))
        return make_error(EINVAL, "invalid prefix length {} (1..{} for {})", str::quote(t), max,
                          family == AF_INET6 ? "IPv6" : "IPv4");
    return static_cast<int>(*v);
}

Result<int> mask_to_prefix(std::string_view text) {
    auto t = str::trim(text);
    auto a = parse_ip(t);
    if (!a) return make_error(EINVAL, "invalid netmask {}", str::quote(t));
    int prefix = 0;
    bool seen_zero = false;
    for (size_t i = 0; i < a->size(); ++i) {
        for (int b = 7; b >= 0; --b) {
            bool one = (a->bytes[i] >> b) & 1;
            if (one && seen_zero)
                return make_error(EINVAL, "non-contiguous netmask {}", str::quote(t));
            if (one)
                ++prefix;
            else
                seen_zero = true;
        }
    }
    if (prefix == 0) return make_error(EINVAL, "empty netmask {}", str::quote(t));
    return prefix;
}

Result<int> parse_prefix_or_mask(std::string_view text, int family) {
    auto t = str::trim(text);
    if (t.find_first_of(".:") != std::string_view::npos) return mask_to_prefix(t);
    return parse_prefix(t, family);
}

std::string prefix_to_v4_mask(int prefix) {
    uint32_t m = prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
    return fmt::format("{}.{}.{}.{}", m >> 24, (m >> 16) & 255, (m >> 8) & 255, m & 255);
}

Result<Cidr> parse_cidr(std::string_view text) {
    auto t = str::trim(text);
    Cidr c;
    auto slash = t.find('/');
    c.ip = VS_TRY(parse_host_ip(t.substr(0, slash)));
    if (slash != std::string_view::npos)
        c.prefix = VS_TRY(parse_prefix_or_mask(t.substr(slash + 1), c.ip.family));
    return c;
}

Result<std::string> parse_mac(std::string_view text) {
    auto t = str::trim(text);
    auto parts = str::split(t, ':', false);
    bool good = parts.size() == 6;
    for (auto& p : parts)
        good = good && p.size() == 2 && std::isxdigit(static_cast<unsigned char>(p[0])) &&
               std::isxdigit(static_cast<unsigned char>(p[1]));
    if (!good) return make_error(EINVAL, "invalid MAC address {}", str::quote(t));
    return str::lower(t);
}

Status validate_ifname(std::string_view name) {
    // IFNAMSIZ is 16 including the NUL; dev_valid_name() also refuses '/', ':' and whitespace.
    bool good = !name.empty() && name.size() <= 15 && name != "." && name != "..";
    for (char c : name)
        good =
            good && c != '/' && c != ':' && !std::isspace(static_cast<unsigned char>(c)) && c != 0;
    if (!good) return make_error(EINVAL, "invalid interface name {}", str::quote(name));
    return ok();
}

}  // namespace vs::spec
