// cgroup::Manager on a fake v1 tree: hierarchies, creation, cpuset copy, apply, stats, destroy.
#include <gtest/gtest.h>
#include <unistd.h>

#include "cgroup/manager.hpp"
#include "fake_tree.hpp"

using namespace vs;
using cgroup::Layout;

namespace {

std::unique_ptr<cgroup::Manager> open_ok(const cgroup::Options& o) {
    auto m = cgroup::open(o);
    EXPECT_TRUE(m) << m.error().what();
    return m ? std::move(*m) : nullptr;
}

}  // namespace

TEST(CgroupV1, PathsFollowHierarchiesThroughSymlinks) {
    test::FakeTree t;
    t.make_v1();
    auto m = open_ok(t.options(Layout::V1, "vserver", "web1"));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->layout(), Layout::V1);
    EXPECT_EQ(m->controller_path("cpu"), t.path("cpu,cpuacct/vserver/web1"));
    EXPECT_EQ(m->controller_path("cpuacct"), t.path("cpu,cpuacct/vserver/web1"));
    EXPECT_EQ(m->controller_path("memory"), t.path("memory/vserver/web1"));
    EXPECT_EQ(m->controller_path("name=systemd"), t.path("systemd/vserver/web1"));
    EXPECT_EQ(m->controller_path("io"), "");
    EXPECT_EQ(m->controller_path("hugetlb"), "");
    EXPECT_EQ(m->unified_path(), "");  // no cgroup2 on pure v1
}

TEST(CgroupV1, CreateIsIdempotentAndMakesEveryHierarchy) {
    test::FakeTree t;
    t.make_v1();
    auto m = open_ok(t.options(Layout::V1, "a/b", "web1"));
    ASSERT_TRUE(m);
    EXPECT_FALSE(m->exists());
    ASSERT_TRUE(m->create());
    ASSERT_TRUE(m->create());
    for (const char* h : {"cpu,cpuacct", "memory", "pids", "cpuset", "freezer", "blkio", "systemd"})
        EXPECT_TRUE(t.has(std::string(h) + "/a/b/web1")) << h;
    EXPECT_FALSE(t.has("cpu/a/b/web1/../../../cpu,cpuacct/x"));
    EXPECT_TRUE(m->exists());
}

TEST(CgroupV1, CpusetDirsGetTheParentsCpusAndMems) {
    test::FakeTree t;
    t.make_v1();
    // A fresh kernel cpuset dir has empty cpuset.cpus/mems; emulate it for the parent.
    t.file("cpuset/vserver/cpuset.cpus", "\n");
    t.file("cpuset/vserver/cpuset.mems", "\n");
    auto m = open_ok(t.options(Layout::V1));
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->create());
    EXPECT_EQ(t.read("cpuset/vserver/cpuset.cpus"), "0-3");
    EXPECT_EQ(t.read("cpuset/vserver/cpuset.mems"), "0");
}

TEST(CgroupV1, DestroyKeepsTheParentsAndRemoveUnusedParentsOnlyWhatItCreated) {
    test::FakeTree t;
    t.make_v1();
    t.dir("memory/host");  // a parent that predates us in one hierarchy: the host's
    auto m = open_ok(t.options(Layout::V1, "host/vs", "web1"));
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->create());
    auto other = open_ok(t.options(Layout::V1, "host/vs", "web2"));
    ASSERT_TRUE(other->create());
    ASSERT_TRUE(m->destroy());
    EXPECT_FALSE(t.has("memory/host/vs/web1"));
    m->remove_unused_parents();
    EXPECT_TRUE(t.has("memory/host/vs/web2"));  // shared parent stays while in use
    ASSERT_TRUE(other->destroy());
    EXPECT_FALSE(m->exists());
    EXPECT_TRUE(t.has("pids/host/vs")) << "stop's destroy removed the shared parent";
    other->remove_unused_parents();
    EXPECT_TRUE(t.has("memory/host")) << "a cgroup we did not create was removed";
    EXPECT_FALSE(t.has("memory/host/vs"));
    EXPECT_FALSE(t.has("pids/host"));  // created by us there: removed
    ASSERT_TRUE(m->destroy());         // again: nothing left, still fine
    m->remove_unused_parents();
}

TEST(CgroupV1, DestroyRemovesCgroupsTheGuestNested) {
    test::FakeTree t;
    t.make_v1();
    auto m = open_ok(t.options(Layout::V1));
    ASSERT_TRUE(m->create());
    t.dir("pids/vserver/web1/init.scope/deeper");
    ASSERT_TRUE(m->destroy());
    EXPECT_FALSE(t.has("pids/vserver/web1"));
}

TEST(CgroupV1, ApplyWritesV1Knobs) {
    test::FakeTree t;
    t.make_v1();
    auto m = open_ok(t.options(Layout::V1));
    ASSERT_TRUE(m->create());
    t.files("memory/vserver/web1",
            {"memory.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.memsw.limit_in_bytes"});
    t.files("cpu,cpuacct/vserver/web1", {"cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us"});
    t.files("cpuset/vserver/web1", {"cpuset.cpus", "cpuset.mems"});
    t.files("pids/vserver/web1", {"pids.max"});
    t.files("blkio/vserver/web1", {"blkio.bfq.weight"});
    spec::Resources r;
    r.memory_max = 64 << 20;
    r.memory_high = 48 << 20;
    r.memory_swap_max = 16 << 20;
    r.cpu_weight = 200;
    r.cpu_quota_us = 50000;
    r.cpu_period_us = 100000;
    r.cpuset_cpus = "1";
    r.cpuset_mems = "0";
    r.pids_max = -1;
    r.io_weight = 10000;
    auto st = m->apply(r);
    ASSERT_TRUE(st) << st.error().what();
    EXPECT_EQ(t.read("memory/vserver/web1/memory.limit_in_bytes"), "67108864");
    EXPECT_EQ(t.read("memory/vserver/web1/memory.soft_limit_in_bytes"), "50331648");
    EXPECT_EQ(t.read("memory/vserver/web1/memory.memsw.limit_in_bytes"), "83886080");  // mem+swap
    EXPECT_EQ(t.read("cpu,cpuacct/vserver/web1/cpu.shares"), "2048");
    EXPECT_EQ(t.read("cpu,cpuacct/vserver/web1/cpu.cfs_quota_us"), "50000");
    EXPECT_EQ(t.read("cpu,cpuacct/vserver/web1/cpu.cfs_period_us"), "100000");
    EXPECT_EQ(t.read("cpuset/vserver/web1/cpuset.cpus"), "1");
    EXPECT_EQ(t.read("pids/vserver/web1/pids.max"), "max");
    EXPECT_EQ(t.read("blkio/vserver/web1/blkio.bfq.weight"), "1000");
}

TEST(CgroupV1, UnlimitedIsMinusOneAndSwapFollowsMemory) {
    test::FakeTree t;
    t.make_v1();
    auto m = open_ok(t.options(Layout::V1));
    ASSERT_TRUE(m->create());
    t.files("memory/vserver/web1", {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"});
    spec::Resources r;
    r.memory_max = -1;
    r.memory_swap_max = 0;
    ASSERT_TRUE(m->apply(r));
    EXPECT_EQ(t.read("memory/vserver/web1/memory.limit_in_bytes"), "-1");
    EXPECT_EQ(t.read("memory/vserver/web1/memory.memsw.limit_in_bytes"), "-1");
}

TEST(CgroupV1, MissingControllerAndBadValuesAreNamed) {
    test::FakeTree t;
    t.make_v1();
    auto m = open_ok(t.options(Layout::V1));
    ASSERT_TRUE(m->create());
    spec::Resources r;
    r.hugetlb_max["2MB"] = "0";
    auto st = m->apply(r);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().what().find("hugetlb"), std::string::npos) << st.error().what();

    spec::Resources neg;
    neg.pids_max = -5;
    t.files("pids/vserver/web1", {"pids.max"});
    st = m->apply(neg);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().what().find("pids.max"), std::string::npos) << st.error().what();
    EXPECT_NE(st.error().what().find("-5"), std::string::npos) << st.error().what();

    spec::Resources io;
    io.io_weight = 100;  // no blkio.weight nor blkio.bfq.weight in the fake dir
    st = m->apply(io);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().what().find("blkio.bfq.weight"), std::string::npos) << st.error().what();
}

TEST(CgroupV1, KernelRefusalNamesFileAndValue) {
    test::FakeTree t;
    t.make_v1();
    auto m = open_ok(t.options(Layout::V1));
    ASSERT_TRUE(m->create());
    // /dev/full refuses every write with ENOSPC, like a knob refusing a value.
    ASSERT_TRUE(sys::symlink("/dev/full", t.path("pids/vserver/web1/pids.max")));
    spec::Resources r;
    r.pids_max = 64;
    auto st = m->apply(r);
    ASSERT_FALSE(st);
    EXPECT_NE(
        st.error().what().find("write \"" + t.path("pids/vserver/web1/pids.max") + "\" = \"64\""),
        std::string::npos)
        << st.error().what();
    EXPECT_EQ(st.error().code, ENOSPC);
}

TEST(CgroupV1, PassthroughGoesToTheControllersHierarchy) {
    test::FakeTree t;
    t.make_v1();
    auto m = open_ok(t.options(Layout::V1));
    ASSERT_TRUE(m->create());
    t.files("memory/vserver/web1", {"memory.swappiness"});
    t.files("cpu,cpuacct/vserver/web1", {"cpu.rt_runtime_us"});
    spec::Resources r;
    r.passthrough["memory.swappiness"] = "10";
    r.passthrough["cpu.rt_runtime_us"] = "0";
    ASSERT_TRUE(m->apply(r));
    EXPECT_EQ(t.read("memory/vserver/web1/memory.swappiness"), "10");
    EXPECT_EQ(t.read("cpu,cpuacct/vserver/web1/cpu.rt_runtime_us"), "0");

    for (const char* bad : {"../../x.y", "noknob", "cgroup.procs", "tasks", ".hidden"}) {
        spec::Resources b;
        b.passthrough[bad] = "1";
        auto st = m->apply(b);
        ASSERT_FALSE(st) << bad;
        EXPECT_NE(st.error().what().find(std::string("cgroup/") + bad), std::string::npos)
            << st.error().what();
    }
    spec::Resources typo;
    typo.passthrough["memory.limit_in_bytez"] = "1G";
    auto st = m->apply(typo);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().what().find("cgroup/memory.limit_in_bytez = \"1G\""), std::string::npos)
        << st.error().what();
}

TEST(CgroupV1, StatsConvertUserHzAndReadMemoryAndOom) {
    test::FakeTree t;
    t.make_v1();
    auto m = open_ok(t.options(Layout::V1));
    ASSERT_TRUE(m->create());
    long hz = sysconf(_SC_CLK_TCK);
    t.file("cpu,cpuacct/vserver/web1/cpuacct.stat",
           fmt::format("user {}\nsystem {}\n", hz * 3, hz / 2));
    t.file("memory/vserver/web1/memory.usage_in_bytes", "4096\n");
    t.file("memory/vserver/web1/memory.max_usage_in_bytes", "8192\n");
    t.file("memory/vserver/web1/memory.oom_control",
           "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    t.file("pids/vserver/web1/pids.current", "7\n");
    auto s = m->stats();
    ASSERT_TRUE(s) << s.error().what();
    EXPECT_EQ(s->cpu_user_us, 3000000u);
    EXPECT_EQ(s->cpu_system_us, 500000u);
    EXPECT_EQ(s->memory_current, 4096u);
    EXPECT_EQ(s->memory_peak, 8192u);
    EXPECT_EQ(s->oom_kills, 2u);
    EXPECT_EQ(s->pids_current, 7u);
}

TEST(CgroupV1, PidsListsNestedCgroupsAndKillAllOfEmptyIsImmediate) {
    test::FakeTree t;
    t.make_v1();
    auto m = open_ok(t.options(Layout::V1));
    ASSERT_TRUE(m->create());
    t.file("pids/vserver/web1/cgroup.procs", "300\n100\n");
    t.file("pids/vserver/web1/init.scope/cgroup.procs", "200\n100\n");
    auto p = m->pids();
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, (std::vector<pid_t>{100, 200, 300}));
    t.file("pids/vserver/web1/cgroup.procs", "");
    t.file("pids/vserver/web1/init.scope/cgroup.procs", "");
    EXPECT_TRUE(m->kill_all());
}

TEST(CgroupV1, StatsOfAMissingGuestFail) {
    test::FakeTree t;
    t.make_v1();
    auto m = open_ok(t.options(Layout::V1));
    auto s = m->stats();
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ENOENT);
}
