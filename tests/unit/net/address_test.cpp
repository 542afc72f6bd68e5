// IP address, mask and prefix parsing of the network layer.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "net/address.hpp"

namespace {

using namespace vs::net;

TEST(Address, ParsesBothFamilies) {
    auto a = parse_ip("192.0.2.1");
    ASSERT_TRUE(a);
    EXPECT_TRUE(a->is_v4());
    EXPECT_EQ(a->to_string(), "192.0.2.1");
    auto b = parse_ip("2001:DB8::1");
    ASSERT_TRUE(b);
    EXPECT_TRUE(b->is_v6());
    EXPECT_EQ(b->to_string(), "2001:db8::1");
    EXPECT_FALSE(parse_ip("192.0.2"));
    EXPECT_FALSE(parse_ip("192.0.2.1 "));
    EXPECT_FALSE(parse_ip(""));
    EXPECT_NE(parse_ip("nonsense").error().message.find("\"nonsense\""), std::string::npos);
}

TEST(Address, MasksAndPrefixes) {
    EXPECT_EQ(*parse_mask_or_prefix("255.255.255.0", AF_INET), 24);
    EXPECT_EQ(*parse_mask_or_prefix("255.255.255.255", AF_INET), 32);
    EXPECT_EQ(*parse_mask_or_prefix("0.0.0.0", AF_INET), 0);
    EXPECT_EQ(*parse_mask_or_prefix("26", AF_INET), 26);
    EXPECT_EQ(*parse_mask_or_prefix("ffff:ffff:ffff:ffff::", AF_INET6), 64);
    EXPECT_FALSE(parse_mask_or_prefix("255.0.255.0", AF_INET));  // not contiguous
    EXPECT_FALSE(parse_mask_or_prefix("33", AF_INET));
    EXPECT_TRUE(parse_mask_or_prefix("128", AF_INET6));
    EXPECT_FALSE(parse_mask_or_prefix("129", AF_INET6));
    EXPECT_FALSE(parse_mask_or_prefix("255.255.0.0", AF_INET6));
    EXPECT_FALSE(parse_mask_or_prefix("2x", AF_INET));
}

TEST(Address, PrefixText) {
    auto p = parse_prefix("198.51.100.4/255.255.255.192");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->to_string(), "198.51.100.4/26");
    EXPECT_EQ(parse_prefix("2001:db8::2")->prefix, 128);
    EXPECT_EQ(parse_prefix("192.0.2.2")->prefix, 32);
}

}  // namespace
