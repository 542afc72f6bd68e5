// The truthful status: every combination of state, lock, cgroup processes and init liveness.
#include "state/status.hpp"

#include <gtest/gtest.h>

namespace vs::state {
namespace {

GuestState st(Phase p, pid_t pid = 100) {
    GuestState s;
    s.name = "g";
    s.phase = p;
    s.init_pid = pid;
    return s;
}

TEST(RunStatusDerive, NothingAtAllIsStopped) {
    auto d = derive({});
    EXPECT_EQ(d.status, RunStatus::Stopped);
    EXPECT_FALSE(d.needs_cleanup);
    EXPECT_TRUE(d.detail.empty());
}

TEST(RunStatusDerive, RunningNeedsTheInitAlive) {
    Observation o;
    o.state = st(Phase::Running);
    o.cgroup_exists = true;
    o.cgroup_pids = {100, 101};
    o.init_alive = true;
    EXPECT_EQ(derive(o).status, RunStatus::Running);
    o.init_alive = false;  // init gone (pid reused or dead) but stray processes remain
    auto d = derive(o);
    EXPECT_EQ(d.status, RunStatus::Broken);
    EXPECT_TRUE(d.needs_cleanup);
    EXPECT_NE(d.detail.find("2 processes"), std::string::npos) << d.detail;
}

TEST(RunStatusDerive, DeadInitWithEmptyCgroupIsStoppedWithANote) {
    Observation o;
    o.state = st(Phase::Running);
    o.cgroup_exists = true;
    auto d = derive(o);
    EXPECT_EQ(d.status, RunStatus::Stopped);
    EXPECT_TRUE(d.needs_cleanup);
    EXPECT_FALSE(d.detail.empty());
}

TEST(RunStatusDerive, InterruptedStartWithAnInitRunningIsBrokenNotRunning) {
    Observation o;
    o.state = st(Phase::Starting, 0);
    o.cgroup_exists = true;
    o.cgroup_pids = {555};
    auto d = derive(o);
    EXPECT_EQ(d.status, RunStatus::Broken);
    EXPECT_TRUE(d.needs_cleanup);
    EXPECT_NE(d.detail.find("interrupted start"), std::string::npos) << d.detail;
    EXPECT_NE(d.detail.find("1 process "), std::string::npos) << d.detail;
}

TEST(RunStatusDerive, InterruptedStartWithNothingRunningIsStoppedAndCleanedLater) {
    Observation o;
    o.state = st(Phase::Starting, 0);
    auto d = derive(o);
    EXPECT_EQ(d.status, RunStatus::Stopped);
    EXPECT_TRUE(d.needs_cleanup);
    o.cgroup_exists = true;  // the cgroup was created before the crash
    EXPECT_EQ(derive(o).status, RunStatus::Stopped);
}

TEST(RunStatusDerive, InterruptedStopIsBrokenWhileProcessesRemain) {
    Observation o;
    o.state = st(Phase::Stopping);
    o.cgroup_exists = true;
    o.cgroup_pids = {1, 2, 3};
    o.init_alive = true;
    auto d = derive(o);
    EXPECT_EQ(d.status, RunStatus::Broken);
    EXPECT_NE(d.detail.find("interrupted stop"), std::string::npos);
}

TEST(RunStatusDerive, WorkInProgressIsReportedFromTheLockHolder) {
    Observation o;
    o.lock_held = true;
    o.state = st(Phase::Starting, 0);
    EXPECT_EQ(derive(o).status, RunStatus::Starting);
    EXPECT_FALSE(derive(o).needs_cleanup);
    o.state = st(Phase::Stopping);
    EXPECT_EQ(derive(o).status, RunStatus::Stopping);
    o.state = st(Phase::Running);
    o.init_alive = true;
    EXPECT_EQ(derive(o).status, RunStatus::Running);  // e.g. a restart about to stop it
}

TEST(RunStatusDerive, StrayProcessesWithoutStateAreBroken) {
    Observation o;
    o.cgroup_exists = true;
    o.cgroup_pids = {7};
    auto d = derive(o);
    EXPECT_EQ(d.status, RunStatus::Broken);
    EXPECT_TRUE(d.needs_cleanup);
    o.cgroup_pids.clear();
    d = derive(o);
    EXPECT_EQ(d.status, RunStatus::Stopped);
    EXPECT_TRUE(d.needs_cleanup);  // an empty leftover cgroup
}

}  // namespace
}  // namespace vs::state
