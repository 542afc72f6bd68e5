// IP address parsing and printing (inet_pton/inet_ntop), masks and prefix lengths.
#include "net/address.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>

namespace vs::net {

bool IpAddress::is_v4() const { return family == AF_INET; }
bool IpAddress::is_v6() const { return family == AF_INET6; }

std::string IpAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (family != AF_INET && family != AF_INET6) return "<none>";
    ::inet_ntop(family, bytes.data(), buf, sizeof buf);
    return buf;
}

std::string IpPrefix::to_string() const { return fmt::format("{}/{}", addr.to_string(), prefix); }

Result<IpAddress> parse_ip(std::string_view text) {
    IpAddress a;
    std::string s(text);
    if (s.find(':') != std::string::npos) {
        if (::inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
            a.family = AF_INET6;
            return a;
        }
    } else if (::inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET;
        return a;
    }
    return make_error(EINVAL, "invalid IP address \"{}\"", text);
}

int max_prefix(int family) { return family == AF_INET6 ? 128 : 32; }
int default_prefix(int family) { return family == AF_INET6 ? 64 : 24; }

static Result<int> parse_decimal(std::string_view text, int max) {
    int v = -1;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || v < 0 || v > max)
        return make_error(EINVAL, "invalid prefix length \"{}\" (0..{})", text, max);
    return v;
}

Result<int> parse_mask_or_prefix(std::string_view text, int family) {
    if (text.find_first_of(".:") == std::string_view::npos)
        return parse_decimal(text, max_prefix(family));
    auto m = VS_TRY(parse_ip(text));
    if (m.family != family)
        return make_error(EINVAL, "netmask \"{}\" does not match the address family", text);
    // A mask must be contiguous ones then zeros: count ones, then require the rest to be zero.
    int bits = 0;
    bool zero_seen = false;
    for (size_t i = 0; i < m.size(); ++i) {
        for (int b = 7; b >= 0; --b) {
            bool one = (m.bytes[i] >> b) & 1;
            if (one && zero_seen)
                return make_error(EINVAL, "netmask \"{}\" is not contiguous", text);
            if (one)
                ++bits;
            else
                zero_seen = true;
        }
    }
    return bits;
}

Result<IpPrefix> parse_prefix(std::string_view text) {
    auto slash = text.find('/');
    IpPrefix p;
    p.addr = VS_TRY(parse_ip(text.substr(0, slash)));
    if (slash == std::string_view::npos) {
        p.prefix = max_prefix(p.addr.family);
    } else {
        p.prefix = VS_TRY(parse_mask_or_prefix(text.substr(slash + 1), p.addr.family));
    }
    return p;
}

}  // namespace vs::net
