// cgroup::Manager on fake cgroup2 and hybrid trees: subtree_control, v2 knobs, stats.
#include <gtest/gtest.h>

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

// A parent as the kernel would show it right after mkdir: it offers what the root enabled.
void kernel_parent(const test::FakeTree& t, const std::string& rel, const std::string& ctrls) {
    t.file(rel + "/cgroup.controllers", ctrls + "\n");
    t.file(rel + "/cgroup.subtree_control", "");
}

}  // namespace

TEST(CgroupV2, CreateEnablesControllersDownToTheParent) {
    test::FakeTree t;
    t.make_v2("", "cpuset cpu io memory hugetlb pids rdma");
    kernel_parent(t, "vserver", "cpuset cpu io memory pids");
    auto m = open_ok(t.options(Layout::V2));
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->create());
    EXPECT_TRUE(t.has("vserver/web1"));
    EXPECT_EQ(m->unified_path(), t.path("vserver/web1"));
    EXPECT_EQ(m->controller_path("memory"), t.path("vserver/web1"));
    EXPECT_EQ(m->controller_path("freezer"), "");
    // hugetlb and rdma are left alone until a limit needs them.
    EXPECT_EQ(t.read("cgroup.subtree_control"), "+cpuset +cpu +io +memory +pids");
    EXPECT_EQ(t.read("vserver/cgroup.subtree_control"), "+cpuset +cpu +io +memory +pids");
    EXPECT_FALSE(t.has("vserver/web1/cgroup.subtree_control"));  // never the leaf
}

TEST(CgroupV2, AlreadyEnabledControllersAreNotRewritten) {
    test::FakeTree t;
    t.make_v2("", "cpu memory pids");
    t.file("cgroup.subtree_control", "cpu memory pids\n");
    kernel_parent(t, "vserver", "cpu memory pids");
    t.file("vserver/cgroup.subtree_control", "cpu memory pids\n");
    auto m = open_ok(t.options(Layout::V2));
    ASSERT_TRUE(m->create());
    EXPECT_EQ(t.read("cgroup.subtree_control"), "cpu memory pids\n");
    EXPECT_EQ(t.read("vserver/cgroup.subtree_control"), "cpu memory pids\n");
}

TEST(CgroupV2, ApplyWritesV2Knobs) {
    test::FakeTree t;
    t.make_v2();
    kernel_parent(t, "vserver", "cpuset cpu io memory hugetlb pids");
    auto m = open_ok(t.options(Layout::V2));
    ASSERT_TRUE(m->create());
    t.files("vserver/web1",
            {"memory.max", "memory.high", "memory.swap.max", "cpu.weight", "cpu.max", "cpuset.cpus",
             "cpuset.mems", "pids.max", "io.weight", "hugetlb.2MB.max"});
    spec::Resources r;
    r.memory_max = 64 << 20;
    r.memory_high = -1;
    r.memory_swap_max = 0;
    r.cpu_weight = 200;
    r.cpu_quota_us = 50000;
    r.cpu_period_us = 100000;
    r.cpuset_cpus = "0-1";
    r.pids_max = 64;
    r.io_weight = 300;
    r.hugetlb_max["2MB"] = "max";
    auto st = m->apply(r);
    ASSERT_TRUE(st) << st.error().what();
    EXPECT_EQ(t.read("vserver/web1/memory.max"), "67108864");
    EXPECT_EQ(t.read("vserver/web1/memory.high"), "max");
    EXPECT_EQ(t.read("vserver/web1/memory.swap.max"), "0");
    EXPECT_EQ(t.read("vserver/web1/cpu.weight"), "200");
    EXPECT_EQ(t.read("vserver/web1/cpu.max"), "50000 100000");
    EXPECT_EQ(t.read("vserver/web1/cpuset.cpus"), "0-1");
    EXPECT_EQ(t.read("vserver/web1/cpuset.mems"), "");  // not asked: untouched
    EXPECT_EQ(t.read("vserver/web1/pids.max"), "64");
    EXPECT_EQ(t.read("vserver/web1/io.weight"), "default 300");
    EXPECT_EQ(t.read("vserver/web1/hugetlb.2MB.max"), "max");
    // hugetlb got enabled on demand.
    EXPECT_NE(t.read("vserver/cgroup.subtree_control").find("+hugetlb"), std::string::npos);
}

TEST(CgroupV2, CpuPeriodAloneKeepsTheQuota) {
    test::FakeTree t;
    t.make_v2();
    kernel_parent(t, "vserver", "cpu");
    auto m = open_ok(t.options(Layout::V2));
    ASSERT_TRUE(m->create());
    t.file("vserver/web1/cpu.max", "25000 100000\n");
    spec::Resources r;
    r.cpu_period_us = 50000;
    ASSERT_TRUE(m->apply(r));
    EXPECT_EQ(t.read("vserver/web1/cpu.max"), "25000 50000");
    spec::Resources q;
    q.cpu_quota_us = -1;
    ASSERT_TRUE(m->apply(q));
    EXPECT_EQ(t.read("vserver/web1/cpu.max"), "max");
}

TEST(CgroupV2, OutOfRangeWeightsAreRefusedNamingTheFile) {
    test::FakeTree t;
    t.make_v2();
    kernel_parent(t, "vserver", "cpu io");
    auto m = open_ok(t.options(Layout::V2));
    ASSERT_TRUE(m->create());
    t.files("vserver/web1", {"cpu.weight", "io.weight"});
    spec::Resources r;
    r.cpu_weight = 20000;
    auto st = m->apply(r);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().what().find("cpu.weight\" = \"20000\""), std::string::npos)
        << st.error().what();
}

TEST(CgroupV2, StatsFromCpuStatMemoryEventsAndPids) {
    test::FakeTree t;
    t.make_v2();
    kernel_parent(t, "vserver", "cpu memory pids");
    auto m = open_ok(t.options(Layout::V2));
    ASSERT_TRUE(m->create());
    t.file("vserver/web1/cpu.stat", "usage_usec 300\nuser_usec 200\nsystem_usec 100\n");
    t.file("vserver/web1/memory.current", "1000\n");
    t.file("vserver/web1/memory.peak", "5000\n");
    t.file("vserver/web1/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
    t.file("vserver/web1/pids.current", "3\n");
    auto s = m->stats();
    ASSERT_TRUE(s) << s.error().what();
    EXPECT_EQ(s->cpu_user_us, 200u);
    EXPECT_EQ(s->cpu_system_us, 100u);
    EXPECT_EQ(s->memory_current, 1000u);
    EXPECT_EQ(s->memory_peak, 5000u);
    EXPECT_EQ(s->oom_kills, 1u);
    EXPECT_EQ(s->pids_current, 3u);
}

TEST(CgroupV2, KillAllWaitsForPopulatedZeroAndTimesOut) {
    test::FakeTree t;
    t.make_v2();
    kernel_parent(t, "vserver", "pids");
    auto m = open_ok(t.options(Layout::V2));
    ASSERT_TRUE(m->create());
    t.file("vserver/web1/cgroup.kill", "");
    t.file("vserver/web1/cgroup.events", "populated 1\nfrozen 0\n");
    auto st = m->kill_all();  // nothing ever empties a fake tree: bounded by timeout_ms
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ETIMEDOUT);
    EXPECT_EQ(t.read("vserver/web1/cgroup.kill"), "1");
    t.file("vserver/web1/cgroup.events", "populated 0\nfrozen 0\n");
    EXPECT_TRUE(m->kill_all());
}

TEST(CgroupV2, FreezeUsesCgroupFreeze) {
    test::FakeTree t;
    t.make_v2();
    kernel_parent(t, "vserver", "pids");
    auto m = open_ok(t.options(Layout::V2));
    ASSERT_TRUE(m->create());
    t.file("vserver/web1/cgroup.freeze", "0\n");
    t.file("vserver/web1/cgroup.events", "populated 1\nfrozen 1\n");
    ASSERT_TRUE(m->freeze(true));
    EXPECT_EQ(t.read("vserver/web1/cgroup.freeze"), "1");
}

TEST(CgroupHybrid, V1ControllersPlusAUnifiedNode) {
    test::FakeTree t;
    t.make_v1();
    t.make_v2("unified", "hugetlb");
    kernel_parent(t, "unified/vserver", "hugetlb");
    auto m = open_ok(t.options(Layout::Hybrid));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->layout(), Layout::Hybrid);
    ASSERT_TRUE(m->create());
    EXPECT_TRUE(t.has("unified/vserver/web1"));
    EXPECT_TRUE(t.has("memory/vserver/web1"));
    EXPECT_EQ(m->unified_path(), t.path("unified/vserver/web1"));
    EXPECT_EQ(m->controller_path("hugetlb"), t.path("unified/vserver/web1"));
    EXPECT_EQ(m->controller_path("memory"), t.path("memory/vserver/web1"));
    // Nothing enabled in the host's cgroup2 root just for creating a guest.
    EXPECT_EQ(t.read("unified/cgroup.subtree_control"), "");

    t.files("unified/vserver/web1", {"hugetlb.1GB.max"});
    t.files("memory/vserver/web1", {"memory.limit_in_bytes"});
    spec::Resources r;
    r.hugetlb_max["1GB"] = "0";
    r.memory_max = 1 << 20;
    ASSERT_TRUE(m->apply(r));
    EXPECT_EQ(t.read("unified/vserver/web1/hugetlb.1GB.max"), "0");
    EXPECT_EQ(t.read("unified/cgroup.subtree_control"), "+hugetlb");
    EXPECT_EQ(t.read("memory/vserver/web1/memory.limit_in_bytes"), "1048576");

    // cpu time comes from v1 cpuacct even though the unified node has a cpu.stat.
    t.file("cpu,cpuacct/vserver/web1/cpuacct.stat", "user 0\nsystem 0\n");
    t.file("unified/vserver/web1/cpu.stat", "user_usec 999\nsystem_usec 999\n");
    t.file("memory/vserver/web1/memory.usage_in_bytes", "1\n");
    t.file("memory/vserver/web1/memory.max_usage_in_bytes", "2\n");
    t.file("memory/vserver/web1/memory.oom_control", "oom_kill 0\n");
    t.file("pids/vserver/web1/pids.current", "1\n");
    auto s = m->stats();
    ASSERT_TRUE(s) << s.error().what();
    EXPECT_EQ(s->cpu_user_us, 0u);
}

TEST(CgroupHybrid, AddPidWritesEveryHierarchy) {
    test::FakeTree t;
    t.make_v1();
    t.make_v2("unified", "");
    kernel_parent(t, "unified/vserver", "");
    auto m = open_ok(t.options(Layout::Hybrid));
    ASSERT_TRUE(m->create());
    for (const char* h :
         {"cpu,cpuacct", "memory", "pids", "cpuset", "freezer", "blkio", "systemd", "unified"})
        t.file(std::string(h) + "/vserver/web1/cgroup.procs", "");
    ASSERT_TRUE(m->add_pid(4242));
    for (const char* h :
         {"cpu,cpuacct", "memory", "pids", "cpuset", "freezer", "blkio", "systemd", "unified"})
        EXPECT_EQ(t.read(std::string(h) + "/vserver/web1/cgroup.procs"), "4242") << h;
}

TEST(CgroupOpen, RefusesNamesThatLeaveTheTree) {
    test::FakeTree t;
    t.make_v1();
    for (auto [parent, name] :
         std::vector<std::pair<std::string, std::string>>{{"vserver", ""},
                                                          {"vserver", ".."},
                                                          {"vserver", "a/b"},
                                                          {"", "web1"},
                                                          {"/", "web1"},
                                                          {"a/../b", "web1"}}) {
        auto m = cgroup::open(t.options(Layout::V1, parent, name));
        EXPECT_FALSE(m) << parent << " " << name;
        if (!m) {
            EXPECT_EQ(m.error().code, EINVAL);
        }
    }
}

TEST(CgroupDetect, PlainDirectoryIsNoCgroupRoot) {
    test::FakeTree t;
    t.make_v1();
    auto l = cgroup::detect(t.root);
    ASSERT_FALSE(l);
    EXPECT_EQ(l.error().code, ENOENT);
    EXPECT_NE(l.error().what().find(t.root), std::string::npos);
}
