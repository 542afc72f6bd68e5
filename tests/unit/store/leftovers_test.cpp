// store::is_dead_build_stage: only a build stage of the guest whose builder is gone matches.
#include "store/leftovers.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace vs::store {
namespace {

std::string dead_pid() {
    pid_t p = fork();
    if (p == 0) _exit(0);
    waitpid(p, nullptr, 0);
    return std::to_string(p);
}

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
