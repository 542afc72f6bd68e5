// detect_method on overlays, in a private mount namespace on tmpfs: a read-only overlay (two
// lower layers, no upper) is refused by name rather than given a method that fails on every
// file; a writable one takes its upper dir's filesystem's method (tmpfs: hard links).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "unify/method.hpp"

namespace vs::unify {
namespace {

int method_of(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    auto m = detect_method(fd, dir);
    ::close(fd);
    if (!m)
        return m.error().code == EOPNOTSUPP && m.error().message.find(dir) != std::string::npos
                   ? 100
                   : 101;
    return *m == Method::HardLink ? 1 : 2;
}

TEST(DetectMethod, OverlayWithoutUpperIsRefusedWithUpperTakesItsFilesystem) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    pid_t pid = fork();
    if (pid == 0) {
        const std::string t = "/tmp";
        if (unshare(CLONE_NEWNS) < 0 ||
            mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0 ||
            mount("vs-test", t.c_str(), "tmpfs", 0, nullptr) < 0)
            _exit(90);
        for (auto d : {"/l1", "/l2", "/u", "/w", "/ro", "/rw"})
            if (mkdir((t + d).c_str(), 0755) < 0) _exit(91);
        if (mount("overlay", (t + "/ro").c_str(), "overlay", 0,
                  ("lowerdir=" + t + "/l1:" + t + "/l2").c_str()) < 0)
            _exit(92);
        if (mount("overlay", (t + "/rw").c_str(), "overlay", 0,
                  ("lowerdir=" + t + "/l1,upperdir=" + t + "/u,workdir=" + t + "/w").c_str()) < 0)
            _exit(93);
        if (int r = method_of(t + "/ro"); r != 100) _exit(10 + r % 90);
        if (int r = method_of(t + "/rw"); r != 1) _exit(30 + r % 90);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    ASSERT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0);
}

}  // namespace
}  // namespace vs::unify
