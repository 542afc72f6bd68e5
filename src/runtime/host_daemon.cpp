// Host daemons started on demand: their detached start and their pid records.
#include "runtime/host_daemon.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "proc/proc_info.hpp"

namespace vs::runtime::host_daemon {

std::optional<Recorded> live(const std::string& pid_file) {
    auto text = sys::read_file(pid_file);
    if (!text) return std::nullopt;
    auto f = str::split_ws(*text);
    if (f.size() != 2) return std::nullopt;
    auto pid = str::parse_u64(f[0]);
    auto start = str::parse_u64(f[1]);
    if (!pid || !start || *pid == 0 || *pid > 0x7fffffff) return std::nullopt;
    if (!proc::is_alive(static_cast<pid_t>(*pid), *start)) return std::nullopt;
    return Recorded{static_cast<pid_t>(*pid), *start};
}

Result<Recorded> record(const std::string& pid_file, pid_t pid) {
    auto start = VS_TRY(proc::start_time(pid));
    VS_TRY(sys::write_file_replace(pid_file, fmt::format("{} {}\n", pid, start), 0600));
    return Recorded{pid, start};
}

Result<pid_t> spawn(const Spawn& what) {
    std::vector<std::string> argv = what.argv;
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return errno_error(fmt::format("fork for {}", what.argv.at(0)));
    if (pid > 0) return pid;
    // Only async-signal-safe calls from here to exec (fork(2) of a possibly threaded caller).
    ::setsid();
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    if (what.log_fd >= 0) {
        ::dup2(what.log_fd, 1);
        ::dup2(what.log_fd, 2);
    }
    // dup2 onto itself keeps close-on-exec: clear it then.
    if (what.fd3 == 3)
        ::fcntl(3, F_SETFD, 0);
    else if (what.fd3 >= 0)
        ::dup2(what.fd3, 3);
    int adj = ::open("/proc/self/oom_score_adj", O_WRONLY);
    if (adj >= 0) {
        (void)!::write(adj, "-1000", 5);
        ::close(adj);
    }
    ::close_range(what.fd3 >= 0 ? 4 : 3, ~0U, 0);
    if (what.exe.empty())
        ::execvp(args[0], args.data());
    else
        ::execv(what.exe.c_str(), args.data());
    ::_exit(127);
}

}  // namespace vs::runtime::host_daemon
