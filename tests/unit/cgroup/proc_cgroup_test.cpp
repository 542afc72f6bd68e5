// cgroup::guest_from_proc_cgroup: /proc/<pid>/cgroup text -> guest name.
#include <gtest/gtest.h>

#include "cgroup/manager.hpp"

using vs::cgroup::guest_from_proc_cgroup;

TEST(ProcCgroup, HybridLinesNameTheGuest) {
    const std::string text =
        "9:name=systemd:/vserver/web1\n8:pids:/vserver/web1\n4:memory:/vserver/web1\n"
        "1:cpu:/vserver/web1\n0::/vserver/web1\n";
    EXPECT_EQ(guest_from_proc_cgroup(text, "vserver").value_or("-"), "web1");
}

TEST(ProcCgroup, V2OnlyAndNestedBelowTheGuest) {
    EXPECT_EQ(guest_from_proc_cgroup("0::/vserver/db/init.scope\n", "vserver").value_or("-"), "db");
}

TEST(ProcCgroup, ParentWithSlashes) {
    const std::string text = "0::/machine.slice/vs/guests/mail/sub\n";
    EXPECT_EQ(guest_from_proc_cgroup(text, "machine.slice/vs/guests").value_or("-"), "mail");
    EXPECT_EQ(guest_from_proc_cgroup(text, "/machine.slice/vs/guests/").value_or("-"), "mail");
    EXPECT_EQ(guest_from_proc_cgroup(text, "machine.slice/vs").value_or("-"), "guests");
}

TEST(ProcCgroup, HostProcessesHaveNoGuest) {
    EXPECT_FALSE(guest_from_proc_cgroup("0::/\n", "vserver"));
    EXPECT_FALSE(guest_from_proc_cgroup("4:memory:/process_api/abc\n0::/\n", "vserver"));
    // The parent itself, and a sibling whose name merely starts like the parent.
    EXPECT_FALSE(guest_from_proc_cgroup("0::/vserver\n", "vserver"));
    EXPECT_FALSE(guest_from_proc_cgroup("0::/vserver2/web1\n", "vserver"));
    EXPECT_FALSE(guest_from_proc_cgroup("", "vserver"));
    EXPECT_FALSE(guest_from_proc_cgroup("garbage\n", "vserver"));
}

TEST(ProcCgroup, GuestInOneHierarchyOnly) {
    // v1 with the memory hierarchy elsewhere (e.g. a host agent): any line naming us counts.
    const std::string text = "4:memory:/process_api/abc\n8:pids:/vserver/web1\n0::/\n";
    EXPECT_EQ(guest_from_proc_cgroup(text, "vserver").value_or("-"), "web1");
}
