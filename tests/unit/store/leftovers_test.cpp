// store::is_dead_build_stage: only a build stage of the guest whose builder is gone matches.
#include "store/leftovers.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "unit/base/dead_pid.hpp"

namespace vs::store {
namespace {

using vs::test::dead_pid;

TEST(Leftovers, ABuildStageMatchesOnlyItsGuestAndADeadBuilder) {
    std::string dead = dead_pid(), live = std::to_string(getpid());
    EXPECT_TRUE(is_dead_build_stage(".build-web-" + dead, "web"));
    EXPECT_FALSE(is_dead_build_stage(".build-web-" + live, "web"));
    // Guest "web-1"'s stage is not guest "web"'s.
    EXPECT_FALSE(is_dead_build_stage(".build-web-1-" + dead, "web"));
    EXPECT_TRUE(is_dead_build_stage(".build-web-1-" + dead, "web-1"));
    EXPECT_FALSE(is_dead_build_stage("web", "web"));
}

}  // namespace
}  // namespace vs::store
