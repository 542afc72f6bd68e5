// Init style names: every style round-trips, util-vserver's other styles are refused by name.
#include "spec/init_style.hpp"

#include <gtest/gtest.h>

namespace vs::spec {
namespace {

TEST(InitStyle, NamesRoundTrip) {
    for (auto s : {InitStyle::Plain, InitStyle::Sysv, InitStyle::Systemd, InitStyle::Reaper}) {
        auto back = init_style_from_name(init_style_name(s));
        ASSERT_TRUE(back) << back.error().message;
        EXPECT_EQ(*back, s);
    }
    EXPECT_STREQ(init_style_name(InitStyle::Sysv), "sysv");
    // The value syntax the config key documents names exactly the styles' names.
    std::string names;
    for (auto s : {InitStyle::Plain, InitStyle::Sysv, InitStyle::Systemd, InitStyle::Reaper})
        names += std::string(names.empty() ? "" : "|") + init_style_name(s);
    EXPECT_EQ(names, kInitStyleSyntax);
    EXPECT_EQ(*init_style_from_name("none"), InitStyle::Reaper);
}

TEST(InitStyle, RefusedNamesSayWhy) {
    auto minit = init_style_from_name("minit");
    ASSERT_FALSE(minit);
    EXPECT_NE(minit.error().message.find("\"minit\" is not supported"), std::string::npos)
        << minit.error().message;
    auto typo = init_style_from_name("sysvinit");
    ASSERT_FALSE(typo);
    EXPECT_NE(typo.error().message.find("unknown init style \"sysvinit\""), std::string::npos)
        << typo.error().message;
    EXPECT_FALSE(init_style_from_name("SYSV")) << "callers lower-case what they read";
}

}  // namespace
}  // namespace vs::spec
