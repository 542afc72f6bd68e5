// Every bad value is refused with an error that names the file's path and quotes the value.
#include <gtest/gtest.h>

#include "config/vserver/tree.hpp"
#include "unit/config/tree_fixture.hpp"

namespace vs::config::vserver::test {
namespace {

struct Bad {
    const char* rel;
    const char* value;
    std::vector<std::pair<const char*, const char*>> extra;  // other files the case needs
    const char* shown = nullptr;  // what the message must quote when not the value itself
};

const std::vector<Bad>& cases() {
    static const std::vector<Bad> v = {
        {"context", "abc", {}},
        {"context", "1", {}},
        {"context", "49152", {}},
        {"context", "-5", {}},
        {"name", "a/b", {}},
        {"uts/nodename", "bad name", {}},
        {"uts/nodename", "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh", {}},
        {"interfaces/dev", "a/b", {}},
        {"interfaces/prefix", "129", {}},
        {"interfaces/mask", "255.0.255.0", {}},
        {"interfaces/0/ip", "300.1.1.1", {}},
        {"interfaces/0/ip", "1.2.3", {}},
        {"interfaces/0/ip", "::g", {}},
        {"interfaces/0/ip", "0.0.0.0", {}},
        {"interfaces/0/ip", "224.0.0.5", {}},
        {"interfaces/0/ip", "255.255.255.255", {}},
        {"interfaces/0/prefix", "33", {{"interfaces/0/ip", "192.0.2.1"}}},
        {"interfaces/0/prefix", "x24", {{"interfaces/0/ip", "192.0.2.1"}}},
        {"interfaces/0/mask", "255.255.0.255", {{"interfaces/0/ip", "192.0.2.1"}}},
        {"interfaces/0/dev", "waytoolonginterface", {{"interfaces/0/ip", "192.0.2.1"}}},
        {"interfaces/0/name", "eth 0", {{"interfaces/0/ip", "192.0.2.1"}}},
        {"interfaces/0/mode", "ipvlan", {{"interfaces/0/ip", "192.0.2.1"}}},
        {"interfaces/0/mac", "zz:00:00:00:00:01", {{"interfaces/0/ip", "192.0.2.1"}}},
        {"interfaces/0/gateway", "1.2.3.999", {{"interfaces/0/ip", "192.0.2.1"}}},
        {"interfaces/0/nodev", "maybe", {{"interfaces/0/ip", "192.0.2.1"}}},
        {"bcapabilities", "CAP_FROBNICATE", {}},
        {"bcapabilities", "^99", {}},
        {"ccapabilities", "frobnicate", {}},
        {"ccapabilities", "syslog", {}},
        {"ccapabilities", "admin_cloop", {}},
        {"cflags", "virt_time", {}},
        {"cflags", "persistent", {}},
        {"cflags", "frobnicate", {}},
        {"flags", "sched_prio", {}},
        {"nonamespace", "", {}},
        {"userns", "sometimes", {}},
        {"userns", "100000 0", {}},
        {"seccomp", "../etc/x", {}},
        {"personality", "SVR4", {}},
        {"personality", "LINUX\nMMAP_PAGE_ZERO", {}, "MMAP_PAGE_ZERO"},
        {"shell", "bash", {}},
        {"nice", "20", {}},
        {"badness", "-1001", {}},
        {"apps/init/style", "upstart", {}},
        {"apps/init/style", "openrc", {}},
        {"apps/init/mark", "two words", {}},
        {"apps/init/runlevel", "a b", {}},
        {"apps/init/killseq", "15 5", {}},
        {"apps/init/killseq", "SIGFROB", {}},
        {"apps/init/cmd.start", "/bin/sh\r\r", {}, "/bin/sh"},
        {"apps/init/depends", "../x", {}},
        {"apps/init/environment", "NOEQUALS", {}},
        {"fstab", "proc /proc", {}},
        {"fstab", "none proc/rel proc defaults", {}},
        {"fstab", "none /../etc tmpfs defaults", {}},
        {"rlimits/nofile", "lots", {}},
        {"rlimits/frob", "10", {}, "frob"},
        {"rlimits/nsock", "10", {}, "nsock"},
        {"ulimits/nofile.min", "10", {}, "nofile.min"},
        {"sched/priority-bias", "3", {}},
        {"sched/fill-rate", "x", {}},
        {"sched/idle-time", "1", {}},
        {"sched/0/fill-rate", "1", {}, "0"},
        {"cgroup/noknob", "1", {}, "noknob"},
        {"limits/memory.max", "lots", {}},
        {"limits/memory.max", "0", {}},
        {"limits/memory.high", "12Q", {}},
        {"limits/cpu.max", "50 10", {}},
        {"limits/cpu.max", "10 100000", {}},
        {"limits/cpu.max", "1 2 3", {}},
        {"limits/cpu.weight", "0", {}},
        {"limits/cpu.weight", "10001", {}},
        {"limits/pids.max", "-3", {}},
        {"limits/io.weight", "heavy", {}},
        {"limits/hugetlb.huge.max", "1G", {}},
        {"dlimits/root/directory", "relative/dir", {}},
        {"dlimits/root/space_total", "big", {}},
        {"dlimits/root/reserved", "101", {}},
    };
    return v;
}

TEST_F(TreeTest, EveryBadValueNamesFileAndValue) {
    int n = 0;
    for (const auto& c : cases()) {
        std::string g = "bad" + std::to_string(n++);
        put(g, c.rel, std::string(c.value) + "\n");
        for (const auto& [rel, val] : c.extra) put(g, rel, std::string(val) + "\n");
        auto r = load(paths_, g);
        ASSERT_FALSE(r) << c.rel << " = " << c.value << " was accepted";
        const std::string& m = r.error().message;
        EXPECT_NE(m.find(dir(g) + "/" + c.rel), std::string::npos)
            << c.rel << ": message does not name the file: " << m;
        // The value is quoted (for multi-line values, its first line).
        std::string first(c.shown ? c.shown : c.value);
        first = first.substr(0, first.find('\n'));
        if (!first.empty()) {
            EXPECT_NE(m.find(first), std::string::npos)
                << c.rel << ": message does not show the value: " << m;
        }
    }
}

TEST_F(TreeTest, IncompleteDlimitAndSchedAreRefused) {
    put("d", "dlimits/root/directory", "/srv");
    auto r = load(paths_, "d");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(dir("d") + "/dlimits/root"), std::string::npos);
    put("s", "sched/fill-rate", "1");
    r = load(paths_, "s");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(dir("s") + "/sched/fill-rate"), std::string::npos);
    put("i", "interfaces/0/dev", "eth0");
    r = load(paths_, "i");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(dir("i") + "/interfaces/0"), std::string::npos);
}

TEST_F(TreeTest, DuplicateAddressWithinAGuest) {
    put("dup", "interfaces/0/ip", "192.0.2.5");
    put("dup", "interfaces/1/ip", "192.0.2.5");
    auto r = load(paths_, "dup");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("192.0.2.5"), std::string::npos);
    EXPECT_NE(r.error().message.find(dir("dup")), std::string::npos);
}

TEST_F(TreeTest, UsernsOnlyCcapsNeedUserns) {
    put("u", "ccapabilities", "set_utsname");
    auto r = load(paths_, "u");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("set_utsname"), std::string::npos);
    EXPECT_NE(r.error().message.find("userns"), std::string::npos);
    put("u", "userns", "");
    r = load(paths_, "u");
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_TRUE(r->spec.ns.user);
}

}  // namespace
}  // namespace vs::config::vserver::test
