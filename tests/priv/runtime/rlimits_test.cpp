// Resource limits: planning against the host's hard limits (no CAP_SYS_RESOURCE here) and
// applying them in a child.
#include "runtime/rlimits.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include "priv/caps/in_child.hpp"

namespace vs::runtime {
namespace {

TEST(Rlimits, NamesMapToSetrlimitResourcesAndContextOnesAreLeftToTheCgroup) {
    EXPECT_EQ(rlimit_resource("nofile"), RLIMIT_NOFILE);
    EXPECT_EQ(rlimit_resource("AS"), RLIMIT_AS);
    EXPECT_FALSE(rlimit_resource("anon"));
    EXPECT_FALSE(rlimit_resource("nproc"));
}

TEST(Rlimits, SoftAboveHardIsRefusedNamingTheFile) {
    spec::GuestSpec s;
    s.rlimits["nofile"] = spec::Rlimit{1000, 10, std::nullopt};
    auto r = plan_rlimits(s);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("rlimits/nofile"), std::string::npos) << r.error().message;
}

TEST(Rlimits, HardAboveTheHostsHardIsRefusedWithoutCapSysResource) {
    struct rlimit host {};
    getrlimit(RLIMIT_NOFILE, &host);
    if (host.rlim_max == RLIM_INFINITY) GTEST_SKIP() << "host nofile hard limit is unlimited";
    spec::GuestSpec s;
    s.ulimits["nofile"] = spec::Rlimit{std::nullopt, host.rlim_max + 1, std::nullopt};
    auto r = plan_rlimits(s);
    // This CI machine lacks CAP_SYS_RESOURCE; elsewhere root may raise it.
    if (r) GTEST_SKIP() << "CAP_SYS_RESOURCE present: raising is allowed";
    EXPECT_NE(r.error().message.find("ulimits/nofile"), std::string::npos);
    EXPECT_NE(r.error().message.find("CAP_SYS_RESOURCE"), std::string::npos);
}

TEST(Rlimits, AppliedInAChild) {
    spec::GuestSpec s;
    s.rlimits["nofile"] = spec::Rlimit{256, 512, std::nullopt};
    s.ulimits["core"] = spec::Rlimit{0, 0, std::nullopt};
    auto plan = plan_rlimits(s);
    ASSERT_TRUE(plan) << plan.error().what();
    auto rep = testing::run_in_child([&](testing::Report& r) {
        auto a = apply_rlimits(*plan);
        r["apply"] = a ? "ok" : a.error().what();
        struct rlimit l {};
        getrlimit(RLIMIT_NOFILE, &l);
        r["nofile"] = std::to_string(l.rlim_cur) + "/" + std::to_string(l.rlim_max);
        getrlimit(RLIMIT_CORE, &l);
        r["core"] = std::to_string(l.rlim_cur) + "/" + std::to_string(l.rlim_max);
    });
    EXPECT_EQ(rep["apply"], "ok");
    EXPECT_EQ(rep["nofile"], "256/512");
    EXPECT_EQ(rep["core"], "0/0");
}

}  // namespace
}  // namespace vs::runtime
