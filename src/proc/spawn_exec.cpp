// vfork-style spawn of a helper by fd.
#include "proc/spawn_exec.hpp"
#include "proc/sealed_exec.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

namespace vs::proc {

namespace {

constexpr size_t kStackSize = 64 * 1024;

// Shared with the child (CLONE_VM): it only reads these and writes `err` before it _exits.
struct Args {
    int exe_fd;
    const int* keep;
    size_t nkeep;
    const int* spare;  ///< sorted: keep + exe_fd, the fds not closed before the exec
    size_t nspare;
    char* const* argv;
    char* const* envp;
    const sigset_t* mask;
    int (*before_exec)(void*);
    void* ctx;
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
    if (a->before_exec) {
        if (int e = a->before_exec(a->ctx); e != 0) {
            a->err = e;
            ::_exit(127);
        }
    }
    ::sigprocmask(SIG_SETMASK, a->mask, nullptr);
    ::syscall(SYS_execveat, a->exe_fd, "", a->argv, a->envp, AT_EMPTY_PATH);
    a->err = errno;
    ::_exit(127);
}

#if defined(__x86_64__)
// clone3 with CLONE_VM: the child starts on `args->stack` right after the syscall instruction,
// so it cannot return through C++ frames; this calls fn(arg) there and exits with its value.
// (glibc has no public clone3 wrapper; its clone() cannot pass CLONE_INTO_CGROUP.)
extern "C" long vs_clone3_vm(struct clone_args* args, size_t size, int (*fn)(void*), void* arg);
__asm__(
    ".text\n"
    ".globl vs_clone3_vm\n"
    ".type vs_clone3_vm,@function\n"
    "vs_clone3_vm:\n"
    "    push %r12\n"
    "    push %r13\n"
    "    mov %rdx, %r12\n"
    "    mov %rcx, %r13\n"
    "    mov $435, %eax\n"  // __NR_clone3 (args in rdi, size in rsi already)
    "    syscall\n"
    "    test %rax, %rax\n"
    "    jz 1f\n"
    "    pop %r13\n"
    "    pop %r12\n"
    "    ret\n"
    "1:\n"
    "    xor %ebp, %ebp\n"
    "    mov %r13, %rdi\n"
    "    call *%r12\n"
    "    mov %eax, %edi\n"
    "    mov $60, %eax\n"  // __NR_exit
    "    syscall\n"
    "    hlt\n"
    ".size vs_clone3_vm, .-vs_clone3_vm\n");
#endif

}  // namespace

Result<ExecChild> spawn_exec_fd(int exe_fd, const std::vector<std::string>& argv,
                                const std::vector<std::string>& envp, const std::vector<int>& keep,
                                const ExecSpawnOptions& opt) {
    auto av = c_strings(argv);
    auto ev = c_strings(envp);
    // Not value-initialized: zeroing 64 KiB would fault in 16 pages the child never touches.
    std::unique_ptr<char[]> stack_mem(new char[kStackSize]);
    char* stack = stack_mem.get();
    // No handler of ours may run on the child's stack in our memory: block everything around
    // the clone; the child restores the mask right before execveat.
    sigset_t all, old;
    sigfillset(&all);
    ::sigprocmask(SIG_SETMASK, &all, &old);
    std::vector<int> spare = keep;
    spare.push_back(exe_fd);
    std::sort(spare.begin(), spare.end());
    Args a{exe_fd,    keep.data(), keep.size(), spare.data(),    spare.size(),
           av.data(), ev.data(),   &old,        opt.before_exec, opt.ctx,
           0};
    int pidfd = -1;
    long pid = -1;
    int clone_err = 0;
    bool in_cg = false;
#if defined(__x86_64__)
    if (opt.cgroup2_fd >= 0) {
        // Born in the guest's cgroup2 node: moving a process there later (cgroup.procs) takes
        // the kernel's global threadgroup lock, whose RCU grace period costs milliseconds.
        struct clone_args ca {};
        ca.flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_INTO_CGROUP;
        ca.pidfd = reinterpret_cast<uint64_t>(&pidfd);
        ca.exit_signal = SIGCHLD;
        ca.stack = reinterpret_cast<uint64_t>(stack);
        ca.stack_size = kStackSize;
        ca.cgroup = static_cast<uint64_t>(opt.cgroup2_fd);
        pid = vs_clone3_vm(&ca, sizeof ca, child, &a);
        if (pid < 0) {
            clone_err = static_cast<int>(-pid);
            pid = -1;
        } else {
            in_cg = true;
        }
    }
#endif
    if (pid < 0 && opt.cgroup2_fd >= 0 && opt.cgroup2_refused) {
        ::sigprocmask(SIG_SETMASK, &old, nullptr);
        *opt.cgroup2_refused = true;
        return make_error(clone_err ? clone_err : ENOSYS,
                          "clone3 into the guest's cgroup2 node (CLONE_INTO_CGROUP)");
    }
    if (pid < 0) {
        pid = ::clone(child, stack + kStackSize, CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &a,
                      &pidfd);
        clone_err = errno;
    }
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    if (pid < 0) {
        return Error(clone_err, "clone the helper (CLONE_VM | CLONE_VFORK)");
    }
    ExecChild c{PidFd(static_cast<pid_t>(pid), UniqueFd(pidfd)), in_cg};
    if (a.err) {
        (void)c.pidfd.wait();
        return make_error(a.err, "start the sealed helper \"{}\"", argv.empty() ? "" : argv[0]);
    }
    return c;
}

}  // namespace vs::proc
