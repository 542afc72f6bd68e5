// state.json: round trip, bad input, atomic save and load.
#include "state/guest_state.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace vs::state {
namespace {

namespace fs = std::filesystem;

GuestState sample() {
    GuestState s;
    s.name = "web1";
    s.phase = Phase::Running;
    s.init_pid = 4242;
    s.init_start_time = 123456789;
    s.context = 40001;
    s.started_at = 1700000000;
    s.init_style = "sysv";
    s.cgroup_layout = "hybrid";
    s.cgroup2_path = "/sys/fs/cgroup/unified/vserver/web1";
    s.root = "/var/lib/vservers/web1";
    return s;
}

TEST(GuestState, JsonRoundTrip) {
    auto s = sample();
    auto back = from_json(to_json(s));
    ASSERT_TRUE(back) << back.error().what();
    EXPECT_EQ(back->name, s.name);
    EXPECT_EQ(back->phase, s.phase);
    EXPECT_EQ(back->init_pid, s.init_pid);
    EXPECT_EQ(back->init_start_time, s.init_start_time);
    EXPECT_EQ(back->context, s.context);
    EXPECT_EQ(back->started_at, s.started_at);
    EXPECT_EQ(back->init_style, s.init_style);
    EXPECT_EQ(back->cgroup_layout, s.cgroup_layout);
    EXPECT_EQ(back->cgroup2_path, s.cgroup2_path);
    EXPECT_EQ(back->root, s.root);
}

TEST(GuestState, EveryPhaseRoundTrips) {
    for (auto p : {Phase::Starting, Phase::Running, Phase::Stopping}) {
        auto s = sample();
        s.phase = p;
        EXPECT_EQ(from_json(to_json(s))->phase, p);
        EXPECT_EQ(phase_from(phase_name(p)), p);
    }
    EXPECT_FALSE(phase_from("paused"));
}

TEST(GuestState, BadInputIsAnErrorNotACrash) {
    for (const char* bad : {"", "{", "[]", "{\"name\": 5, \"phase\": \"running\"}",
                            "{\"name\": \"x\"}", "{\"name\": \"x\", \"phase\": \"flying\"}",
                            "{\"name\": \"x\", \"phase\": \"running\", \"init_pid\": -3}",
                            "{\"name\": \"x\", \"phase\": \"running\", \"init_pid\": \"7\"}"}) {
        auto r = from_json(bad);
        EXPECT_FALSE(r) << bad;
        if (!r) {
            EXPECT_EQ(r.error().code, EINVAL) << bad;
        }
    }
}

TEST(GuestState, UnknownFieldsAreIgnored) {
    auto r = from_json("{\"name\": \"x\", \"phase\": \"starting\", \"future\": [1, 2]}");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->phase, Phase::Starting);
}

class StateDir : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/vs-state-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        base_ = tmpl;
        run_ = base_ + "/run/web1";
    }
    void TearDown() override { fs::remove_all(base_); }
    std::string base_, run_;
};

TEST_F(StateDir, MissingStateIsNoStateNotAnError) {
    auto r = load(run_);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->has_value());
}

TEST_F(StateDir, SaveCreatesAPrivateDirAndLoadReadsIt) {
    ASSERT_TRUE(save(run_, sample()));
    struct stat st {};
    ASSERT_EQ(stat(run_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    ASSERT_EQ(stat(state_path(run_).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto r = load(run_);
    ASSERT_TRUE(r && r->has_value());
    EXPECT_EQ((*r)->init_pid, 4242);
    // No temp file is left next to it.
    size_t n = 0;
    for (auto& e : fs::directory_iterator(run_)) {
        (void)e;
        ++n;
    }
    EXPECT_EQ(n, 1u);
}

TEST_F(StateDir, ACorruptFileNamesItsPath) {
    fs::create_directories(run_);
    std::ofstream(state_path(run_)) << "{ half";
    auto r = load(run_);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(state_path(run_)), std::string::npos);
}

TEST_F(StateDir, ClearIsIdempotent) {
    ASSERT_TRUE(save(run_, sample()));
    EXPECT_TRUE(clear(run_));
    EXPECT_FALSE(fs::exists(state_path(run_)));
    EXPECT_TRUE(clear(run_));
}

}  // namespace
}  // namespace vs::state
