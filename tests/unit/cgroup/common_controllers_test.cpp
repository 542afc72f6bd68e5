// The controllers shared by v1 and v2 (pids, cpuset, hugetlb) through each version's names.
#include <gtest/gtest.h>

#include "cgroup/v1/controllers.hpp"
#include "cgroup/v2/controllers.hpp"
#include "fake_tree.hpp"

namespace vs::cgroup {
namespace {

TEST(CommonControllers, HugetlbUsesEachVersionsFileAndUnlimitedSpelling) {
    test::FakeTree t;
    t.files("v1", {"hugetlb.2MB.limit_in_bytes", "hugetlb.1GB.limit_in_bytes"});
    t.files("v2", {"hugetlb.2MB.max", "hugetlb.1GB.max"});
    spec::Resources r;
    r.hugetlb_max["2MB"] = "max";
    r.hugetlb_max["1GB"] = "1073741824";
    ASSERT_TRUE(v1::apply_hugetlb(t.path("v1"), r));
    ASSERT_TRUE(v2::apply_hugetlb(t.path("v2"), r));
    EXPECT_EQ(t.read("v1/hugetlb.2MB.limit_in_bytes"), "-1");
    EXPECT_EQ(t.read("v1/hugetlb.1GB.limit_in_bytes"), "1073741824");
    EXPECT_EQ(t.read("v2/hugetlb.2MB.max"), "max");
    EXPECT_EQ(t.read("v2/hugetlb.1GB.max"), "1073741824");
    // A page size is part of a file name: nothing that could name another file.
    for (const char* bad : {"", "../2MB", "2MB.max"}) {
        spec::Resources b;
        // Appended, not `= "0"`: GCC 12 at -O3 inlines that assignment into a memcpy it cannot
        // bound and warns -Wrestrict (GCC bug 105651).
        b.hugetlb_max[bad] += '0';
        auto s = v2::apply_hugetlb(t.path("v2"), b);
        ASSERT_FALSE(s) << bad;
        EXPECT_EQ(s.error().code, EINVAL);
    }
}

TEST(CommonControllers, PidsAndCpusetWriteTheSameFilesOnBothVersions) {
    test::FakeTree t;
    for (const char* v : {"v1", "v2"}) t.files(v, {"pids.max", "cpuset.cpus", "cpuset.mems"});
    spec::Resources r;
    r.pids_max = -1;
    r.cpuset_cpus = "0";
    ASSERT_TRUE(v1::apply_pids(t.path("v1"), r));
    ASSERT_TRUE(v2::apply_pids(t.path("v2"), r));
    ASSERT_TRUE(v1::apply_cpuset(t.path("v1"), r));
    ASSERT_TRUE(v2::apply_cpuset(t.path("v2"), r));
    for (std::string v : {"v1", "v2"}) {
        EXPECT_EQ(t.read(v + "/pids.max"), "max");
        EXPECT_EQ(t.read(v + "/cpuset.cpus"), "0");
        EXPECT_EQ(t.read(v + "/cpuset.mems"), "") << "not asked: untouched";
    }
}

}  // namespace
}  // namespace vs::cgroup
