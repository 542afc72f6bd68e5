// PidFd implementation.
#include "proc/pidfd.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cerrno>

namespace vs::proc {

namespace {
// Raw syscalls: glibc 2.36's <sys/pidfd.h> lacks extern "C", so its wrappers do not link from C++.
int sys_pidfd_open(pid_t pid, unsigned flags) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
}
int sys_pidfd_send_signal(int fd, int sig) {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0));
}
}  // namespace

Result<PidFd> PidFd::open(pid_t pid) {
    int fd = sys_pidfd_open(pid, 0);
    if (fd < 0) return errno_error(fmt::format("pidfd_open pid {}", pid));
    // pidfd_open(2) returns a close-on-exec fd already.
    return PidFd(pid, UniqueFd(fd));
}

Status PidFd::send_signal(int sig) const {
    if (sys_pidfd_send_signal(fd_.get(), sig) < 0) {
        if (errno == ESRCH) return ok();
        return errno_error(fmt::format("pidfd_send_signal pid {} signal {}", pid_, sig));
    }
    return ok();
}

namespace {
int decode(const siginfo_t& info) {
    if (info.si_code == CLD_EXITED) return info.si_status;
    return 128 + info.si_status;  // killed or dumped: the shell convention
}
}  // namespace

Result<int> PidFd::wait() const {
    siginfo_t info{};
    for (;;) {
        if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd_.get()), &info,
                     WEXITED) == 0)
            return decode(info);
        if (errno != EINTR) return errno_error(fmt::format("waitid pid {}", pid_));
    }
}

Result<std::optional<int>> PidFd::try_wait() const {
    siginfo_t info{};
    if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd_.get()), &info,
                 WEXITED | WNOHANG) < 0)
        return errno_error(fmt::format("waitid pid {}", pid_));
    if (info.si_pid == 0) return std::optional<int>{};
    return std::optional<int>{decode(info)};
}

bool PidFd::alive() const {
    // A pidfd polls readable once the process has exited (pidfd_open(2) NOTES).
    struct pollfd p {
        fd_.get(), POLLIN, 0
    };
    int r = ::poll(&p, 1, 0);
    return r == 0;
}

bool PidFd::wait_exit(int timeout_ms) const {
    struct pollfd p {
        fd_.get(), POLLIN, 0
    };
    for (;;) {
        int r = ::poll(&p, 1, timeout_ms);
        if (r >= 0) return r > 0;
        // EINTR: wait again (a signal handler of ours is brief; the bound stays roughly kept).
        if (errno != EINTR) return true;
    }
}

}  // namespace vs::proc
