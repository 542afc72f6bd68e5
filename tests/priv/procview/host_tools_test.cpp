// procview on real cgroups: labels, aggregation, status json, and vkill's refusals.
#include <gtest/gtest.h>
#include <signal.h>

#include "procview/aggregate.hpp"
#include "procview/guest_kill.hpp"
#include "procview/guest_stats.hpp"
#include "procview/snapshot.hpp"
#include "procview/top_model.hpp"
#include "fake_guests.hpp"

namespace vs::procview {
namespace {

class HostTools : public ::testing::Test {
protected:
    void SetUp() override {
        if (!testing::FakeGuests::supported()) GTEST_SKIP() << "needs root and a v1 pids hierarchy";
        ASSERT_TRUE(fg_.add_guest("alpha", 4101));
        ASSERT_TRUE(fg_.add_guest("beta", 4102));
        a1_ = fg_.spawn("alpha");
        a2_ = fg_.spawn("alpha");
        b1_ = fg_.spawn("beta");
        h1_ = fg_.spawn();
        ASSERT_GT(a1_, 0);
        ASSERT_GT(a2_, 0);
        ASSERT_GT(b1_, 0);
        ASSERT_GT(h1_, 0);
    }
    testing::FakeGuests fg_;
    pid_t a1_ = -1, a2_ = -1, b1_ = -1, h1_ = -1;
};

TEST_F(HostTools, LabelsHostAndEveryGuest) {
    XidCache xids(fg_.paths());
    auto s = take_snapshot(xids);
    ASSERT_TRUE(s) << s.error().what();
    std::map<pid_t, std::string> label;
    for (auto& p : s->procs) label[p.stat.pid] = context_label(s->guest_of(p));
    EXPECT_EQ(label[a1_], "4101 alpha");
    EXPECT_EQ(label[a2_], "4101 alpha");
    EXPECT_EQ(label[b1_], "4102 beta");
    EXPECT_EQ(label[h1_], "0 MAIN");
    EXPECT_EQ(label[::getpid()], "0 MAIN");
    auto u = aggregate(s->procs, s->members, s->clock.page);
    ASSERT_EQ(u.size(), 3u);
    EXPECT_EQ(u[1].procs, 2u);
    EXPECT_EQ(u[2].procs, 1u);
    EXPECT_GT(u[1].rss_bytes, 0u);
}

TEST_F(HostTools, ProcessMovedIntoGuestIsLabelledOnTheNextSnapshot) {
    // What `vserver NAME exec` does to a new process while vps runs.
    XidCache xids(fg_.paths());
    ASSERT_TRUE(fg_.move(h1_, "beta"));
    auto s = take_snapshot(xids);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->members.guest_of(h1_), 1);
    auto g = guest_of_pid(fg_.paths(), h1_);
    ASSERT_TRUE(g);
    EXPECT_EQ(g->value_or(""), "beta");
}

TEST_F(HostTools, VkillRefusesHostAndOtherGuestPids) {
    auto host = signal_guest_pid(fg_.paths(), "alpha", h1_, SIGKILL);
    ASSERT_FALSE(host);
    EXPECT_EQ(host.error().code, EPERM);
    EXPECT_NE(host.error().what().find("host process"), std::string::npos) << host.error().what();
    auto self = signal_guest_pid(fg_.paths(), "alpha", ::getpid(), SIGKILL);
    ASSERT_FALSE(self);
    auto other = signal_guest_pid(fg_.paths(), "alpha", b1_, SIGKILL);
    ASSERT_FALSE(other);
    EXPECT_EQ(other.error().code, EPERM);
    EXPECT_NE(other.error().what().find("guest beta (context 4102)"), std::string::npos)
        << other.error().what();
    EXPECT_EQ(::kill(h1_, 0), 0);
    EXPECT_EQ(::kill(b1_, 0), 0);
    auto gone = signal_guest_pid(fg_.paths(), "alpha", 0x7ffffff0, SIGKILL);
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, ESRCH);
}

TEST_F(HostTools, VkillSignalsItsOwnGuest) {
    ASSERT_TRUE(signal_guest_pid(fg_.paths(), "alpha", a1_, SIGTERM));
    EXPECT_TRUE(fg_.dead(a1_));
    EXPECT_EQ(::kill(a2_, 0), 0);
    auto n = signal_guest(fg_.paths(), "alpha", SIGKILL);
    ASSERT_TRUE(n) << n.error().what();
    EXPECT_TRUE(fg_.dead(a2_));
    EXPECT_EQ(::kill(b1_, 0), 0);
    EXPECT_EQ(::kill(h1_, 0), 0);
}

TEST_F(HostTools, StatusJsonForRunningAndUnknownGuests) {
    auto j = guest_status_json(fg_.paths(), "alpha");
    ASSERT_TRUE(j) << j.error().what();
    EXPECT_EQ((*j)["running"], true);
    EXPECT_EQ((*j)["xid"], 4101);
    EXPECT_EQ((*j)["procs"], 2);
    auto pids = (*j)["pids"].get<std::vector<pid_t>>();
    EXPECT_EQ(pids, (std::vector<pid_t>{std::min(a1_, a2_), std::max(a1_, a2_)}));
    EXPECT_GE((*j)["uptime_s"].get<double>(), 0.0);
    auto none = guest_status_json(fg_.paths(), "gamma");
    ASSERT_TRUE(none);
    EXPECT_EQ((*none)["running"], false);
    EXPECT_EQ((*none)["procs"], 0);
}

TEST_F(HostTools, VtopTakesCollapsedGuestsFromTheirCgroups) {
    TopModel m(fg_.paths());
    ASSERT_TRUE(m.refresh());
    // Host processes are read one by one; a collapsed guest costs one stat read on first sight
    // (its oldest process's start time), none of its processes.
    EXPECT_LE(m.stat_reads(), m.process_count() - 3 + 2);
    auto rows = m.rows(TopSort::Pid, false, {});
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].context, "0 MAIN");
    EXPECT_EQ(rows[1].context, "4101 alpha");
    EXPECT_EQ(rows[2].context, "4102 beta");
    EXPECT_EQ(rows[1].procs, 2u);
    EXPECT_EQ(rows[2].procs, 1u);
    EXPECT_FALSE(rows[1].vsz_known);
    EXPECT_TRUE(rows[0].vsz_known);
    EXPECT_GT(rows[0].vsz_bytes, 0u);

    // Expanded between refreshes: its processes are read for this view, listed below it.
    rows = m.rows(TopSort::Pid, false, {"alpha"});
    ASSERT_EQ(rows.size(), 5u);
    EXPECT_TRUE(rows[1].expanded);
    EXPECT_EQ(rows[2].pid, std::min(a1_, a2_));
    EXPECT_EQ(rows[3].pid, std::max(a1_, a2_));
    EXPECT_EQ(rows[4].context, "4102 beta");
    EXPECT_EQ(rows[1].procs, 2u);  // the group row still counts from the cgroup
}

TEST_F(HostTools, VtopSortsGroupsByTheirCgroupFigures) {
    // A busy process in beta: its cgroup cpu time grows between two samples, alpha's does not.
    pid_t busy = fg_.spawn("beta", true);
    ASSERT_GT(busy, 0);
    TopModel m(fg_.paths());
    ASSERT_TRUE(m.refresh({"beta"}));
    ::usleep(400 * 1000);
    ASSERT_TRUE(m.refresh({"beta"}));
    auto rows = m.rows(TopSort::Cpu, false, {"beta"});
    const TopRow *alpha = nullptr, *beta = nullptr;
    std::vector<const TopRow*> groups;
    for (auto& r : rows) {
        if (!r.group) continue;
        groups.push_back(&r);
        if (r.key == "alpha") alpha = &r;
        if (r.key == "beta") beta = &r;
    }
    ASSERT_TRUE(alpha && beta);
    EXPECT_GT(beta->cpu_pct, 10.0);
    EXPECT_LT(alpha->cpu_pct, 5.0);
    EXPECT_GT(beta->time_ticks, 0u);
    for (size_t i = 1; i < groups.size(); ++i)
        EXPECT_GE(groups[i - 1]->cpu_pct, groups[i]->cpu_pct) << i;
    // beta's processes follow it, the busy one first.
    for (size_t i = 0; i < rows.size(); ++i)
        if (&rows[i] == beta) {
            ASSERT_LT(i + 1, rows.size());
            EXPECT_EQ(rows[i + 1].pid, busy);
        }
    // Reversed: ascending, so the busiest group comes last.
    rows = m.rows(TopSort::Cpu, true, {});
    const TopRow* last = nullptr;
    for (auto& r : rows)
        if (r.group) last = &r;
    ASSERT_TRUE(last);
    EXPECT_TRUE(last->key == "beta" || last->key.empty()) << last->key;
    // By memory: non-increasing cgroup (or host) memory figures.
    rows = m.rows(TopSort::Mem, false, {});
    for (size_t i = 1; i < rows.size(); ++i) EXPECT_GE(rows[i - 1].rss_bytes, rows[i].rss_bytes);
}

}  // namespace
}  // namespace vs::procview
