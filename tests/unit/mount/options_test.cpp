// fstab option parsing.
#include "mount/options.hpp"

#include <gtest/gtest.h>

namespace vs::mount {
namespace {

TEST(MountOptions, AttributesAndParameters) {
    auto o = parse_options("defaults,ro,nosuid,nodev,noexec,size=16m,mode=1777,noatime");
    ASSERT_TRUE(o);
    EXPECT_EQ(o->attrs, kRdonly | kNosuid | kNodev | kNoexec | kNoatime);
    ASSERT_EQ(o->params.size(), 2u);
    EXPECT_EQ(o->params[0], std::make_pair(std::string("size"), std::string("16m")));
    EXPECT_EQ(o->params[1], std::make_pair(std::string("mode"), std::string("1777")));
    EXPECT_FALSE(o->bind);
}

TEST(MountOptions, LaterWordsWin) {
    auto o = parse_options("ro,rw,nosuid,suid");
    ASSERT_TRUE(o);
    EXPECT_EQ(o->attrs, 0u);
}

TEST(MountOptions, BindRbindNoauto) {
    auto b = parse_options("bind");
    EXPECT_TRUE(b->bind);
    EXPECT_FALSE(b->recursive);
    auto r = parse_options("rbind,ro");
    EXPECT_TRUE(r->bind);
    EXPECT_TRUE(r->recursive);
    EXPECT_TRUE(r->attrs & kRdonly);
    EXPECT_TRUE(parse_options("noauto")->noauto);
}

TEST(MountOptions, MountEightWordsAreNotPassedToTheKernel) {
    auto o = parse_options("defaults,auto,nofail,_netdev,x-systemd.automount,user");
    ASSERT_TRUE(o);
    EXPECT_TRUE(o->params.empty());
    EXPECT_EQ(o->attrs, 0u);
}

TEST(MountOptions, UnknownWordsBecomeFilesystemFlags) {
    auto o = parse_options("newinstance,gid=5");
    ASSERT_TRUE(o);
    ASSERT_EQ(o->params.size(), 2u);
    EXPECT_EQ(o->params[0].first, "newinstance");
    EXPECT_EQ(o->params[0].second, "");
}

TEST(MountOptions, EmptyListIsFineEmptyItemsAreNot) {
    EXPECT_TRUE(parse_options(""));
    for (const char* bad : {"ro,,nosuid", ",ro", "=5", "size=1,=x"}) {
        auto o = parse_options(bad);
        ASSERT_FALSE(o) << bad;
        EXPECT_NE(o.error().message.find(bad), std::string::npos) << o.error().message;
    }
}

}  // namespace
}  // namespace vs::mount
