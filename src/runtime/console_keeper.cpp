// vs-consoled's keeper: drains the guests' pty masters while the daemon is stopped.
#include "runtime/console_keeper.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/clock.hpp"
#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "proc/pidfd.hpp"
#include "proc/proc_info.hpp"

namespace vs::runtime::console {

namespace {

// How often the keeper looks at the daemon, and how long a stop must last before it drains:
// a stop that short is a debugger's single step, and a pty holds that much output anyway.
constexpr int kCheckMs = 500;
constexpr int kStoppedChecks = 2;

/// Copies of the daemon's pty masters: every fd of its table that is a ptmx (5:2 in any devpts
/// instance) and answers TIOCGPTN. They share the daemon's open files, so O_NONBLOCK holds.
std::vector<UniqueFd> take_masters(pid_t daemon, int pidfd) {
    std::vector<UniqueFd> out;
    std::string dir = fmt::format("/proc/{}/fd", daemon);
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (auto* e = ::readdir(d)) {
        char* end = nullptr;
        long n = std::strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end) continue;
        int fd = static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, static_cast<int>(n), 0));
        if (fd < 0) continue;
        UniqueFd f(fd);
        struct stat st {};
        unsigned ptn = 0;
        if (::fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && ::major(st.st_rdev) == 5 &&
            ::minor(st.st_rdev) == 2 && ::ioctl(fd, TIOCGPTN, &ptn) == 0)
            out.push_back(std::move(f));
    }
    ::closedir(d);
    return out;
}

/// Reads and discards what is waiting on `masters` for up to `ms`; returns the bytes.
uint64_t discard(const std::vector<UniqueFd>& masters, int ms) {
    std::vector<struct pollfd> p;
    for (auto& m : masters) p.push_back({m.get(), POLLIN, 0});
    if (::poll(p.data(), p.size(), ms) <= 0) return 0;
    uint64_t total = 0;
    char buf[65536];
    for (auto& e : p) {
        if (!(e.revents & POLLIN)) continue;
        for (int i = 0; i < 16; ++i) {
            ssize_t n = ::read(e.fd, buf, sizeof buf);
            if (n <= 0) break;
            total += static_cast<uint64_t>(n);
        }
    }
    return total;
}

[[noreturn]] void keep(pid_t daemon) {
    auto pidfd = proc::PidFd::open(daemon);
    if (!pidfd || ::getppid() != daemon) ::_exit(0);
    std::vector<UniqueFd> masters;
    uint64_t dropped = 0;
    int64_t since = 0;
    int checks = 0;
    for (;;) {
        // The daemon's pidfd is readable once it has ended: so do we.
        struct pollfd p {
            pidfd->fd(), POLLIN, 0
        };
        if (::poll(&p, 1, masters.empty() ? kCheckMs : 0) > 0) ::_exit(0);
        const bool is_stopped = proc::is_stopped(daemon);
        if (!masters.empty() || is_stopped)
            log::debug("vs-consoled keeper: daemon {} {}, holding {} masters", daemon,
                       is_stopped ? "stopped" : "running", masters.size());
        if (!is_stopped) {
            if (!masters.empty())
                log::warn(
                    "vs-consoled (pid {}) runs again after {} s stopped; its keeper "
                    "discarded {} bytes the guests wrote to their consoles meanwhile",
                    daemon, (sys::monotonic_ms() - since) / 1000, dropped);
            masters.clear();
            dropped = 0;
            checks = 0;
            continue;
        }
        if (masters.empty()) {
            if (++checks < kStoppedChecks) continue;
            since = sys::monotonic_ms();
            masters = take_masters(daemon, pidfd->fd());
            log::warn(
                "vs-consoled (pid {}) is stopped: its keeper discards what the guests "
                "write to {} console ptys until it runs again (kill -CONT {})",
                daemon, masters.size(), daemon);
            if (masters.empty()) {
                ::poll(nullptr, 0, kCheckMs);
                continue;
            }
        }
        dropped += discard(masters, kCheckMs);
    }
}

}  // namespace

bool start_keeper(pid_t daemon) {
    pid_t pid = ::fork();
    if (pid < 0) {
        log::warn(
            "vs-consoled: no keeper (fork: {}): a stopped daemon would block the guests' "
            "console writes",
            std::strerror(errno));
        return false;
    }
    if (pid > 0) return true;
    // Its own process group, so a signal to the daemon's group does not stop it too; it dies
    // with the daemon (PR_SET_PDEATHSIG) and holds nothing of it but its log on stdout/stderr.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::close_range(3, ~0U, 0);
    keep(daemon);
}

}  // namespace vs::runtime::console
