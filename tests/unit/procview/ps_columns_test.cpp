// vps column insertion on ps output of the forms users type.
#include <gtest/gtest.h>

#include "procview/ps_columns.hpp"

namespace vs::procview {
namespace {

TEST(PsColumns, FindsPidInEveryCommonHeader) {
    auto a = find_pid_column("  PID TTY      STAT   TIME COMMAND");  // ps a
    ASSERT_TRUE(a);
    EXPECT_EQ(a->end, 5u);
    EXPECT_EQ(a->token, 0u);
    auto aux = find_pid_column(
        "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND");
    ASSERT_TRUE(aux);
    EXPECT_EQ(aux->end, std::string("USER         PID").size());
    EXPECT_EQ(aux->token, 1u);
    auto ef = find_pid_column("UID          PID    PPID  C STIME TTY          TIME CMD");
    ASSERT_TRUE(ef);
    EXPECT_EQ(ef->token, 1u);
    EXPECT_FALSE(find_pid_column("COMMAND  PPID"));  // PPID is not PID
    EXPECT_FALSE(find_pid_column("COMMAND"));
}

TEST(PsColumns, InsertsContextAfterPid) {
    std::string h = "  PID TTY      STAT   TIME COMMAND";
    auto col = *find_pid_column(h);
    EXPECT_EQ(insert_column(h, col.end, "CONTEXT"),
              "  PID CONTEXT             TTY      STAT   TIME COMMAND");
    std::string l = "    1 ?        Ss     0:07 /sbin/init";
    auto at = pid_in_line(l, col);
    ASSERT_TRUE(at);
    EXPECT_EQ(at->pid, 1);
    EXPECT_EQ(insert_column(l, at->end, "0 MAIN"),
              "    1 0 MAIN              ?        Ss     0:07 /sbin/init");
    // The CONTEXT column is 20 wide: the next column moved by exactly that much.
    EXPECT_EQ(insert_column(l, at->end, "0 MAIN").find('?'), l.find('?') + kContextWidth);
}

TEST(PsColumns, PidAsLastColumnAndWideLabels) {
    std::string h = "COMMAND           PID";
    auto col = *find_pid_column(h);
    EXPECT_EQ(insert_column(h, col.end, "CONTEXT"), "COMMAND           PID CONTEXT");
    std::string l = "sleep           31337";
    auto at = pid_in_line(l, col);
    ASSERT_TRUE(at);
    EXPECT_EQ(at->pid, 31337);
    EXPECT_EQ(insert_column(l, at->end, "49152 averyveryverylongname"),
              "sleep           31337 49152 averyveryverylongname");
}

TEST(PsColumns, ShiftedLineFallsBackToWordPosition) {
    // A wide USER pushed the pid right of the header's PID end.
    std::string h = "USER         PID %CPU";
    auto col = *find_pid_column(h);
    std::string l = "averylongusername 4242  0.0";
    auto at = pid_in_line(l, col);
    ASSERT_TRUE(at);
    EXPECT_EQ(at->pid, 4242);
    EXPECT_EQ(l.substr(0, at->end), "averylongusername 4242");
    EXPECT_FALSE(pid_in_line("", col));
    EXPECT_FALSE(pid_in_line("root  abc  0.0", col));
}

}  // namespace
}  // namespace vs::procview
