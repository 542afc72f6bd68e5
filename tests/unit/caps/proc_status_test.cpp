// Unit tests for caps::parse_status and format_mask.
#include <gtest/gtest.h>

#include "caps/apply.hpp"

namespace vs {
namespace {

constexpr const char* kStatus =
    "Name:\tcat\nUmask:\t0022\nState:\tR (running)\nUid:\t0\t0\t0\t0\n"
    "CapInh:\t0000000000000000\nCapPrm:\t00000000a80c25ff\nCapEff:\t00000000a80c25ff\n"
    "CapBnd:\t00000000a80c25ff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\n"
    "Seccomp:\t2\nSeccomp_filters:\t1\n";

TEST(CapsProcStatus, ParsesEveryCapLine) {
    auto s = caps::parse_status(kStatus);
    ASSERT_TRUE(s) << s.error().what();
    EXPECT_EQ(s->inheritable, 0u);
    EXPECT_EQ(s->permitted, 0xa80c25ffu);
    EXPECT_EQ(s->effective, 0xa80c25ffu);
    EXPECT_EQ(s->bounding, 0xa80c25ffu);
    EXPECT_EQ(s->ambient, 0u);
    EXPECT_TRUE(s->no_new_privs);
    EXPECT_EQ(s->seccomp, 2);
}

TEST(CapsProcStatus, MissingOrBadLineIsAnError) {
    auto s = caps::parse_status("CapInh:\t0\nCapPrm:\t0\nCapEff:\t0\nCapAmb:\t0\n");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, EINVAL);
    EXPECT_NE(s.error().message.find("CapBnd"), std::string::npos);
    auto bad = caps::parse_status("CapInh:\tzz\nCapPrm:\t0\nCapEff:\t0\nCapBnd:\t0\nCapAmb:\t0\n");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("CapInh:\tzz"), std::string::npos);
}

TEST(CapsProcStatus, FormatsLikeTheKernel) {
    EXPECT_EQ(caps::format_mask(0x1fffeffffffULL), "000001fffeffffff");
    EXPECT_EQ(caps::format_mask(0), "0000000000000000");
}

TEST(CapsProcStatus, ReadsSelf) {
    auto s = caps::read_status();
    ASSERT_TRUE(s) << s.error().what();
    auto mask = caps::kernel_mask();
    ASSERT_TRUE(mask) << mask.error().what();
    EXPECT_EQ(s->bounding & ~*mask, 0u);  // no bit above cap_last_cap
}

}  // namespace
}  // namespace vs
