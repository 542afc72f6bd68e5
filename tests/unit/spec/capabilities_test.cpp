// Capability names, the default bounding set and bcapabilities list semantics.
#include "spec/capabilities.hpp"

#include <gtest/gtest.h>
#include <linux/capability.h>

namespace vs::spec {
namespace {

TEST(Capabilities, NamesBothWays) {
    EXPECT_EQ(cap_from_name("CAP_NET_RAW"), CAP_NET_RAW);
    EXPECT_EQ(cap_from_name("net_raw"), CAP_NET_RAW);
    EXPECT_EQ(cap_from_name("Cap_Sys_Admin"), CAP_SYS_ADMIN);
    EXPECT_FALSE(cap_from_name("NET_RAWR"));
    EXPECT_FALSE(cap_from_name(""));
    for (int n = 0; n <= cap_last(); ++n) {
        ASSERT_FALSE(cap_name(n).empty()) << n;
        EXPECT_EQ(cap_from_name(cap_name(n)), n);
    }
}

TEST(Capabilities, DefaultIsTheSecureSetPlusSysBoot) {
    uint64_t d = default_bounding_set();
    for (int c :
         {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_KILL,
          CAP_SETGID, CAP_SETUID, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_SYS_PTRACE,
          CAP_SYS_TTY_CONFIG, CAP_LEASE, CAP_SETFCAP, CAP_AUDIT_WRITE, CAP_SYS_BOOT})
        EXPECT_TRUE(d & cap_bit(c)) << cap_name(c);
    for (int c :
         {CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_TIME,
          CAP_SYS_NICE, CAP_SYS_RESOURCE, CAP_MKNOD, CAP_IPC_LOCK, CAP_LINUX_IMMUTABLE})
        EXPECT_FALSE(d & cap_bit(c)) << cap_name(c);
}

TEST(Capabilities, ListAddsRemovesAndKeywords) {
    uint64_t d = default_bounding_set();
    auto r = apply_cap_list(d, "CAP_NET_RAW\n!chown\n~KILL\n# comment\n\n", "bcaps");
    ASSERT_TRUE(r);
    EXPECT_TRUE(*r & cap_bit(CAP_NET_RAW));
    EXPECT_FALSE(*r & cap_bit(CAP_CHOWN));
    EXPECT_FALSE(*r & cap_bit(CAP_KILL));
    EXPECT_EQ(*apply_cap_list(d, "none", ""), 0u);
    EXPECT_EQ(*apply_cap_list(d, "all", ""), cap_all());
    EXPECT_EQ(*apply_cap_list(0, "^13", ""), cap_bit(13));
    EXPECT_EQ(*apply_cap_list(0, "13 21", ""), cap_bit(13) | cap_bit(21));
    auto bad = apply_cap_list(d, "NET_RAW\nFROB", "bcapabilities");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("\"FROB\""), std::string::npos);
    EXPECT_NE(bad.error().message.find("bcapabilities"), std::string::npos);
    EXPECT_FALSE(apply_cap_list(d, "^64", ""));
}

TEST(Capabilities, DiffRoundTrips) {
    uint64_t d = default_bounding_set();
    uint64_t want = (d | cap_bit(CAP_NET_ADMIN)) & ~cap_bit(CAP_SYS_BOOT);
    auto text = cap_list_diff(d, want);
    EXPECT_EQ(text, "NET_ADMIN\n!SYS_BOOT\n");
    EXPECT_EQ(*apply_cap_list(d, text, ""), want);
    EXPECT_EQ(cap_list_diff(d, d), "");
}

}  // namespace
}  // namespace vs::spec
