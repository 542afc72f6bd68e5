// spawn implementation: raw clone3/clone used like fork(2) (no new stack: the child returns
// from the syscall on a copy of the parent's stack, as fork does).
#include "proc/spawn.hpp"

#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.hpp"

namespace vs::proc {

namespace {

[[noreturn]] void run_child(const SpawnOptions& opt, SyncChannel& chan,
                            const ChildMain& child_main) {
    // The parent may die between clone and this prctl (prctl(2), PR_SET_PDEATHSIG). getppid()
    // cannot tell (it is 0 in another pid namespace), but the channel can: every child main
    // first waits for a message and gets EOF when the parent is gone.
    if (opt.die_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int code = child_main(chan);
    ::_exit(code);
}

long clone3_raw(uint64_t flags, int cgroup_fd, int* pidfd) {
    struct clone_args args {};
    args.flags = flags | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(pidfd);
    args.exit_signal = SIGCHLD;
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = static_cast<uint64_t>(cgroup_fd);
    }
    return ::syscall(SYS_clone3, &args, sizeof args);
}

long clone_raw(uint64_t flags, int* pidfd) {
    // x86_64 argument order: flags, stack, parent_tid, child_tid, tls. With CLONE_PIDFD the
    // pidfd is stored through parent_tid (clone(2)).
    return ::syscall(SYS_clone, static_cast<unsigned long>(flags | CLONE_PIDFD | SIGCHLD), nullptr,
                     pidfd, nullptr, nullptr);
}

}  // namespace

Result<Child> spawn(const SpawnOptions& opt, const ChildMain& child_main) {
    auto [parent_end, child_end] = VS_TRY(SyncChannel::make_pair());
    int pidfd = -1;
    Child c;

    long pid = clone3_raw(opt.ns_flags, opt.cgroup2_fd, &pidfd);
    if (pid == 0) {
        parent_end.close();
        run_child(opt, child_end, child_main);
    }
    if (pid > 0) {
        c.used_clone3 = true;
        c.in_cgroup = opt.cgroup2_fd >= 0;
    } else {
        int err = errno;
        // ENOSYS: no clone3. With CLONE_INTO_CGROUP, EINVAL/EOPNOTSUPP/EBUSY/EPERM/EACCES mean the
        // target cgroup cannot take the child (e.g. a v2 domain with threaded children); the
        // caller moves the child with cgroup::Manager::add_pid instead.
        bool retry3 = opt.cgroup2_fd >= 0 && err != ENOSYS && err != ENOMEM && err != EAGAIN;
        if (retry3) {
            log::debug("clone3 into cgroup failed ({}), retrying without CLONE_INTO_CGROUP",
                       std::strerror(err));
            pid = clone3_raw(opt.ns_flags, -1, &pidfd);
            if (pid == 0) {
                parent_end.close();
                run_child(opt, child_end, child_main);
            }
            if (pid > 0) c.used_clone3 = true;
            err = errno;
        }
        if (pid < 0 && err == ENOSYS) {
            log::debug("clone3 unavailable, falling back to clone(2)");
            pid = clone_raw(opt.ns_flags, &pidfd);
            if (pid == 0) {
                parent_end.close();
                run_child(opt, child_end, child_main);
            }
            err = errno;
        }
        if (pid < 0) {
            errno = err;
            return errno_error(fmt::format("clone3 with flags {:#x}", opt.ns_flags));
        }
    }
    child_end.close();
    c.pidfd = PidFd(static_cast<pid_t>(pid), UniqueFd(pidfd));
    c.channel = std::move(parent_end);
    return c;
}

}  // namespace vs::proc
