// The owner records of vsrun's socket guards on a shared cgroup2 node: their text, and which
// guards a node keeps for their owners' sake.
#include <gtest/gtest.h>

#include "runtime/oci/socket_guard.hpp"

namespace vs::runtime::oci {
namespace {

TEST(SocketGuardOwner, RecordRoundTripsAndOlderRecordsRead) {
    GuardOwner o;
    o.refused = uint64_t{1} << 40;
    o.dir = "/run/vsrun/sga";
    o.creator = 4242;
    o.creator_start = 987654;
    o.own_pid_ns = true;
    EXPECT_EQ(owner_text(o), "10000000000\n/run/vsrun/sga\n4242 987654 1");
    auto back = parse_owner(owner_text(o));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->refused, o.refused);
    EXPECT_EQ(back->dir, o.dir);
    EXPECT_EQ(back->creator, 4242);
    EXPECT_EQ(back->creator_start, 987654u);
    EXPECT_TRUE(back->own_pid_ns);
    // An older vsrun's record: mask and dir only.
    back = parse_owner("10000000000\n/run/vsrun/sga");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->dir, "/run/vsrun/sga");
    EXPECT_EQ(back->creator, 0);
    EXPECT_FALSE(back->own_pid_ns);
    // A last line that is no creator line stays part of the dir; a bad mask is no record.
    back = parse_owner("1\n/run/a\nb c");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->dir, "/run/a\nb c");
    EXPECT_EQ(back->creator, 0);
    EXPECT_FALSE(parse_owner("zz\n/run/a"));
    EXPECT_FALSE(parse_owner("1"));
}

TEST(SocketGuardOwner, StoppedInItsOwnPidNamespaceOrNotTheOwnerGoes) {
    GuardOwner o;
    o.dir = "/run/vsrun/sga";
    o.creator = 4242;
    o.creator_start = 1;
    o.own_pid_ns = true;
    OwnerFacts f;
    f.load = OwnerFacts::Loaded;
    f.guard_id = 7;
    f.dir_exists = true;
    // Running: kept. Stopped with its own pid namespace: nothing of it is left, taken off.
    EXPECT_EQ(owner_standing(7, o, f), Standing::Runs);
    f.stopped = true;
    EXPECT_EQ(owner_standing(7, o, f), Standing::Gone);
    // Stopped sharing a pid namespace: processes it left may still run, kept.
    o.own_pid_ns = false;
    EXPECT_EQ(owner_standing(7, o, f), Standing::Stopped);
    // The state dir is another container's now (the same id made again), or one with no guard.
    f.stopped = false;
    f.guard_id = 9;
    EXPECT_EQ(owner_standing(7, o, f), Standing::Stale);
    f.guard_id = 0;
    EXPECT_EQ(owner_standing(7, o, f), Standing::Stale);
    // No state.json: being created while its create runs, else a create or delete that died.
    f.load = OwnerFacts::Missing;
    f.creator_alive = true;
    EXPECT_EQ(owner_standing(7, o, f), Standing::Runs);
    f.creator_alive = false;
    EXPECT_EQ(owner_standing(7, o, f), Standing::Stale);
    f.dir_exists = false;
    EXPECT_EQ(owner_standing(7, o, f), Standing::Stale);
    // What cannot be read may run.
    f.load = OwnerFacts::Unreadable;
    EXPECT_EQ(owner_standing(7, o, f), Standing::Runs);
}

TEST(SocketGuardOwner, AnOlderRecordKeepsTheOlderRule) {
    GuardOwner o;
    o.dir = "/run/vsrun/sga";
    OwnerFacts f;
    f.load = OwnerFacts::Missing;
    f.dir_exists = true;
    EXPECT_EQ(owner_standing(7, o, f), Standing::Runs);
    f.dir_exists = false;
    EXPECT_EQ(owner_standing(7, o, f), Standing::Stopped);
    // Stopped, with no word on its pid namespace: may have left processes.
    f.load = OwnerFacts::Loaded;
    f.guard_id = 7;
    f.stopped = true;
    EXPECT_EQ(owner_standing(7, o, f), Standing::Stopped);
}

}  // namespace
}  // namespace vs::runtime::oci
