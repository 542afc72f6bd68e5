// cflags/ccaps: every name maps or is refused with its reason; mechanisms land in the spec.
#include "spec/context_flags.hpp"

#include <gtest/gtest.h>
#include <linux/capability.h>

#include "spec/capabilities.hpp"

namespace vs::spec {
namespace {

TEST(ContextFlags, EveryEntryExplainsItself) {
    for (const auto* t : {&cflag_table(), &ccap_table()})
        for (const auto& e : *t) EXPECT_GT(std::string(e.mechanism).size(), 10u) << e.name;
}

TEST(ContextFlags, RefusedNamesSayWhy) {
    auto r = apply_cflag_list({}, "virt_time", "cflags");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("virt_time"), std::string::npos);
    EXPECT_NE(r.error().message.find("CLOCK_REALTIME"), std::string::npos);
    r = apply_ccap_list({}, "vxc_syslog", "ccapabilities");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("vxc_syslog"), std::string::npos);
}

TEST(ContextFlags, AliasesPrefixesAndClearing) {
    auto r = apply_cflag_list(default_cflags(), "VXF_INFO_PRIVATE,sched_pause\n!virt_uptime", "");
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(*r, (std::vector<std::string>{"private", "sc_helper", "sched_pause"}));
    // Clearing a refused name is fine: it asks for nothing.
    EXPECT_TRUE(apply_cflag_list({}, "!virt_time", ""));
    EXPECT_EQ(*apply_cflag_list({"private"}, "none", ""), std::vector<std::string>{});
    EXPECT_EQ(*apply_cflag_list({}, "default", ""), default_cflags());
    EXPECT_EQ(*apply_ccap_list({}, "ping", ""), std::vector<std::string>{"raw_icmp"});
}

TEST(ContextFlags, MechanismsLandInTheSpec) {
    GuestSpec s;
    s.caps.bounding = default_bounding_set() | cap_bit(CAP_SYS_NICE);
    s.flags.names = {"igneg_nice", "private",  "sched_pause",
                     "virt_load",  "virt_mem", "virt_uptime"};
    s.caps.ccaps = {"raw_icmp", "set_rlimit"};
    ASSERT_TRUE(apply_context_mechanisms(s));
    EXPECT_TRUE(s.flags.private_ctx);
    EXPECT_TRUE(s.flags.sched_pause);
    EXPECT_TRUE(s.flags.virt_uptime);
    EXPECT_TRUE(s.ns.time);
    EXPECT_TRUE(s.flags.virt_mem);
    EXPECT_TRUE(s.flags.virt_load);
    EXPECT_FALSE(s.flags.virt_cpu);
    EXPECT_TRUE(s.caps.ping_sockets);
    EXPECT_FALSE(s.caps.bounding & cap_bit(CAP_SYS_NICE));
    EXPECT_TRUE(s.caps.bounding & cap_bit(CAP_SYS_RESOURCE));
    EXPECT_FALSE(s.caps.allow_namespaces);
}

TEST(ContextFlags, UsernsOnlyNames) {
    GuestSpec s;
    s.caps.ccaps = {"namespace"};
    auto st = apply_context_mechanisms(s);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("namespace"), std::string::npos);
    s.ns.user = true;
    ASSERT_TRUE(apply_context_mechanisms(s));
    EXPECT_TRUE(s.caps.allow_namespaces);
}

TEST(ContextFlags, DiffRoundTrips) {
    std::vector<std::string> want = {"private", "sc_helper"};
    auto text = name_list_diff(default_cflags(), want);
    EXPECT_EQ(text, "private\n!virt_uptime\n");
    EXPECT_EQ(*apply_cflag_list(default_cflags(), text, ""), want);
}

}  // namespace
}  // namespace vs::spec
