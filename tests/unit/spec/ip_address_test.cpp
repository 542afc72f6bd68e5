// IP, prefix, netmask and MAC parsing.
#include "spec/ip_address.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace vs::spec {
namespace {

TEST(IpAddress, ParsesBothFamilies) {
    auto a = parse_host_ip("10.1.2.3");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->family, AF_INET);
    EXPECT_EQ(a->str(), "10.1.2.3");
    auto b = parse_host_ip(" 2001:0DB8:0::1\n");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->family, AF_INET6);
    EXPECT_EQ(b->str(), "2001:db8::1");
}

TEST(IpAddress, RefusesBadAddresses) {
    for (const char* bad :
         {"300.1.1.1", "1.2.3", "1.2.3.4.5", "::g", "", "0.0.0.0", "::", "224.0.0.1",
          "239.255.255.255", "255.255.255.255", "ff02::1", "1.2.3.4/24", "abc", "01.2.3.4"}) {
        auto r = parse_host_ip(bad);
        EXPECT_FALSE(r) << bad;
        if (!r && *bad) {
            EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
        }
    }
}

TEST(IpAddress, Prefixes) {
    EXPECT_EQ(*parse_prefix("24", AF_INET), 24);
    EXPECT_FALSE(parse_prefix("33", AF_INET));
    EXPECT_FALSE(parse_prefix("0", AF_INET));
    EXPECT_FALSE(parse_prefix("-1", AF_INET));
    EXPECT_FALSE(parse_prefix("+8", AF_INET));
    EXPECT_EQ(*parse_prefix("64", AF_INET6), 64);
    EXPECT_FALSE(parse_prefix("129", AF_INET6));
    auto r = parse_prefix("33", AF_INET);
    EXPECT_NE(r.error().message.find("33"), std::string::npos);
}

TEST(IpAddress, Masks) {
    EXPECT_EQ(*mask_to_prefix("255.255.255.0"), 24);
    EXPECT_EQ(*mask_to_prefix("255.255.255.255"), 32);
    EXPECT_EQ(*mask_to_prefix("255.128.0.0"), 9);
    EXPECT_EQ(*mask_to_prefix("ffff:ffff:ffff:ffff::"), 64);
    EXPECT_FALSE(mask_to_prefix("255.0.255.0"));
    EXPECT_FALSE(mask_to_prefix("0.0.0.0"));
    EXPECT_FALSE(mask_to_prefix("255.255.255"));
    EXPECT_EQ(*parse_prefix_or_mask("255.255.0.0", AF_INET), 16);
    EXPECT_EQ(*parse_prefix_or_mask("16", AF_INET), 16);
    EXPECT_EQ(prefix_to_v4_mask(24), "255.255.255.0");
    EXPECT_EQ(prefix_to_v4_mask(9), "255.128.0.0");
}

TEST(IpAddress, Cidr) {
    auto c = parse_cidr("192.0.2.1/24");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->prefix, 24);
    EXPECT_EQ(parse_cidr("192.0.2.1")->prefix, -1);
    EXPECT_EQ(parse_cidr("192.0.2.1/255.255.255.192")->prefix, 26);
    EXPECT_FALSE(parse_cidr("192.0.2.1/33"));
    EXPECT_FALSE(parse_cidr("2001:db8::1/129"));
}

TEST(IpAddress, MacAndIfname) {
    EXPECT_EQ(*parse_mac("AA:bb:0c:DD:ee:01"), "aa:bb:0c:dd:ee:01");
    EXPECT_FALSE(parse_mac("aa:bb:cc:dd:ee"));
    EXPECT_FALSE(parse_mac("aa:bb:cc:dd:ee:gg"));
    EXPECT_TRUE(validate_ifname("eth0"));
    EXPECT_TRUE(validate_ifname("br-lan.42"));
    EXPECT_FALSE(validate_ifname("a/b"));
    EXPECT_FALSE(validate_ifname("0123456789abcdef"));
    EXPECT_FALSE(validate_ifname(""));
    EXPECT_FALSE(validate_ifname("eth0:1"));
}

}  // namespace
}  // namespace vs::spec
