// Test helper: runs a probe in a forked child (irreversible steps such as dropping capabilities
// or loading a seccomp filter never touch the test process) and returns what it reported.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace vs::testing {

/// What a probe reports: key -> value ("mount" -> "EPERM", "getpid" -> "ok").
using Report = std::map<std::string, std::string>;

/// Result of a libc/syscall call as text: "ok" when rc >= 0, else the errno name ("EPERM").
inline std::string outcome(long rc, int err) {
    if (rc >= 0) return "ok";
    const char* n = strerrorname_np(err);
    return n ? n : std::to_string(err);
}
#define VS_OUTCOME(expr)                           \
    ([&] {                                         \
        errno = 0;                                 \
        long rc_ = (long)(expr);                   \
        return ::vs::testing::outcome(rc_, errno); \
    }())

/// Forks; the child runs `probe(report)` and sends the report back over a pipe, then _exits.
/// `exit_status` receives the child's wait status (a crash or a seccomp kill shows up there).
inline Report run_in_child(const std::function<void(Report&)>& probe, int* exit_status = nullptr) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return {{"error", "pipe"}};
    pid_t pid = fork();
    if (pid < 0) return {{"error", "fork"}};
    if (pid == 0) {
        close(p[0]);
        Report r;
        probe(r);
        std::string out;
        for (auto& [k, v] : r) out += k + "=" + v + "\n";
        size_t off = 0;
        while (off < out.size()) {
            ssize_t n = write(p[1], out.data() + off, out.size() - off);
            if (n <= 0) break;
            off += static_cast<size_t>(n);
        }
        _exit(0);
    }
    close(p[1]);
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
    close(p[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (exit_status) *exit_status = st;
    Report r;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq != std::string::npos) r[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return r;
}

/// What exec_in_child saw: the child's wait status and everything it wrote to stdout/stderr.
struct ExecResult {
    int status = -1;
    std::string output;
};

/// Forks; the child runs `setup()` (returns "" or an error text, which is printed and ends the
/// child with status 111), then execv(argv[0], argv) with stdout and stderr going to a pipe.
/// A failed exec prints "exec: <ERRNO>" and exits 112.
inline ExecResult exec_in_child(const std::function<std::string()>& setup,
                                const std::vector<std::string>& argv) {
    ExecResult res;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return res;
    pid_t pid = fork();
    if (pid < 0) return res;
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        std::string err = setup();
        if (!err.empty()) {
            (void)!write(1, err.data(), err.size());
            _exit(111);
        }
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        std::string msg = "exec: " + outcome(-1, errno);
        (void)!write(1, msg.data(), msg.size());
        _exit(112);
    }
    close(p[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0) res.output.append(buf, static_cast<size_t>(n));
    close(p[0]);
    while (waitpid(pid, &res.status, 0) < 0 && errno == EINTR) {
    }
    return res;
}

/// In the child: a private mount namespace, so a mount that wrongly succeeds stays invisible.
inline bool private_mount_ns() {
    return unshare(CLONE_NEWNS) == 0 &&
           mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
}

}  // namespace vs::testing
