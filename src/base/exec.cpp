// fork/exec/wait for host helper programs.
#include "base/exec.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/strings.hpp"
#include "base/sys.hpp"

namespace vs::exec {

Result<Outcome> run(const std::vector<std::string>& argv, const Options& opt) {
    if (argv.empty()) return make_error(EINVAL, "run: empty command");
    int pipefd[2] = {-1, -1};
    if (opt.capture_stdout && ::pipe2(pipefd, O_CLOEXEC) < 0) return errno_error("pipe");
    // Exec errors travel back over a CLOEXEC pipe: EOF means exec succeeded.
    int errpipe[2];
    if (::pipe2(errpipe, O_CLOEXEC) < 0) return errno_error("pipe");
    pid_t pid = ::fork();
    if (pid < 0) return errno_error("fork");
    if (pid == 0) {
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
    if (opt.capture_stdout) {
        ::close(pipefd[1]);
        auto r = sys::read_all(pipefd[0], argv[0]);
        ::close(pipefd[0]);
        if (r) out.out = std::move(*r);
    }
    int child_errno = 0;
    ssize_t n = ::read(errpipe[0], &child_errno, sizeof child_errno);
    ::close(errpipe[0]);
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (n == sizeof child_errno) return Error(child_errno, fmt::format("run \"{}\"", argv[0]));
    out.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return out;
}

Status run_checked(const std::vector<std::string>& argv, const Options& opt) {
    auto r = VS_TRY(run(argv, opt));
    if (r.status != 0)
        return make_error(0, "\"{}\" exited with status {}", str::join(argv, " "), r.status);
    return ok();
}

}  // namespace vs::exec
