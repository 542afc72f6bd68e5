// save(spec) then load(): a hand-built spec comes back field for field.
#include <gtest/gtest.h>
#include <linux/capability.h>

#include "config/vserver/registry.hpp"
#include "config/vserver/tree.hpp"
#include "spec/capabilities.hpp"
#include "spec/context_flags.hpp"
#include "unit/config/spec_text.hpp"
#include "unit/config/tree_fixture.hpp"

namespace vs::config::vserver::test {
namespace {

TEST_F(TreeTest, HandBuiltSpecRoundTrips) {
    auto s = *base_spec(paths_, "rt");
    apply_defaults(s);
    s.context = 40200;
    s.nodename = "rt.example";
    s.domainname = "example";
    s.root = "/srv/rt";
    s.cache_dir = "/var/cache/rt";
    s.default_dev = "br0";
    s.default_prefix = 24;
    spec::Interface a;
    a.id = "0";
    a.ip = "198.51.100.7";
    a.name = "eth0";
    a.mode = "macvlan";
    a.dev = "eth9";
    a.mac = "02:00:00:00:00:07";
    a.gateway = "198.51.100.1";
    spec::Interface b;
    b.id = "1";
    b.ip = "2001:db8::7";
    b.prefix = 64;
    b.nodev = true;
    b.disabled = true;
    s.interfaces = {a, b};
    s.caps.bounding = (s.caps.bounding | spec::cap_bit(CAP_NET_ADMIN)) & ~spec::cap_bit(CAP_KILL);
    s.caps.ccaps = {"set_rlimit"};
    s.flags.names = {"private", "sc_helper"};
    s.ns.user = true;
    s.idmap = spec::IdMap{200000, 65536};
    ASSERT_TRUE(spec::apply_context_mechanisms(s));
    s.no_new_privs = true;
    s.seccomp_profile = "unconfined";
    s.init.style = spec::InitStyle::Reaper;
    s.init.mark = "web";
    s.init.runlevel_start = "4";
    s.init.runlevel_stop = "1";
    s.init.killseq = {{1, 3}, {15, 7}, {9, 0}};
    s.init.cmd_start = {"/usr/sbin/nginx", "-g", "daemon off;"};
    s.init.cmd_stop = {"/usr/sbin/nginx", "-s", "quit"};
    s.init.cmd_prepare = {"/bin/true"};
    s.init.depends = {"db"};
    s.init.environment = {"PATH=/usr/bin", "TZ=UTC"};
    s.shell = "/bin/sh";
    s.nice = -3;
    s.oom_score_adj = 200;
    s.personality = 0x0008;
    s.rlimits["nofile"] = {1024, 2048, std::nullopt};
    s.rlimits["nproc"] = {300, 300, std::nullopt};
    s.resources.pids_max = 300;  // what rlimits/nproc implies
    s.ulimits["core"] = {0, spec::Rlimit::kUnlimited, std::nullopt};
    s.fstab = {{"none", "/proc", "proc", "defaults"}, {"/srv/x y", "/data", "none", "bind"}};
    s.dlimits = {{"root", "/srv/rt", 1000000, 50000, 5, false},
                 {"var", "/srv/rt/var", 10, 10, 0, true}};
    s.resources.memory_max = 1LL << 30;
    s.resources.memory_high = 768LL << 20;
    s.resources.memory_swap_max = 0;
    s.resources.cpu_weight = 300;
    s.resources.cpu_quota_us = 50000;
    s.resources.cpu_period_us = 100000;
    s.resources.cpuset_cpus = "0-1";
    s.resources.cpuset_mems = "0";
    s.resources.io_weight = 500;
    s.resources.hugetlb_max["2MB"] = "4194304";
    s.resources.passthrough["memory.oom.group"] = "1";
    s.scripts.by_phase["pre-start"] = {dir("rt") + "/scripts/pre-start.d/10-net"};
    put("rt", "scripts/pre-start.d/10-net", "#!/bin/sh\n");

    ASSERT_TRUE(save(s, dir("rt")));
    auto r = load(paths_, "rt");
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_TRUE(r->unknown.empty());
    EXPECT_EQ(describe(r->spec), describe(s));
    // A second save changes nothing on disk that a load can see.
    ASSERT_TRUE(save(r->spec, dir("rt")));
    auto r2 = load(paths_, "rt");
    ASSERT_TRUE(r2);
    EXPECT_EQ(describe(r2->spec), describe(s));
}

TEST_F(TreeTest, DefaultSpecWritesAlmostNothing) {
    auto s = *base_spec(paths_, "min");
    apply_defaults(s);
    ASSERT_TRUE(spec::apply_context_mechanisms(s));
    ASSERT_TRUE(save(s, dir("min")));
    auto names = sys::list_dir(dir("min"));
    ASSERT_TRUE(names);
    EXPECT_EQ(*names, (std::vector<std::string>{"cache", "name", "vdir"}));
    auto r = load(paths_, "min");
    ASSERT_TRUE(r) << r.error().what();
    EXPECT_EQ(describe(r->spec), describe(s));
}

}  // namespace
}  // namespace vs::config::vserver::test
