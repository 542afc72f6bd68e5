// ns: which namespaces differ from the caller's, the UTS setup.
#include "ns/join.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include "ns/uts.hpp"
#include "proc/pidfd.hpp"
#include "proc/spawn.hpp"

namespace vs::ns {
namespace {

TEST(NsJoin, DifferingNamespacesNameExactlyTheGuestsOwn) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    EXPECT_EQ(*differing_namespaces(getpid(), CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWNET), 0u);
    proc::SpawnOptions o;
    o.ns_flags = CLONE_NEWUTS | CLONE_NEWIPC;
    auto c = proc::spawn(o, [](proc::SyncChannel& ch) {
        if (!set_uts_in_child("inner-host", "inner-domain")) return 1;
        (void)ch.send(proc::SyncMsg::Ready);
        pause();
        return 0;
    });
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->channel.expect(proc::SyncMsg::Ready, "ready"));
    auto d = differing_namespaces(c->pidfd.pid(), CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET);
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, static_cast<uint64_t>(CLONE_NEWUTS | CLONE_NEWIPC));
    ASSERT_TRUE(c->pidfd.send_signal(SIGKILL));
    (void)c->pidfd.wait();
}

TEST(NsUts, DefaultNodenameIsTheGuestName) {
    EXPECT_EQ(effective_nodename("", "web1"), "web1");
    EXPECT_EQ(effective_nodename("www.example.org", "web1"), "www.example.org");
}

}  // namespace
}  // namespace vs::ns
