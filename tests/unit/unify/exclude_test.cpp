// unify/exclude: util-vserver's list syntax and which rule decides for a path.
#include "unify/exclude.hpp"

#include <gtest/gtest.h>

namespace vs::unify {
namespace {

ExcludeList list(const char* text) {
    auto l = ExcludeList::parse(text, "test");
    EXPECT_TRUE(l) << (l ? "" : l.error().what());
    return l ? *l : ExcludeList{};
}

TEST(UnifyExclude, ShippedKeepsConfigStateAndHomesPrivate) {
    auto l = ExcludeList::shipped();
    EXPECT_TRUE(l.excluded("/etc/passwd"));
    EXPECT_TRUE(l.excluded("/var/lib/dpkg/status"));
    EXPECT_TRUE(l.excluded("/home/u/.bashrc"));
    EXPECT_TRUE(l.excluded("/usr/share/texmf/ls-R") == false);  // /*/ls-R is one level deep
    EXPECT_TRUE(l.excluded("/usr/ls-R"));
    EXPECT_FALSE(l.excluded("/usr/bin/ls"));
    EXPECT_FALSE(l.excluded("/etcetera/x"));
    EXPECT_TRUE(l.skip_dir("/etc"));
    EXPECT_FALSE(l.skip_dir("/usr"));
}

TEST(UnifyExclude, PlusRuleOpensAPathBelowAnExcludedTree) {
    auto l = list("+/etc/termcap\n# comment\n\n/etc\n");
    EXPECT_FALSE(l.excluded("/etc/termcap"));
    EXPECT_TRUE(l.excluded("/etc/shadow"));
    // The walk must still enter /etc to reach /etc/termcap.
    EXPECT_FALSE(l.skip_dir("/etc"));
    EXPECT_TRUE(l.skip_dir("/var") == false);  // not excluded by this list at all
}

TEST(UnifyExclude, DeepestMatchWinsThenOrder) {
    auto l = list("+/root/.ssh\n~/root/.ssh/id*\n-/root\n");
    EXPECT_FALSE(l.excluded("/root/.ssh/authorized_keys"));
    EXPECT_TRUE(l.excluded("/root/.ssh/id_rsa"));
    EXPECT_TRUE(l.excluded("/root/.profile"));
    auto admin_first = list("+/var/cache/big\n");
    admin_first.append(ExcludeList::shipped());
    EXPECT_FALSE(admin_first.excluded("/var/cache/big/blob"));
    EXPECT_TRUE(admin_first.excluded("/var/cache/other"));
}

TEST(UnifyExclude, RelativePatternIsAnErrorNamingFileAndLine) {
    auto l = ExcludeList::parse("/usr\n\n+etc/x\n", "/etc/vservers/g/apps/vunify/exclude");
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error().code, EINVAL);
    EXPECT_NE(l.error().message.find("/etc/vservers/g/apps/vunify/exclude:3"), std::string::npos)
        << l.error().message;
    EXPECT_NE(l.error().message.find("+etc/x"), std::string::npos);
}

}  // namespace
}  // namespace vs::unify
