// vtop's model shows a process name with control bytes escaped: the TUI and -b print the same
// rows (cmd_vtop.cpp row_text), so neither can put a name's escape sequences on a terminal.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "base/sys.hpp"
#include "procview/top_model.hpp"

namespace vs::procview {
namespace {

TEST(TopModel, ProcessNamesHaveTheirControlBytesEscaped) {
    char tmpl[] = "/tmp/vs-top-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    config::Paths paths;
    paths.config_dir = std::string(tmpl) + "/etc/vservers";
    paths.run_dir = std::string(tmpl) + "/run";
    paths.cgroup_root = std::string(tmpl) + "/cg";
    paths.cgroup_parent = "vstest";
    int p[2];
    ASSERT_EQ(::pipe(p), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(p[0]);
        // ESC [2J clears a terminal, BEL rings it, ESC ]0; retitles it (15 bytes: comm's limit).
        ::prctl(PR_SET_NAME, "e\033[2J\007\033]0;x", 0, 0, 0);
        (void)!::write(p[1], "r", 1);
        ::pause();
        ::_exit(0);
    }
    ::close(p[1]);
    char c;
    ASSERT_EQ(::read(p[0], &c, 1), 1);
    ::close(p[0]);
    TopModel m(paths);
    std::string command;
    if (auto st = m.refresh({""}); st) {
        for (const auto& r : m.rows(TopSort::Pid, false, {""}))
            if (!r.group && r.pid == pid) command = r.command;
    } else {
        ADD_FAILURE() << st.error().what();
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    std::filesystem::remove_all(tmpl);
    EXPECT_EQ(command, "e\\x1b[2J\\x07\\x1b]0;x");
    EXPECT_EQ(command.find('\033'), std::string::npos);
}

}  // namespace
}  // namespace vs::procview
