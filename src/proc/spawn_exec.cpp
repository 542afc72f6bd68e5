// vfork-style spawn of a helper by fd.
#include "proc/spawn_exec.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace vs::proc {

namespace {

// Shared with the child (CLONE_VM): it only reads these and writes `err` before it _exits.
struct Args {
    int exe_fd;
    const int* keep;
    size_t nkeep;
    const int* spare;    ///< sorted: keep + exe_fd, the fds not closed before the exec
    size_t nspare;
    char* const* argv;
    char* const* envp;
    const sigset_t* mask;
    int err;
};

// Runs on its own stack in our address space while we are suspended (CLONE_VFORK): system
// calls only, no allocation, no return into our frames.
int child(void* p) {
    auto* a = static_cast<Args*>(p);
    // Nothing else we hold (or inherited without close-on-exec from whoever ran us) reaches
    // the helper, whatever it does before its own fd sweep.
    unsigned next = 3;
    for (size_t i = 0; i < a->nspare; ++i) {
        auto k = static_cast<unsigned>(a->spare[i]);
        if (k < next) continue;
        if (k > next) ::syscall(SYS_close_range, next, k - 1, 0u);
        next = k + 1;
    }
    ::syscall(SYS_close_range, next, ~0u, 0u);
    for (size_t i = 0; i < a->nkeep; ++i) {
        if (::fcntl(a->keep[i], F_SETFD, 0) < 0) {
            a->err = errno;
            ::_exit(127);
        }
    }
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::sigprocmask(SIG_SETMASK, a->mask, nullptr);
    ::syscall(SYS_execveat, a->exe_fd, "", a->argv, a->envp, AT_EMPTY_PATH);
    a->err = errno;
    ::_exit(127);
}

std::vector<char*> cvec(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

}  // namespace

Result<PidFd> spawn_exec_fd(int exe_fd, const std::vector<std::string>& argv,
                            const std::vector<std::string>& envp, const std::vector<int>& keep) {
    auto av = cvec(argv);
    auto ev = cvec(envp);
    std::vector<char> stack(64 * 1024);
    // No handler of ours may run on the child's stack in our memory: block everything around
    // the clone; the child restores the mask right before execveat.
    sigset_t all, old;
    sigfillset(&all);
    ::sigprocmask(SIG_SETMASK, &all, &old);
    std::vector<int> spare = keep;
    spare.push_back(exe_fd);
    std::sort(spare.begin(), spare.end());
    Args a{exe_fd, keep.data(), keep.size(), spare.data(), spare.size(), av.data(), ev.data(), &old, 0};
    int pidfd = -1;
    int pid = ::clone(child, stack.data() + stack.size(), CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD,
                      &a, &pidfd);
    int clone_err = errno;
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    if (pid < 0) {
        errno = clone_err;
        return errno_error("clone the helper (CLONE_VM | CLONE_VFORK)");
    }
    PidFd child_fd(pid, UniqueFd(pidfd));
    if (a.err) {
        (void)child_fd.wait();
        return make_error(a.err, "execute the sealed helper \"{}\"", argv.empty() ? "" : argv[0]);
    }
    return child_fd;
}

}  // namespace vs::proc
