// Pid -> guest from a fake cgroup tree, xids from a fake config dir; tree and stat formatting.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>

#include "base/sys.hpp"
#include "fs/remove.hpp"
#include "procview/aggregate.hpp"
#include "procview/guest_kill.hpp"
#include "procview/guest_stats.hpp"
#include "procview/membership.hpp"
#include "procview/tree.hpp"

namespace vs::procview {
namespace {

class FakeHost : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/vs-procview-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        paths_.config_dir = dir_ + "/etc/vservers";
        paths_.cgroup_root = dir_ + "/cg";
        paths_.cgroup_parent = "vstest/sub";
        // Hybrid-like: v1 pids holds the guests.
        guest("web", 42, {"100", "101"});
        ASSERT_TRUE(sys::mkdir_p(paths_.cgroup_root + "/pids/vstest/sub/web/init.scope"));
        ASSERT_TRUE(sys::write_file_atomic(
            paths_.cgroup_root + "/pids/vstest/sub/web/init.scope/cgroup.procs", "102\n"));
        guest("db", 7, {"200"});
        guest("nocontext", std::nullopt, {"300"});
        guest("stopped", 9, {});
    }
    void TearDown() override { ASSERT_TRUE(fs::remove_path(dir_)); }

    void guest(const std::string& name, std::optional<uint32_t> xid,
               std::vector<std::string> pids) {
        std::string cg = paths_.cgroup_root + "/pids/vstest/sub/" + name;
        ASSERT_TRUE(sys::mkdir_p(cg));
        std::string text;
        for (auto& p : pids) text += p + "\n";
        ASSERT_TRUE(sys::write_file_atomic(cg + "/cgroup.procs", text));
        ASSERT_TRUE(sys::mkdir_p(paths_.guest_config(name)));
        if (xid) {
            ASSERT_TRUE(sys::write_file_atomic(paths_.guest_config(name) + "/context",
                                               std::to_string(*xid) + "\n"));
        }
    }

    static Proc proc(pid_t pid, pid_t ppid, const char* comm, uint64_t rss_pages = 1) {
        Proc p;
        p.stat.pid = pid;
        p.stat.ppid = ppid;
        p.stat.comm = comm;
        p.stat.rss_pages = rss_pages;
        p.stat.vsize_bytes = 4096 * 10;
        p.stat.utime_ticks = 100;
        p.stat.stime_ticks = 50;
        p.stat.start_ticks = static_cast<uint64_t>(pid);
        return p;
    }

    std::string dir_;
    config::Paths paths_;
};

TEST_F(FakeHost, MapsPidsToGuestsWithXids) {
    EXPECT_EQ(membership_parent_dir(paths_), paths_.cgroup_root + "/pids/vstest/sub");
    XidCache xids(paths_);
    auto m = snapshot_membership(xids);
    ASSERT_TRUE(m) << m.error().what();
    ASSERT_EQ(m->guests.size(), 3u);  // "stopped" has an empty cgroup: not running
    EXPECT_EQ(m->guests[0].name, "db");
    EXPECT_EQ(m->guests[1].name, "nocontext");
    EXPECT_EQ(m->guests[2].name, "web");
    EXPECT_EQ(m->guests[2].xid, 42u);
    EXPECT_FALSE(m->guests[1].xid);
    EXPECT_EQ(m->guest_of(100), 2);
    EXPECT_EQ(m->guest_of(102), 2);  // from the sub-cgroup
    EXPECT_EQ(m->guest_of(200), 0);
    EXPECT_EQ(m->guest_of(1), -1);  // host
    EXPECT_EQ(context_label(nullptr), "0 MAIN");
    EXPECT_EQ(context_label(&m->guests[2]), "42 web");
    EXPECT_EQ(context_label(&m->guests[1]), "? nocontext");
    EXPECT_EQ(*resolve_context(*m, "web"), 2);
    EXPECT_EQ(*resolve_context(*m, "42"), 2);
    EXPECT_EQ(*resolve_context(*m, "7"), 0);
    EXPECT_EQ(*resolve_context(*m, "MAIN"), -1);
    EXPECT_EQ(*resolve_context(*m, "0"), -1);
    auto bad = resolve_context(*m, "stopped");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().what().find("\"stopped\""), std::string::npos);
}

TEST_F(FakeHost, NoGuestParentMeansEverythingIsHost) {
    paths_.cgroup_parent = "nothere";
    XidCache xids(paths_);
    auto m = snapshot_membership(xids);
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->guests.empty());
    EXPECT_EQ(m->guest_of(100), -1);
}

TEST_F(FakeHost, TreeLabelsContextChanges) {
    XidCache xids(paths_);
    auto m = *snapshot_membership(xids);
    std::vector<Proc> procs{proc(1, 0, "init"),        proc(50, 1, "sshd"),
                            proc(100, 1, "guestinit"), proc(101, 100, "nginx"),
                            proc(102, 100, "cron"),    proc(51, 50, "bash"),
                            proc(200, 51, "postgres")};
    TreeOptions all;
    EXPECT_EQ(render_tree(procs, m, all),
              "init(1) [0 MAIN]\n"
              "|-sshd(50)\n"
              "| `-bash(51)\n"
              "|   `-postgres(200) [7 db]\n"
              "`-guestinit(100) [42 web]\n"
              "  |-nginx(101)\n"
              "  `-cron(102)\n");
    TreeOptions web;
    web.only = 2;
    EXPECT_EQ(render_tree(procs, m, web),
              "guestinit(100) [42 web]\n"
              "|-nginx(101)\n"
              "`-cron(102)\n");
    TreeOptions host;
    host.only = -1;
    EXPECT_EQ(render_tree(procs, m, host),
              "init(1) [0 MAIN]\n"
              "`-sshd(50)\n"
              "  `-bash(51)\n");
}

TEST_F(FakeHost, AggregatesPerGuest) {
    XidCache xids(paths_);
    auto m = *snapshot_membership(xids);
    std::vector<Proc> procs{proc(1, 0, "init", 10), proc(100, 1, "a", 3), proc(101, 1, "b", 4),
                            proc(200, 1, "c", 5)};
    auto u = aggregate(procs, m, 4096);
    ASSERT_EQ(u.size(), 4u);
    EXPECT_EQ(u[0].procs, 1u);
    EXPECT_EQ(u[3].procs, 2u);  // web
    EXPECT_EQ(u[3].rss_bytes, 7u * 4096);
    EXPECT_EQ(u[3].utime_ticks, 200u);
    EXPECT_EQ(u[3].oldest_start_ticks, 100u);
    EXPECT_EQ(u[1].procs, 1u);  // db
    EXPECT_EQ(u[2].procs, 0u);  // nocontext: its pid 300 was not scanned
}

TEST(GuestStats, DurationsLikeUtilVserver) {
    EXPECT_EQ(format_duration(0), "0m00s00");
    EXPECT_EQ(format_duration(61.5), "1m01s50");
    EXPECT_EQ(format_duration(3600 + 120 + 5), "1h02m05");
    EXPECT_EQ(format_duration(2 * 86400 + 3 * 3600 + 4 * 60), "2d03h04");
    EXPECT_EQ(format_duration(400 * 86400.0), "1y035d00");
}

TEST(GuestStats, TableHeaderAndJsonRow) {
    StatRow r;
    r.xid = 0;
    r.name = "root server";
    r.host = true;
    r.usage.procs = 12;
    r.usage.vsz_bytes = 3 * 1024 * 1024;
    r.cpu_user_ms = 1500;
    auto t = format_stat_table({r});
    EXPECT_EQ(t.substr(0, t.find('\n')),
              "CTX   PROC    VSZ    RSS  userTIME   sysTIME    UPTIME NAME");
    EXPECT_NE(t.find("0       12   3.0M      0   0m01s50   0m00s00   0m00s00 root server"),
              std::string::npos)
        << t;
    auto j = stat_row_json(r);
    for (const char* k : {"xid", "name", "host", "procs", "vsz_bytes", "rss_bytes", "cpu_user_ms",
                          "cpu_system_ms", "uptime_s", "cgroup", "oom_kills"})
        EXPECT_TRUE(j.contains(k)) << k;
    EXPECT_EQ(j["xid"], 0);
    EXPECT_TRUE(j["cgroup"].is_null());
    EXPECT_TRUE(j["oom_kills"].is_null());

    // A guest row with cgroup figures carries its OOM kills at the top level too.
    StatRow g;
    g.xid = 7;
    g.name = "web";
    g.cgroup = cgroup::Stats{};
    g.cgroup->oom_kills = 3;
    auto gj = stat_row_json(g);
    EXPECT_EQ(gj["oom_kills"], 3);
    EXPECT_EQ(gj["cgroup"]["oom_kills"], 3);
}

TEST(GuestKill, ParsesSignals) {
    EXPECT_EQ(*parse_signal("TERM"), 15);
    EXPECT_EQ(*parse_signal("sigkill"), 9);
    EXPECT_EQ(*parse_signal("9"), 9);
    EXPECT_EQ(*parse_signal("HUP"), 1);
    EXPECT_FALSE(parse_signal("NOPE"));
    EXPECT_FALSE(parse_signal("0"));
    EXPECT_FALSE(parse_signal("999"));
}

}  // namespace
}  // namespace vs::procview
