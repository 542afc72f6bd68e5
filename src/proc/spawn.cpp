// spawn implementation: raw clone3/clone used like fork(2) (no new stack: the child returns
// from the syscall on a copy of the parent's stack, as fork does).
#include "proc/spawn.hpp"

#include <linux/capability.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

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

/// The calling thread runs with euid `uid` until destroyed (spawn's userns_owner). Raw
/// syscalls: credentials are per thread in the kernel, and glibc's setresuid would change every
/// thread of the process. Leaving euid 0 empties the effective set (capabilities(7), "Effect of
/// user ID changes on capabilities"), which is then raised again from the permitted set, kept
/// because the real and saved uids stay 0; the fsuid is set back to 0 so the clone's checks of
/// cgroup files (CLONE_INTO_CGROUP) and the child's path walks stay root's. A euid change also
/// makes the process non-dumpable;
/// the previous setting is put back.
class OwnerEuid {
public:
    static Result<std::unique_ptr<OwnerEuid>> enter(uid_t uid) {
        auto g = std::unique_ptr<OwnerEuid>(new OwnerEuid());
        g->dumpable_ = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
        g->euid_ = ::geteuid();
        if (::syscall(SYS_capget, &g->hdr_, g->caps_) < 0) return errno_error("capget");
        if (::syscall(SYS_setresuid, -1, uid, -1) < 0)
            return errno_error(fmt::format("seteuid {} for the guest's user namespace", uid));
        g->entered_ = true;
        if (::syscall(SYS_capset, &g->hdr_, g->caps_) < 0)
            return errno_error("capset: raise the effective set again");
        // setresuid set the fsuid to the new euid; file access stays root's (setfsuid(2): 0 is
        // the real uid). setfsuid reports the previous value, not errors: checked by reading.
        ::syscall(SYS_setfsuid, 0);
        if (::syscall(SYS_setfsuid, -1) != 0) return make_error(EPERM, "setfsuid 0");
        return g;
    }
    ~OwnerEuid() {
        if (!entered_) return;
        // Back to euid 0: the kernel copies the permitted set to the effective set; the capset
        // restores exactly what was there.
        if (::syscall(SYS_setresuid, -1, euid_, -1) < 0 || ::syscall(SYS_capset, &hdr_, caps_) < 0)
            log::error("cannot restore euid {} after cloning the guest's init: {}", euid_,
                       std::strerror(errno));
        if (dumpable_ >= 0) ::prctl(PR_SET_DUMPABLE, dumpable_, 0, 0, 0);
    }
    OwnerEuid(const OwnerEuid&) = delete;
    OwnerEuid& operator=(const OwnerEuid&) = delete;

private:
    OwnerEuid() = default;
    __user_cap_header_struct hdr_{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct caps_[_LINUX_CAPABILITY_U32S_3]{};
    uid_t euid_ = 0;
    int dumpable_ = -1;
    bool entered_ = false;
};

long clone3_raw(uint64_t flags, int cgroup_fd, int* pidfd) {
    struct clone_args args {};
    args.flags = flags | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(pidfd);
    // With CLONE_PARENT the child takes the caller's exit signal, and clone3 wants none given.
    args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = static_cast<uint64_t>(cgroup_fd);
    }
    return ::syscall(SYS_clone3, &args, sizeof args);
}

long clone_raw(uint64_t flags, int* pidfd) {
    // x86_64 argument order: flags, stack, parent_tid, child_tid, tls. With CLONE_PIDFD the
    // pidfd is stored through parent_tid (clone(2)).
    unsigned long sig = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
    return ::syscall(SYS_clone, static_cast<unsigned long>(flags | CLONE_PIDFD | sig), nullptr,
                     pidfd, nullptr, nullptr);
}

}  // namespace

Result<Child> spawn(const SpawnOptions& opt, const ChildMain& child_main) {
    auto [parent_end, child_end] = VS_TRY(SyncChannel::make_pair());
    int pidfd = -1;
    Child c;
    std::unique_ptr<OwnerEuid> owner;
    if (opt.userns_owner && (opt.ns_flags & CLONE_NEWUSER))
        owner = VS_TRY(OwnerEuid::enter(*opt.userns_owner));

    const uint64_t flags = opt.ns_flags | (opt.clone_parent ? uint64_t{CLONE_PARENT} : 0);
    long pid = clone3_raw(flags, opt.cgroup2_fd, &pidfd);
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
            pid = clone3_raw(flags, -1, &pidfd);
            if (pid == 0) {
                parent_end.close();
                run_child(opt, child_end, child_main);
            }
            if (pid > 0) c.used_clone3 = true;
            err = errno;
        }
        if (pid < 0 && err == ENOSYS) {
            log::debug("clone3 unavailable, falling back to clone(2)");
            pid = clone_raw(flags, &pidfd);
            if (pid == 0) {
                parent_end.close();
                run_child(opt, child_end, child_main);
            }
            err = errno;
        }
        if (pid < 0) return Error(err, fmt::format("clone3 with flags {:#x}", flags));
    }
    owner.reset();
    child_end.close();
    c.pidfd = PidFd(static_cast<pid_t>(pid), UniqueFd(pidfd));
    c.channel = std::move(parent_end);
    return c;
}

}  // namespace vs::proc
