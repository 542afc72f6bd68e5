// AutostartPlan: depends order, parallel slots, cycles, failures skipping only dependants.
#include "runtime/autostart_plan.hpp"

#include <gtest/gtest.h>

namespace vs::runtime {
namespace {

using V = std::vector<std::string>;

std::map<std::string, std::string> skips(AutostartPlan& p) {
    std::map<std::string, std::string> m;
    for (auto& s : p.take_skipped()) m[s.name] = s.reason;
    return m;
}

TEST(AutostartPlan, ChainInOrderOthersInParallel) {
    AutostartPlan p({"a", "b", "c", "d"}, {{"b", {"a"}}, {"c", {"b"}}}, {}, false);
    EXPECT_TRUE(p.cycles().empty());
    EXPECT_EQ(p.take_ready(6), (V{"a", "d"}));
    EXPECT_EQ(p.take_ready(6), V{});
    p.finish("a", true);
    EXPECT_EQ(p.take_ready(6), V{"b"});
    p.finish("d", true);
    p.finish("b", true);
    EXPECT_EQ(p.take_ready(6), V{"c"});
    EXPECT_FALSE(p.done());
    p.finish("c", true);
    EXPECT_TRUE(p.done());
}

TEST(AutostartPlan, ParallelLimit) {
    AutostartPlan p({"a", "b", "c"}, {}, {}, false);
    EXPECT_EQ(p.take_ready(2), (V{"a", "b"}));
    EXPECT_EQ(p.take_ready(0), V{});
    p.finish("a", true);
    EXPECT_EQ(p.take_ready(1), V{"c"});
}

TEST(AutostartPlan, StopReversesTheOrder) {
    AutostartPlan p({"a", "b", "c"}, {{"b", {"a"}}, {"c", {"b"}}}, {}, true);
    EXPECT_EQ(p.take_ready(6), V{"c"});
    p.finish("c", true);
    EXPECT_EQ(p.take_ready(6), V{"b"});
    p.finish("b", false);
    auto s = skips(p);
    EXPECT_EQ(s["a"], "still needed by b, which did not stop");
    EXPECT_TRUE(p.done());
}

TEST(AutostartPlan, FailureSkipsDependantsTransitivelyOnly) {
    AutostartPlan p({"a", "b", "c", "d"}, {{"b", {"a"}}, {"c", {"b"}}}, {}, false);
    EXPECT_EQ(p.take_ready(6), (V{"a", "d"}));
    p.finish("a", false);
    auto s = skips(p);
    EXPECT_EQ(s.size(), 2u);
    EXPECT_EQ(s["b"], "depends on a, which did not start");
    EXPECT_EQ(s["c"], "depends on b, which did not start");
    EXPECT_FALSE(p.done());
    p.finish("d", true);
    EXPECT_TRUE(p.done());
}

TEST(AutostartPlan, CyclesAreNamedAndSkippedOnStartIgnoredOnStop) {
    std::map<std::string, V> deps = {
        {"x", {"y"}}, {"y", {"z"}}, {"z", {"x"}}, {"w", {"x"}}, {"s", {"s"}}};
    AutostartPlan p({"s", "w", "x", "y", "z", "free"}, deps, {}, false);
    ASSERT_EQ(p.cycles().size(), 2u);
    EXPECT_EQ(p.cycles()[0], (V{"s", "s"}));
    EXPECT_EQ(p.cycles()[1], (V{"x", "y", "z", "x"}));
    auto s = skips(p);
    EXPECT_EQ(s.size(), 5u);
    EXPECT_EQ(s["y"], "in a dependency cycle (x -> y -> z -> x)");
    EXPECT_EQ(s["w"], "depends on x, which did not start");
    EXPECT_EQ(p.take_ready(6), V{"free"});
    p.finish("free", true);
    EXPECT_TRUE(p.done());

    AutostartPlan q({"w", "x", "y", "z"}, deps, {}, true);
    // w depends on x: x stops after w; the cycle's own edges hold nobody back.
    EXPECT_TRUE(q.cycles().size() == 1);
    EXPECT_EQ(q.take_ready(6), (V{"w", "y", "z"}));
    q.finish("w", true);
    EXPECT_EQ(q.take_ready(6), V{"x"});
}

TEST(AutostartPlan, BlockedGuestsAndOutsideDependencies) {
    AutostartPlan p({"a", "b"}, {{"a", {"outside"}}, {"b", {"a"}}},
                    {{"a", "depends on outside, which does not exist"}}, false);
    auto s = skips(p);
    EXPECT_EQ(s["a"], "depends on outside, which does not exist");
    EXPECT_EQ(s["b"], "depends on a, which did not start");
    EXPECT_TRUE(p.done());
}

}  // namespace
}  // namespace vs::runtime
