// mount::build_plan as data: order, hardening of /proc /sys /dev, the cgroup view, fstab rules.
#include "mount/plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "mount/options.hpp"

namespace vs::mount {
namespace {

GuestMounts hybrid() {
    GuestMounts g;
    g.root = "/var/lib/vservers/g";
    g.cgroups = {{"memory", "/sys/fs/cgroup/memory/vserver/g", ""},
                 {"cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/vserver/g", ""},
                 {"cpu", "", "cpu,cpuacct"},
                 {"unified", "/sys/fs/cgroup/unified/vserver/g", ""}};
    return g;
}

long index_of(const Plan& p, OpKind k, const std::string& target) {
    for (size_t i = 0; i < p.size(); ++i)
        if (p[i].kind == k && p[i].target == target) return static_cast<long>(i);
    return -1;
}

TEST(MountPlan, StartsPrivateEndsWithPivot) {
    auto p = build_plan(hybrid());
    ASSERT_TRUE(p);
    ASSERT_GE(p->size(), 3u);
    EXPECT_EQ((*p)[0].kind, OpKind::MakeRslave);
    EXPECT_EQ((*p)[1].kind, OpKind::BindRoot);
    EXPECT_EQ(p->back().kind, OpKind::PivotRoot);
    EXPECT_EQ(
        std::count_if(p->begin(), p->end(), [](auto& o) { return o.kind == OpKind::PivotRoot; }),
        1);
}

TEST(MountPlan, ProcIsHardenedAndMaskedAfterItIsMounted) {
    auto p = *build_plan(hybrid());
    long proc = index_of(p, OpKind::NewFs, "/proc");
    ASSERT_GE(proc, 0);
    EXPECT_EQ(p[static_cast<size_t>(proc)].fstype, "proc");
    EXPECT_EQ(p[static_cast<size_t>(proc)].attrs & (kNosuid | kNodev | kNoexec),
              kNosuid | kNodev | kNoexec);
    for (auto& m : masked_paths()) {
        long i = index_of(p, OpKind::MaskPath, m);
        EXPECT_GE(i, 0) << m;
        if (m.rfind("/proc/", 0) == 0) {
            EXPECT_GT(i, proc) << m;
        }
    }
    for (auto& r : readonly_paths()) EXPECT_GT(index_of(p, OpKind::ReadOnly, r), proc) << r;
    for (const char* must : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"})
        EXPECT_GE(index_of(p, OpKind::MaskPath, must), 0) << must;
    for (const char* must :
         {"/proc/sys", "/proc/sysrq-trigger", "/proc/bus", "/proc/fs", "/proc/irq"})
        EXPECT_GE(index_of(p, OpKind::ReadOnly, must), 0) << must;
}

TEST(MountPlan, LxcfsFilesFollowTheFlagsAndComeAfterTheirFilesystem) {
    auto g = hybrid();
    auto plain = *build_plan(g);
    EXPECT_EQ(std::count_if(plain.begin(), plain.end(), [](auto& o) { return o.lxcfs; }), 0);
    g.lxcfs = {"/run/l", true, false, false};
    EXPECT_EQ(lxcfs_files(g.lxcfs), (std::vector<std::string>{"/proc/meminfo", "/proc/swaps"}));
    g.lxcfs.cpu = g.lxcfs.load = true;
    auto p = *build_plan(g);
    long proc = index_of(p, OpKind::NewFs, "/proc");
    long sys = index_of(p, OpKind::NewFs, "/sys");
    for (auto& f : lxcfs_files(g.lxcfs)) {
        long i = index_of(p, OpKind::Bind, f);
        ASSERT_GE(i, 0) << f;
        const Op& o = p[static_cast<size_t>(i)];
        EXPECT_EQ("/" + o.source, f);  // relative to the lxcfs mount's fd
        EXPECT_TRUE(o.lxcfs);
        EXPECT_TRUE(o.attrs & kRdonly) << f;
        EXPECT_FALSE(o.fstab_bind);
        EXPECT_GT(i, f.rfind("/sys/", 0) == 0 ? sys : proc) << f;
    }
    EXPECT_GE(index_of(p, OpKind::Bind, "/sys/devices/system/cpu/online"), 0);
    EXPECT_GE(index_of(p, OpKind::Bind, "/proc/loadavg"), 0);
    EXPECT_LT(index_of(p, OpKind::Bind, "/proc/uptime"), 0);  // virt_uptime: a time namespace
}

TEST(MountPlan, SysIsAFreshReadOnlySysfsInItsOwnNetns) {
    auto p = *build_plan(hybrid());
    long sys = index_of(p, OpKind::NewFs, "/sys");
    ASSERT_GE(sys, 0);
    EXPECT_EQ(p[static_cast<size_t>(sys)].fstype, "sysfs");
    EXPECT_TRUE(p[static_cast<size_t>(sys)].attrs & kRdonly);
    EXPECT_GT(index_of(p, OpKind::MaskPath, "/sys/firmware"), sys);
}

TEST(MountPlan, SharedNetworkBindsTheHostSysReadOnly) {
    auto g = hybrid();
    g.own_netns = false;
    auto p = *build_plan(g);
    EXPECT_EQ(index_of(p, OpKind::NewFs, "/sys"), -1);
    long b = index_of(p, OpKind::Bind, "/sys");
    ASSERT_GE(b, 0);
    EXPECT_EQ(p[static_cast<size_t>(b)].source, "/sys");
    EXPECT_TRUE(p[static_cast<size_t>(b)].recursive);
    EXPECT_TRUE(p[static_cast<size_t>(b)].attrs & kRdonly);
}

TEST(MountPlan, CgroupViewIsReadOnlyOwnLeavesThenSealed) {
    auto p = *build_plan(hybrid());
    long t = index_of(p, OpKind::NewFs, "/sys/fs/cgroup");
    long seal = index_of(p, OpKind::SealReadOnly, "/sys/fs/cgroup");
    ASSERT_GE(t, 0);
    ASSERT_GT(seal, t);
    long mem = index_of(p, OpKind::Bind, "/sys/fs/cgroup/memory");
    ASSERT_GT(mem, t);
    EXPECT_LT(mem, seal);
    EXPECT_EQ(p[static_cast<size_t>(mem)].source, "/sys/fs/cgroup/memory/vserver/g");
    EXPECT_TRUE(p[static_cast<size_t>(mem)].attrs & kRdonly);
    long link = index_of(p, OpKind::Symlink, "/sys/fs/cgroup/cpu");
    ASSERT_GE(link, 0);
    EXPECT_EQ(p[static_cast<size_t>(link)].source, "cpu,cpuacct");
    // Every bind under the view is read-only.
    for (auto& o : p)
        if (o.kind == OpKind::Bind && o.target.rfind("/sys/fs/cgroup", 0) == 0) {
            EXPECT_TRUE(o.attrs & kRdonly) << o.target;
        }
}

TEST(MountPlan, PureV2BindsTheGuestCgroupAsTheWholeView) {
    GuestMounts g;
    g.cgroups = {{"", "/sys/fs/cgroup/vserver/g", ""}};
    auto p = *build_plan(g);
    long b = index_of(p, OpKind::Bind, "/sys/fs/cgroup");
    ASSERT_GE(b, 0);
    EXPECT_EQ(p[static_cast<size_t>(b)].source, "/sys/fs/cgroup/vserver/g");
    EXPECT_TRUE(p[static_cast<size_t>(b)].attrs & kRdonly);
    EXPECT_EQ(index_of(p, OpKind::NewFs, "/sys/fs/cgroup"), -1);
}

TEST(MountPlan, DevIsATmpfsWithTheStandardNodesAndANewDevpts) {
    auto p = *build_plan(hybrid());
    long dev = index_of(p, OpKind::NewFs, "/dev");
    ASSERT_GE(dev, 0);
    EXPECT_EQ(p[static_cast<size_t>(dev)].fstype, "tmpfs");
    EXPECT_TRUE(p[static_cast<size_t>(dev)].attrs & kNosuid);
    struct N {
        const char* name;
        unsigned maj, min;
    };
    for (N n : {N{"null", 1, 3}, N{"zero", 1, 5}, N{"full", 1, 7}, N{"random", 1, 8},
                N{"urandom", 1, 9}, N{"tty", 5, 0}}) {
        long i = index_of(p, OpKind::Device, std::string("/dev/") + n.name);
        ASSERT_GT(i, dev) << n.name;
        EXPECT_EQ(p[static_cast<size_t>(i)].major, n.maj);
        EXPECT_EQ(p[static_cast<size_t>(i)].minor, n.min);
    }
    long pts = index_of(p, OpKind::NewFs, "/dev/pts");
    ASSERT_GT(pts, dev);
    auto& params = p[static_cast<size_t>(pts)].params;
    EXPECT_NE(std::find(params.begin(), params.end(),
                        std::make_pair(std::string("ptmxmode"), std::string("0666"))),
              params.end());
    long ptmx = index_of(p, OpKind::Symlink, "/dev/ptmx");
    ASSERT_GE(ptmx, 0);
    EXPECT_EQ(p[static_cast<size_t>(ptmx)].source, "pts/ptmx");
    EXPECT_GE(index_of(p, OpKind::NewFs, "/dev/shm"), 0);
    EXPECT_GE(index_of(p, OpKind::Symlink, "/dev/fd"), 0);
    EXPECT_GE(index_of(p, OpKind::Symlink, "/dev/stderr"), 0);
}

TEST(MountPlan, FstabEntriesAreMountedRelativeToTheRootAndManagedOnesSkipped) {
    auto g = hybrid();
    g.fstab = {{"none", "/proc", "proc", "defaults"},
               {"none", "/dev/pts", "devpts", "gid=5,mode=620"},
               {"none", "/tmp", "tmpfs", "size=16m,mode=1777,nosuid"},
               {"/srv/data", "/data", "none", "bind,ro"},
               {"none", "/later", "tmpfs", "noauto"}};
    auto p = *build_plan(g);
    EXPECT_EQ(std::count_if(p.begin(), p.end(),
                            [](auto& o) { return o.target == "/proc" && o.kind == OpKind::NewFs; }),
              1);
    long tmp = index_of(p, OpKind::NewFs, "/tmp");
    ASSERT_GE(tmp, 0);
    EXPECT_EQ(p[static_cast<size_t>(tmp)].fstype, "tmpfs");
    EXPECT_TRUE(p[static_cast<size_t>(tmp)].attrs & kNosuid);
    EXPECT_TRUE(p[static_cast<size_t>(tmp)].create);
    long data = index_of(p, OpKind::Bind, "/data");
    ASSERT_GE(data, 0);
    EXPECT_EQ(p[static_cast<size_t>(data)].source, "/srv/data");
    EXPECT_TRUE(p[static_cast<size_t>(data)].attrs & kRdonly);
    EXPECT_EQ(index_of(p, OpKind::NewFs, "/later"), -1);
    EXPECT_LT(data, static_cast<long>(p.size()) - 1);  // before pivot_root
}

TEST(MountPlan, BadFstabEntriesAreRefusedNamingTheTarget) {
    for (auto e : {spec::FstabEntry{"none", "tmp", "tmpfs", ""},
                   spec::FstabEntry{"none", "/a/../../etc", "tmpfs", ""},
                   spec::FstabEntry{"data", "/data", "none", "bind"},
                   spec::FstabEntry{"none", "/x", "tmpfs", "ro,,size=1"}}) {
        auto g = hybrid();
        g.fstab = {e};
        auto p = build_plan(g);
        ASSERT_FALSE(p) << e.target;
        EXPECT_NE(p.error().message.find(e.target), std::string::npos) << p.error().message;
    }
}

TEST(MountPlan, ExtraProcSysfsDevptsGetTheGuestsOwnConfinement) {
    auto g = hybrid();
    g.fstab = {{"proc", "/mnt/p/", "proc", "rw,hidepid=2"},
               {"sysfs", "/mnt/s", "sysfs", "rw"},
               {"devpts", "/mnt/pts", "devpts", "mode=600"}};
    auto p = *build_plan(g);
    long proc = index_of(p, OpKind::NewFs, "/mnt/p");
    ASSERT_GE(proc, 0);
    auto& po = p[static_cast<size_t>(proc)];
    EXPECT_EQ(po.attrs & (kNosuid | kNodev | kNoexec), kNosuid | kNodev | kNoexec);
    EXPECT_FALSE(po.attrs & kRdonly);
    EXPECT_EQ(po.params, (decltype(po.params){{"hidepid", "2"}}));
    for (const char* m : {"/mnt/p/kcore", "/mnt/p/keys", "/mnt/p/timer_list", "/mnt/p/acpi"})
        EXPECT_GT(index_of(p, OpKind::MaskPath, m), proc) << m;
    for (const char* r : {"/mnt/p/sys", "/mnt/p/sysrq-trigger", "/mnt/p/irq", "/mnt/p/bus"})
        EXPECT_GT(index_of(p, OpKind::ReadOnly, r), proc) << r;

    long sys = index_of(p, OpKind::NewFs, "/mnt/s");
    ASSERT_GE(sys, 0);
    EXPECT_EQ(p[static_cast<size_t>(sys)].attrs & (kRdonly | kNosuid | kNodev | kNoexec),
              kRdonly | kNosuid | kNodev | kNoexec);  // "rw" in the fstab does not win
    EXPECT_GT(index_of(p, OpKind::MaskPath, "/mnt/s/firmware"), sys);
    EXPECT_GT(index_of(p, OpKind::MaskPath, "/mnt/s/devices/virtual/powercap"), sys);

    long pts = index_of(p, OpKind::NewFs, "/mnt/pts");
    ASSERT_GE(pts, 0);
    auto& to = p[static_cast<size_t>(pts)];
    EXPECT_EQ(to.attrs & (kNosuid | kNoexec), kNosuid | kNoexec);
    EXPECT_NE(std::find(to.params.begin(), to.params.end(),
                        std::pair<std::string, std::string>{"newinstance", ""}),
              to.params.end());

    // Without its own network namespace the extra sysfs is the host's, bound read-only alone.
    g.own_netns = false;
    p = *build_plan(g);
    long bound = index_of(p, OpKind::Bind, "/mnt/s");
    ASSERT_GE(bound, 0);
    EXPECT_EQ(p[static_cast<size_t>(bound)].source, "/sys");
    EXPECT_FALSE(p[static_cast<size_t>(bound)].recursive);
    EXPECT_TRUE(p[static_cast<size_t>(bound)].attrs & kRdonly);
    EXPECT_GT(index_of(p, OpKind::MaskPath, "/mnt/s/firmware"), bound);
}

TEST(MountPlan, CgroupAndHostKernelFilesystemsInTheFstabAreRefusedNamingTheLine) {
    for (const char* t :
         {"cgroup", "cgroup2", "debugfs", "tracefs", "securityfs", "bpf", "binfmt_misc"}) {
        auto g = hybrid();
        g.fstab = {{"none", "/mnt/x", t, "defaults"}};
        auto p = build_plan(g);
        ASSERT_FALSE(p) << t;
        EXPECT_NE(p.error().message.find(fmt::format("\"none /mnt/x {} defaults\"", t)),
                  std::string::npos)
            << p.error().message;
    }
}

TEST(MountPlan, FstabBindsAreCheckedForKernelFilesystemSources) {
    auto g = hybrid();
    g.fstab = {{"/srv/data", "/data", "none", "bind"}};
    auto p = *build_plan(g);
    long data = index_of(p, OpKind::Bind, "/data");
    ASSERT_GE(data, 0);
    EXPECT_TRUE(p[static_cast<size_t>(data)].fstab_bind);
    // The plan's own binds (cgroup views) come from cgroupfs on purpose.
    for (auto& o : p)
        if (o.target != "/data") {
            EXPECT_FALSE(o.fstab_bind) << o.target;
        }
}

TEST(MountPlan, ManagedTargets) {
    for (const char* t :
         {"/proc", "/proc/", "/sys", "/dev", "/dev/pts", "/dev/shm", "/sys/fs/cgroup", "/"})
        EXPECT_TRUE(is_managed_target(t)) << t;
    for (const char* t : {"/tmp", "/proc2", "/devices", "/dev/hugepages"})
        EXPECT_FALSE(is_managed_target(t)) << t;
}

// Empty files cost a tmpfs no bytes: every writable tmpfs the guest gets bounds its inodes too.
TEST(MountPlan, WritableTmpfsMountsBoundTheirInodes) {
    auto g = hybrid();
    g.fstab = {{"none", "/tmp", "tmpfs", "size=16m,mode=1777"},
               {"none", "/big", "tmpfs", "size=2g"},
               {"none", "/own", "tmpfs", "size=16m,nr_inodes=100"},
               {"none", "/pct", "tmpfs", "size=10%"}};
    auto p = *build_plan(g);
    auto inodes = [&](const char* target) -> std::string {
        long i = index_of(p, OpKind::NewFs, target);
        if (i < 0) return "no mount";
        for (auto& [k, v] : p[static_cast<size_t>(i)].params)
            if (k == "nr_inodes") return v;
        return "";
    };
    EXPECT_EQ(inodes("/dev"), "16384");
    EXPECT_EQ(inodes("/dev/shm"), "65536");
    EXPECT_EQ(inodes("/tmp"), "16384");    // one per KiB of size=16m
    EXPECT_EQ(inodes("/big"), "2097152");  // one per KiB of 2g
    EXPECT_EQ(inodes("/own"), "100");      // the admin's own figure stays
    EXPECT_EQ(inodes("/pct"), "");         // a share of RAM: left to the admin
}

}  // namespace
}  // namespace vs::mount
