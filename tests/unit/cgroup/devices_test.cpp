// Device rules: their effective state (the v1 controller's semantics), v1 text and parsing, and
// the size of the BPF program made from them.
#include <gtest/gtest.h>

#include "cgroup/devices.hpp"

using namespace vs::cgroup;

namespace {

std::vector<std::string> texts(const DeviceState& s) {
    std::vector<std::string> out;
    // Appended, not `"literal" + std::string`: that trips GCC 12's false -Wrestrict at -O3
    // (GCC bug 105329), an error under VS_WERROR.
    for (const auto& e : s.exceptions) {
        std::string t(e.allow ? "+" : "-");
        t += e.text();
        out.push_back(std::move(t));
    }
    return out;
}

}  // namespace

TEST(DeviceState, StartsAtDenyAllAndAllowsAddExceptions) {
    auto s = device_state({{true, 'c', 1, 3, kDevAll}, {true, 'c', 136, -1, kDevRead}});
    EXPECT_FALSE(s.default_allow);
    EXPECT_EQ(texts(s), (std::vector<std::string>{"+c 1:3 rwm", "+c 136:* r"}));
}

TEST(DeviceState, AllResetsAndEarlierRulesAreForgotten) {
    auto s = device_state({{true, 'c', 1, 3, kDevAll}, {false, 'a', -1, -1, kDevRead}});
    EXPECT_FALSE(s.default_allow);
    EXPECT_TRUE(s.exceptions.empty());
    s = device_state({{true, 'a', -1, -1, kDevAll}, {false, 'b', 8, 0, kDevWrite}});
    EXPECT_TRUE(s.default_allow);
    EXPECT_EQ(texts(s), (std::vector<std::string>{"-b 8:0 w"}));
}

TEST(DeviceState, SameDeviceMergesAndTheDefaultsKindTakesBitsAway) {
    auto s = device_state({{true, 'c', 1, 5, kDevRead},
                           {true, 'c', 1, 5, kDevWrite},
                           {false, 'c', 1, 5, kDevRead},
                           {true, 'c', 1, 7, kDevRead},
                           {false, 'c', 1, 7, kDevAll}});
    EXPECT_EQ(texts(s), (std::vector<std::string>{"+c 1:5 w"}));
}

TEST(DeviceState, AllWithNumbersMeansBothKindsNotEverything) {
    auto s = device_state({{true, 'a', 7, -1, kDevAll}});
    EXPECT_FALSE(s.default_allow);
    EXPECT_EQ(texts(s), (std::vector<std::string>{"+c 7:* rwm", "+b 7:* rwm"}));
}

TEST(DeviceState, V1ListLinesParse) {
    auto r = parse_v1_device_line("c 136:* rw");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->type, 'c');
    EXPECT_EQ(r->major, 136);
    EXPECT_EQ(r->minor, -1);
    EXPECT_EQ(r->access, kDevRead | kDevWrite);
    EXPECT_EQ(r->text(), "c 136:* rw");
    auto a = parse_v1_device_line("a *:* rwm");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->text(), "a");
    for (const char* bad : {"", "x 1:3 rwm", "c 1 rwm", "c 1:3 rwx", "c 1:3"})
        EXPECT_FALSE(parse_v1_device_line(bad)) << bad;
}

TEST(DeviceProgram, OneBlockPerExceptionAndPartialAccessCostsACheck) {
    // 6 loads/shifts + default (2); per exception: type, numbers, verdict (2), access (3).
    EXPECT_EQ(device_program(device_state({})).size(), 8u);
    EXPECT_EQ(device_program(device_state({{true, 'c', 1, 3, kDevAll}})).size(), 8u + 5u);
    EXPECT_EQ(device_program(device_state({{true, 'c', 136, -1, kDevRead}})).size(), 8u + 7u);
}
