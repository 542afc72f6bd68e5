// The full util-vserver tree in tests/fixtures/config/web1: every key group read, then written
// and read back unchanged.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/personality.h>

#include <filesystem>

#include "config/vserver/tree.hpp"
#include "spec/capabilities.hpp"
#include "unit/config/spec_text.hpp"
#include "unit/config/tree_fixture.hpp"

namespace vs::config::vserver::test {
namespace {

namespace fs = std::filesystem;

class FixtureTest : public TreeTest {
protected:
    void SetUp() override {
        TreeTest::SetUp();
        fs::copy(std::string(VS_SOURCE_DIR) + "/tests/fixtures/config/web1", dir("web1"),
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    }
};

TEST_F(FixtureTest, ReadsEveryGroup) {
    auto r = load(paths_, "web1");
    ASSERT_TRUE(r) << r.error().what();
    const auto& s = r->spec;
    EXPECT_EQ(r->unknown, std::vector<std::string>{"README.local"});
    EXPECT_EQ(s.context, 40100u);
    EXPECT_EQ(s.root, "/srv/vservers/web1");
    ASSERT_EQ(s.interfaces.size(), 2u);
    EXPECT_EQ(s.interfaces[0].prefix, 24);  // from the mask
    EXPECT_EQ(s.interfaces[0].gateway, "192.0.2.1");
    EXPECT_TRUE(s.interfaces[1].disabled);
    EXPECT_TRUE(s.caps.bounding & spec::cap_bit(CAP_NET_RAW));
    EXPECT_TRUE(s.caps.bounding & spec::cap_bit(CAP_SYS_RESOURCE));  // ccap set_rlimit
    EXPECT_FALSE(s.caps.bounding & spec::cap_bit(CAP_CHOWN));
    EXPECT_FALSE(s.caps.ping_sockets);  // !raw_icmp
    EXPECT_TRUE(s.flags.private_ctx);
    EXPECT_TRUE(s.flags.sched_pause);
    EXPECT_TRUE(s.flags.virt_uptime);  // default pseudo-flag
    EXPECT_TRUE(s.ns.time);
    EXPECT_TRUE(s.ns.user);
    ASSERT_TRUE(s.idmap);
    EXPECT_EQ(s.idmap->host_base, 100000u);
    EXPECT_EQ(s.init.style, spec::InitStyle::Sysv);
    EXPECT_EQ(s.init.runlevel_start, "2");
    EXPECT_EQ(s.init.runlevel_stop, "0");
    ASSERT_EQ(s.init.killseq.size(), 3u);
    EXPECT_EQ(s.init.killseq[1].signal, 2);
    EXPECT_EQ(s.init.killseq[1].wait_s, 3);
    EXPECT_EQ(s.init.cmd_start[2], "echo hi; exec sleep 1000");
    EXPECT_EQ(s.init.depends, (std::vector<std::string>{"db1", "cache1"}));
    ASSERT_EQ(s.fstab.size(), 3u);
    EXPECT_EQ(s.fstab[2].source, "/srv/My Data");
    EXPECT_EQ(s.rlimits.at("nofile").soft, 1024u);
    EXPECT_EQ(s.rlimits.at("nofile").hard, 4096u);
    EXPECT_EQ(s.resources.pids_max, 200);                           // rlimits/nproc
    EXPECT_EQ(s.resources.memory_max, 65536LL * ::getpagesize());   // rlimits/rss pages
    EXPECT_EQ(s.resources.memory_high, 32768LL * ::getpagesize());  // rlimits/rss.soft
    EXPECT_EQ(s.resources.cpu_quota_us, 25000);                     // 1/4 of a CPU
    EXPECT_EQ(s.resources.cpu_period_us, 100000u);
    EXPECT_EQ(s.resources.cpu_weight, 50u);
    EXPECT_EQ(s.resources.memory_swap_max, 256LL << 20);
    EXPECT_EQ(s.resources.passthrough.at("cpu.shares"), "512");
    ASSERT_EQ(s.dlimits.size(), 1u);
    EXPECT_EQ(s.dlimits[0].space_total_kib, 1048576u);
    EXPECT_EQ(s.personality, static_cast<uint32_t>(PER_LINUX32) | static_cast<uint32_t>(UNAME26));
    EXPECT_EQ(s.nice, 5);
    EXPECT_EQ(s.oom_score_adj, -500);
    EXPECT_TRUE(s.no_new_privs);
    ASSERT_EQ(s.scripts.by_phase.at("pre-start").size(), 2u);
    EXPECT_EQ(s.scripts.by_phase.at("pre-start")[0], dir("web1") + "/scripts/pre-start");
    // flags (old name) was read and warned about.
    bool warned = false;
    for (const auto& w : r->warnings) warned = warned || w.find("/flags") != std::string::npos;
    EXPECT_TRUE(warned);
}

TEST_F(FixtureTest, SaveInPlaceThenLoadIsIdentical) {
    auto a = load(paths_, "web1");
    ASSERT_TRUE(a) << a.error().what();
    ASSERT_TRUE(save(a->spec, dir("web1")));
    auto b = load(paths_, "web1");
    ASSERT_TRUE(b) << b.error().what();
    EXPECT_EQ(describe(a->spec), describe(b->spec));
    // Unknown files survive a save; converted aliases are gone.
    EXPECT_TRUE(sys::exists(dir("web1") + "/README.local"));
    EXPECT_FALSE(sys::exists(dir("web1") + "/flags"));
    EXPECT_FALSE(sys::exists(dir("web1") + "/sched/fill-rate"));
    EXPECT_TRUE(sys::exists(dir("web1") + "/limits/cpu.max"));
    EXPECT_TRUE(sys::exists(dir("web1") + "/scripts/pre-start.d/10-net"));
}

TEST_F(FixtureTest, SaveElsewhereLinksScripts) {
    auto a = load(paths_, "web1");
    ASSERT_TRUE(a) << a.error().what();
    auto copy = a->spec;
    copy.name = "web2";
    ASSERT_TRUE(save(copy, dir("web2")));
    auto b = load(paths_, "web2");
    ASSERT_TRUE(b) << b.error().what();
    auto link = sys::readlink(dir("web2") + "/scripts/pre-start.d/pre-start");
    ASSERT_TRUE(link);
    EXPECT_EQ(*link, dir("web1") + "/scripts/pre-start");
    // Everything but the name and the script paths is the same.
    auto x = a->spec, y = b->spec;
    x.name = y.name;
    x.scripts = y.scripts = {};
    EXPECT_EQ(describe(x), describe(y));
}

}  // namespace
}  // namespace vs::config::vserver::test
