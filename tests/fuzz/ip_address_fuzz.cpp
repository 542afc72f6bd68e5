// Fuzz target: addresses, prefixes, netmasks, MACs and interface names (spec/ip_address.cpp).
// Whatever is accepted is what the text says: no byte after a NUL is ignored, the canonical
// form parses back to the same address, and prefixes stay within the family's range.
#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "spec/ip_address.hpp"

using namespace vs::spec;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    const bool has_nul = text.find('\0') != std::string_view::npos;

    if (auto a = parse_ip(text)) {
        FUZZ_CHECK(!has_nul, "accepted \"{}\" with a NUL byte as {}", text, a->str());
        auto again = parse_ip(a->str());
        FUZZ_CHECK(again && *again == *a, "{} does not parse back", a->str());
    }
    if (auto c = parse_cidr(text)) {
        FUZZ_CHECK(!has_nul, "accepted \"{}\" with a NUL byte", text);
        FUZZ_CHECK(c->prefix == -1 || (c->prefix >= 1 && c->prefix <= c->ip.max_prefix()),
                   "prefix {} for {}", c->prefix, c->ip.str());
    }
    for (int family : {AF_INET, AF_INET6}) {
        if (auto p = parse_prefix_or_mask(text, family)) {
            FUZZ_CHECK(!has_nul, "accepted \"{}\" with a NUL byte", text);
            FUZZ_CHECK(*p >= 1 && *p <= 128, "prefix {}", *p);
        }
    }
    if (auto p = mask_to_prefix(text); p && *p <= 32) {
        auto back = mask_to_prefix(prefix_to_v4_mask(*p));
        FUZZ_CHECK(back && *back == *p, "{} -> {} -> {}", *p, prefix_to_v4_mask(*p),
                   back ? *back : -1);
    }
    if (auto m = parse_mac(text)) {
        FUZZ_CHECK(m->size() == 17 && !has_nul, "MAC \"{}\" from \"{}\"", *m, text);
        FUZZ_CHECK(parse_mac(*m).has_value(), "MAC \"{}\" does not parse back", *m);
    }
    if (validate_ifname(text))
        FUZZ_CHECK(!text.empty() && text.size() <= 15 && !has_nul, "interface name \"{}\"", text);
    return 0;
}
