// fork/exec/wait for host helper programs.
#include "base/exec.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/clock.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/unique_fd.hpp"

namespace vs::exec {

namespace {

// Waits for `pid` to exit while copying `out_fd` (-1: nothing to copy) into `out`, at most
// until `deadline_ms` (monotonic). False when the deadline passed first.
bool wait_bounded(pid_t pid, int out_fd, std::string& out, int64_t deadline_ms) {
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd) return true;  // no pidfd (ESRCH cannot happen: unreaped): wait unbounded
    for (;;) {
        int64_t left = deadline_ms - sys::monotonic_ms();
        if (left <= 0) return false;
        struct pollfd p[2] = {{pidfd.get(), POLLIN, 0}, {out_fd, POLLIN, 0}};
        int n = ::poll(p, out_fd >= 0 ? 2 : 1, static_cast<int>(left));
        if (n < 0 && errno != EINTR) return true;
        if (n > 0 && out_fd >= 0 && p[1].revents) {
            char buf[4096];
            ssize_t got = ::read(out_fd, buf, sizeof buf);
            if (got > 0) out.append(buf, static_cast<size_t>(got));
            if (got == 0) out_fd = -1;
            continue;
        }
        if (n > 0 && p[0].revents) return true;
    }
}

}  // namespace

Result<Outcome> run(const std::vector<std::string>& argv, const Options& opt) {
    if (argv.empty()) return make_error(EINVAL, "run: empty command");
    int pipefd[2] = {-1, -1};
    const bool capture = opt.capture_stdout || opt.capture_stderr;
    if (capture && ::pipe2(pipefd, O_CLOEXEC) < 0) return errno_error("pipe");
    // Exec errors travel back over a CLOEXEC pipe: EOF means exec succeeded.
    int errpipe[2];
    if (::pipe2(errpipe, O_CLOEXEC) < 0) return errno_error("pipe");
    pid_t pid = ::fork();
    if (pid < 0) return errno_error("fork");
    if (pid == 0) {
        // Its own process group, so a timeout kills whatever the command started as well.
        if (opt.timeout_s > 0) ::setpgid(0, 0);
        if (opt.capture_stderr) ::dup2(pipefd[1], STDERR_FILENO);
        if (opt.capture_stdout)
            ::dup2(pipefd[1], STDOUT_FILENO);
        else if (opt.quiet) {
            int n = ::open("/dev/null", O_WRONLY);
            if (n >= 0) ::dup2(n, STDOUT_FILENO);
        }
        if (!opt.cwd.empty() && ::chdir(opt.cwd.c_str()) < 0) {
            int e = errno;
            [[maybe_unused]] auto w = ::write(errpipe[1], &e, sizeof e);
            ::_exit(127);
        }
        for (auto& kv : opt.env_add) ::putenv(const_cast<char*>(kv.c_str()));
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        int e = errno;
        [[maybe_unused]] auto w = ::write(errpipe[1], &e, sizeof e);
        ::_exit(127);
    }
    ::close(errpipe[1]);
    Outcome out;
    int child_errno = 0;
    ssize_t n = ::read(errpipe[0], &child_errno, sizeof child_errno);
    ::close(errpipe[0]);
    if (capture) ::close(pipefd[1]);
    if (opt.timeout_s > 0 && n != sizeof child_errno) {
        int64_t deadline = sys::monotonic_ms() + int64_t{opt.timeout_s} * 1000;
        if (!wait_bounded(pid, capture ? pipefd[0] : -1, out.out, deadline)) {
            out.timed_out = true;
            ::kill(-pid, SIGKILL);
        }
    }
    if (capture) {
        if (!out.timed_out)
            if (auto r = sys::read_all(pipefd[0], argv[0]); r) out.out += *r;
        ::close(pipefd[0]);
    }
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (n == sizeof child_errno) return Error(child_errno, fmt::format("run \"{}\"", argv[0]));
    out.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return out;
}

Status run_checked(const std::vector<std::string>& argv, const Options& opt) {
    auto r = VS_TRY(run(argv, opt));
    if (r.timed_out)
        return make_error(ETIMEDOUT, "\"{}\" did not finish within {} s and was killed",
                          str::join(argv, " "), opt.timeout_s);
    if (r.status != 0)
        return make_error(0, "\"{}\" exited with status {}", str::join(argv, " "), r.status);
    return ok();
}

}  // namespace vs::exec
