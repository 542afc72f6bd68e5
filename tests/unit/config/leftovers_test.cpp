// config::vserver::is_dead_in_flight and sweep_dead_in_flight: only an in-flight name whose
// writer is gone matches and goes; everything else in the config tree stays.
#include "config/vserver/leftovers.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "unit/base/dead_pid.hpp"

#include "unit/config/tree_fixture.hpp"

namespace vs::config::vserver::test {
namespace {

using vs::test::dead_pid;

TEST(InFlightLeftovers, ATemporaryOfADeadWriterMatches) {
    std::string dead = dead_pid(), live = std::to_string(getpid());
    EXPECT_TRUE(is_dead_in_flight(".state.json.tmp." + dead));
    EXPECT_TRUE(is_dead_in_flight(".context.tmp." + dead));
    EXPECT_FALSE(is_dead_in_flight(".state.json.tmp." + live));  // a writer still at work
    EXPECT_FALSE(is_dead_in_flight("state.json.tmp." + dead));   // not ours: no leading dot
    EXPECT_FALSE(is_dead_in_flight(".x.tmp."));
    EXPECT_FALSE(is_dead_in_flight(".x.tmp.12a"));
    EXPECT_FALSE(is_dead_in_flight(".x.tmp.0"));
    EXPECT_TRUE(is_dead_in_flight(".web.tmp." + dead + ".new"));  // a staged config dir
    EXPECT_FALSE(is_dead_in_flight(".web.tmp." + live + ".new"));
    EXPECT_FALSE(is_dead_in_flight(".web.tmp." + dead + "."));
}

using InFlightSweep = TreeTest;

TEST_F(InFlightSweep, RemovesOnlyTheGuestsDeadEntriesAndLeavesTheRest) {
    std::string dead = dead_pid(), live = std::to_string(getpid());
    put("web", "context", "40001\n");
    put("web", ".context.tmp." + dead, "half");
    put("web", "interfaces/0/.ip.tmp." + dead + ".new", "10.0.0.1\n");
    put("web", ".name.tmp." + live, "in progress");
    // vdir is a guest root, not the config's: a dead-looking name there stays.
    put("web", "vdir/.x.tmp." + dead, "guest's");
    put(".defaults", ".context.tmp." + dead, "half");
    std::string base = paths_.config_dir;
    ASSERT_TRUE(sys::mkdir_p(base + "/.web.tmp." + dead + ".new/web"));
    ASSERT_TRUE(sys::mkdir_p(base + "/.other.tmp." + dead + ".new/other"));

    sweep_dead_in_flight(paths_, "web");

    EXPECT_FALSE(sys::exists(dir("web") + "/.context.tmp." + dead));
    EXPECT_FALSE(sys::exists(dir("web") + "/interfaces/0/.ip.tmp." + dead + ".new"));
    EXPECT_FALSE(sys::exists(dir(".defaults") + "/.context.tmp." + dead));
    EXPECT_FALSE(sys::exists(base + "/.web.tmp." + dead + ".new"));
    EXPECT_TRUE(sys::exists(dir("web") + "/context"));
    EXPECT_TRUE(sys::exists(dir("web") + "/interfaces/0"));
    EXPECT_TRUE(sys::exists(dir("web") + "/.name.tmp." + live));
    EXPECT_TRUE(sys::exists(dir("web") + "/vdir/.x.tmp." + dead));
    EXPECT_TRUE(sys::exists(base + "/.other.tmp." + dead + ".new"));  // another guest's
}

}  // namespace
}  // namespace vs::config::vserver::test
