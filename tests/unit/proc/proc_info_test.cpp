// /proc/PID/stat and status parsing, including hostile comm names.
#include "proc/proc_info.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

namespace vs::proc {
namespace {

TEST(ProcInfo, StartTimeIsField22CountedAfterTheLastParen) {
    std::string stat =
        "4242 (a) b) (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 "
        "1000 100 18446744073709551615";
    auto t = parse_start_time(stat);
    ASSERT_TRUE(t) << t.error().what();
    EXPECT_EQ(*t, 987654u);
    auto s = parse_state(stat);
    ASSERT_TRUE(s);
    EXPECT_EQ(*s, 'S');
}

TEST(ProcInfo, RunSampleReadsStateExitingFlagAndCpuTime) {
    // flags 4194564 = PF_EXITING (0x4) | PF_FORKNOEXEC...; utime 30, stime 12.
    std::string stat =
        "4242 (a) b) (c) S 1 4242 4242 0 -1 4194564 100 0 0 0 30 12 0 0 20 0 1 0 987654";
    auto r = parse_run_sample(stat);
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(r->state, 'S');
    EXPECT_TRUE(r->exiting);
    EXPECT_EQ(r->cpu_ticks, 42u);
    r = parse_run_sample("1 (x) R 0 1 1 0 -1 4194560 0 0 0 0 1 2 0");
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->exiting);
    EXPECT_FALSE(parse_run_sample("1 (x) R 0 1 1 0 -1 4194560 0 0 0 0 1"));
    EXPECT_FALSE(parse_run_sample("1 (x) R 0 1 1 0 -1 0x44 0 0 0 0 1 2"));
    auto own = run_sample(getpid());
    ASSERT_TRUE(own);
    EXPECT_EQ(own->state, 'R');
    EXPECT_FALSE(own->exiting);
}

TEST(ProcInfo, BadStatTextIsAnError) {
    EXPECT_FALSE(parse_start_time("garbage"));
    EXPECT_FALSE(parse_start_time("1 (x) S 1 2 3"));
    EXPECT_FALSE(parse_state("1 (x)"));
}

TEST(ProcInfo, OwnStartTimeAndLiveness) {
    auto t = start_time(getpid());
    ASSERT_TRUE(t);
    EXPECT_TRUE(is_alive(getpid(), *t));
    EXPECT_FALSE(is_alive(getpid(), *t + 1)) << "a different start time is a different process";
    EXPECT_FALSE(is_alive(0x3fffffff, *t));
}

TEST(ProcInfo, NspidListsEveryLevel) {
    auto v = parse_nspid("Name:\tx\nNSpid:\t3456\t12\t1\nNStgid:\t3456\n");
    ASSERT_TRUE(v);
    EXPECT_EQ(*v, (std::vector<pid_t>{3456, 12, 1}));
    EXPECT_FALSE(parse_nspid("Name:\tx\n"));
    auto own = nspid(getpid());
    ASSERT_TRUE(own);
    EXPECT_EQ(own->front(), getpid());
}

}  // namespace
}  // namespace vs::proc
