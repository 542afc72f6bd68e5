// Value syntax: limits, sizes, booleans, fstab, personality.
#include "config/vserver/values.hpp"

#include <gtest/gtest.h>
#include <sys/personality.h>

#include "config/vserver/fstab.hpp"
#include "config/vserver/personality.hpp"

namespace vs::config::vserver {
namespace {

TEST(Values, Limits) {
    EXPECT_EQ(*parse_limit("100\n"), 100u);
    EXPECT_EQ(*parse_limit("4K"), 4096u);
    EXPECT_EQ(*parse_limit("4k"), 4000u);
    EXPECT_EQ(*parse_limit("2M"), 2u << 20);
    EXPECT_EQ(*parse_limit("3g"), 3'000'000'000u);
    EXPECT_EQ(*parse_limit("1G"), 1u << 30);
    EXPECT_EQ(*parse_limit("inf"), UINT64_MAX);
    EXPECT_EQ(*parse_limit("-1"), UINT64_MAX);
    EXPECT_FALSE(parse_limit("x"));
    EXPECT_FALSE(parse_limit("K"));
    EXPECT_FALSE(parse_limit("-2"));
    EXPECT_FALSE(parse_limit("99999999999999999999"));
    EXPECT_EQ(format_limit(UINT64_MAX), "inf");
}

TEST(Values, Sizes) {
    EXPECT_EQ(*parse_bytes_or_max("512M"), 512LL << 20);
    EXPECT_EQ(*parse_bytes_or_max("1g"), 1LL << 30);
    EXPECT_EQ(*parse_bytes_or_max("2t"), 2LL << 40);
    EXPECT_EQ(*parse_bytes_or_max("8388607T"), 8388607LL << 40);
    EXPECT_FALSE(parse_bytes_or_max("8388608T"));
    EXPECT_EQ(*parse_bytes_or_max("max"), -1);
    EXPECT_FALSE(parse_bytes_or_max("0"));
    EXPECT_EQ(*parse_bytes_or_max("0", true), 0);
    EXPECT_FALSE(parse_bytes_or_max("1.5G"));
}

TEST(Values, Booleans) {
    EXPECT_TRUE(*parse_bool(""));
    EXPECT_TRUE(*parse_bool("yes\n"));
    EXPECT_FALSE(*parse_bool("0"));
    EXPECT_FALSE(parse_bool("perhaps"));
}

TEST(Fstab, ParsesEscapesAndRoundTrips) {
    auto r = parse_fstab(
        "# c\nnone /proc proc defaults 0 0\n/a\\040b /mnt/x\\040y none bind\nnone /t tmpfs\n");
    ASSERT_TRUE(r) << r.error().what();
    ASSERT_EQ(r->size(), 3u);
    EXPECT_EQ((*r)[1].source, "/a b");
    EXPECT_EQ((*r)[1].target, "/mnt/x y");
    EXPECT_EQ((*r)[2].options, "defaults");
    auto again = parse_fstab(format_fstab(*r));
    ASSERT_TRUE(again);
    EXPECT_EQ((*again)[1].target, "/mnt/x y");
    EXPECT_FALSE(parse_fstab("onlyone\n"));
    EXPECT_FALSE(parse_fstab("none rel proc defaults\n"));
    EXPECT_EQ(builtin_default_fstab().size(), 3u);
}

TEST(Personality, NamesAndRefusals) {
    EXPECT_EQ(*parse_personality("LINUX"), static_cast<uint32_t>(PER_LINUX));
    EXPECT_EQ(*parse_personality("per_linux32 uname26"),
              static_cast<uint32_t>(PER_LINUX32) | static_cast<uint32_t>(UNAME26));
    EXPECT_FALSE(parse_personality("BSD"));
    EXPECT_FALSE(parse_personality("LINUX\nMMAP_PAGE_ZERO"));
    EXPECT_FALSE(parse_personality("LINUX\nFROB"));
    for (uint32_t v :
         {static_cast<uint32_t>(PER_LINUX), static_cast<uint32_t>(PER_LINUX32),
          static_cast<uint32_t>(PER_LINUX_32BIT), static_cast<uint32_t>(PER_LINUX32_3GB),
          static_cast<uint32_t>(PER_LINUX) | static_cast<uint32_t>(ADDR_NO_RANDOMIZE)})
        EXPECT_EQ(*parse_personality(format_personality(v)), v) << format_personality(v);
}

}  // namespace
}  // namespace vs::config::vserver
