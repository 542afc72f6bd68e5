// ns: which namespaces differ, joining them through a pidfd, the UTS setup.
#include "ns/join.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ns/uts.hpp"
#include "priv/caps/in_child.hpp"
#include "proc/pidfd.hpp"
#include "proc/spawn.hpp"

namespace vs::ns {
namespace {

TEST(NsJoin, DifferingNamespacesAndJoiningThem) {
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
    int pidfd = c->pidfd.fd();
    uint64_t flags = *d;
    auto r = testing::run_in_child([&](testing::Report& rep) {
        auto j = join_in_child(pidfd, flags, -1);
        rep["join"] = j ? "ok" : j.error().what();
        char h[65] = {};
        gethostname(h, 64);
        rep["hostname"] = h;
        char dn[65] = {};
        getdomainname(dn, 64);
        rep["domain"] = dn;
        rep["dumpable"] = std::to_string(prctl(PR_GET_DUMPABLE));
    });
    EXPECT_EQ(r["join"], "ok");
    EXPECT_EQ(r["hostname"], "inner-host");
    EXPECT_EQ(r["domain"], "inner-domain");
    EXPECT_EQ(r["dumpable"], "0");
    char h[65] = {};
    gethostname(h, 64);
    EXPECT_NE(std::string(h), "inner-host");
    ASSERT_TRUE(c->pidfd.send_signal(SIGKILL));
    (void)c->pidfd.wait();
}

TEST(NsUts, DefaultNodenameIsTheGuestName) {
    EXPECT_EQ(effective_nodename("", "web1"), "web1");
    EXPECT_EQ(effective_nodename("www.example.org", "web1"), "www.example.org");
}

}  // namespace
}  // namespace vs::ns
