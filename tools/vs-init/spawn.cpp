// vs-init's last step of `vserver NAME exec|suexec|enter` (after join.cpp): start the guest's
// command so that no process the guest can see ever holds anything of the host.
//
// We run from a sealed memfd, outside the guest's pid namespace (the guest cannot name us), with
// every namespace of the guest joined, pid_for_children set to the guest's pid namespace,
// chrooted and confined (rlimits, seccomp, capabilities, uid). The process we start is born in
// the guest's pid namespace and runs this sealed copy until its execve, and from its birth the
// guest can reach it: a guest without a user namespace keeps CAP_SYS_PTRACE in the host's user
// namespace (util-vserver's default bounding set), and the kernel lets that capability in the
// task's mm user namespace attach even to a non-dumpable task (__ptrace_may_access), so ptrace,
// pidfd_getfd and /proc/PID/fd all work on it before its execve. So it is born holding nothing
// the command would not get anyway: fds 0-2 (the stdio vserver hands the command; vsrun exec
// --preserve-fds adds the ones its caller asked for), the guest's root and cwd, and a copy of
// our memory, which holds only the plan and the command line.
//   1. spawn_prepare, before the confinement (which may refuse mmap): map vserver's result memfd
//      shared and MADV_DONTFORK (the child never has it), and an anonymous shared page the child
//      reports a failed setsid/TIOCSCTTY/execve in (the guest may write it: we only take an
//      errno and a step number from it and write the text ourselves).
//   2. spawn_command: close every fd above 2 (but preserved ones), vserver's sync channel last
//      (vserver sees EOF), then clone(CLONE_VFORK | CLONE_PARENT): like vfork but with a copy
//      of our memory, so the new process is a child of `vserver` (which waits for it and gets
//      its exit status). No CLONE_VM
//      on purpose: a guest root that attaches to that process before its execve could otherwise
//      rewrite us, who sit in the host's pid namespace. The kernel writes the child's pid into
//      the result page at the clone (CLONE_PARENT_SETTID), so vserver knows it even while the
//      guest holds that process stopped before its execve and we wait for it (vserver's bound,
//      apps/init/timeout for start's and stop's commands, then kills it).
//   3. once the child has exec'd or exited, write JoinResult{pid, errno, what} to the result
//      page and exit; vserver reads it after reaping us.
//
// Raw system calls only (sys.hpp): this runs with the guest's seccomp filter already loaded,
// which allows clone (without namespace flags), execve, close_range, setsid and ioctl.
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "proc/init_protocol.hpp"
#include "sys.hpp"

using namespace vsinit;
namespace wire = vs::proc::init_protocol;

namespace {

// What the child leaves in the shared page when it cannot run the command.
enum Step : int32_t { kNone = 0, kSetsid, kCtty, kExecve };
struct ChildStatus {
    int32_t err;
    int32_t step;
};

wire::JoinResult* result = nullptr;        // shared with vserver, never with the child
volatile ChildStatus* child_st = nullptr;  // shared with the child (and whoever it forks)

const char* env_path(char** envp) {
    for (char** e = envp; *e; ++e)
        if (str_starts(*e, "PATH=")) return *e + 5;
    return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

[[noreturn]] void child_fail(Step step, long err) {
    child_st->err = static_cast<int32_t>(-err);
    child_st->step = step;
    sys_exit(step == kExecve && err == -ENOENT ? 127 : 126);
}

// execve with a PATH search like execvpe, but with the guest's PATH from envp and no /bin/sh
// fallback. Returns only on failure, with the errno to report (the first one other than
// ENOENT/ENOTDIR, as shells do), negative.
long exec_search(char** argv, char** envp) {
    const char* cmd = argv[0];
    if (str_chr(cmd, '/')) return sys_execve(cmd, argv, envp);
    int first = ENOENT;
    char full[4096];
    size_t clen = str_len(cmd);
    for (const char* p = env_path(envp);;) {
        const char* colon = str_chr(p, ':');
        size_t n = colon ? static_cast<size_t>(colon - p) : str_len(p);
        if (n + 1 + clen + 1 <= sizeof full) {
            mem_copy(full, p, n);
            full[n] = '/';
            mem_copy(full + n + 1, cmd, clen + 1);
            int err = static_cast<int>(-sys_execve(full, argv, envp));
            if (err != ENOENT && err != ENOTDIR && first == ENOENT) first = err;
        }
        if (!colon) break;
        p = colon + 1;
    }
    return -first;
}

// The child: from its birth the guest can see it. It holds fds 0-2 (and preserved ones) only.
[[noreturn]] void child_main(char** argv, char** envp, bool tty) {
    if (tty) {
        // The pty slave is already fds 0-2. A session of our own: the process that opened it
        // exits right away, and a session leader's exit would hang up the terminal.
        long r = sys_setsid();
        if (r < 0) child_fail(kSetsid, r);
        r = sys_ioctl(0, TIOCSCTTY, 0);
        if (r < 0) child_fail(kCtty, r);
    }
    child_fail(kExecve, exec_search(argv, envp));
}

void set_result(long pid, int err, Text& what) {
    result->pid = static_cast<int32_t>(pid);
    result->err = err;
    const char* w = what.c_str();
    mem_copy(result->what, w, what.len + 1);
}

}  // namespace

long spawn_prepare(int result_fd) {
    long a = sys_mmap(sizeof(wire::JoinResult), PROT_READ | PROT_WRITE, MAP_SHARED, result_fd);
    if (a < 0) return a;
    result = reinterpret_cast<wire::JoinResult*>(a);
    long r = sys_madvise(result, sizeof *result, MADV_DONTFORK);
    if (r < 0) return r;
    long b = sys_mmap(sizeof(ChildStatus), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1);
    if (b < 0) return b;
    child_st = reinterpret_cast<volatile ChildStatus*>(b);
    return 0;
}

int spawn_command(int fd, char** argv, char** envp, bool tty, unsigned low) {
    // Every fd but the stdio and the preserved ones below `low` (join.cpp has closed the
    // others): the child is born with those only.
    sys_close(fd);
    sys_close_range(low, ~0u);
    long pid = sys_fork_like_settid(CLONE_VFORK | CLONE_PARENT | CLONE_PARENT_SETTID | SIGCHLD,
                                    &result->pid);
    if (pid == 0) child_main(argv, envp, tty);
    Text what;
    if (pid < 0) {
        set_result(0, static_cast<int>(-pid), what.add("clone the process in the guest"));
        return 1;
    }
    // The child has exec'd or exited (CLONE_VFORK). What it left in the page is the guest's to
    // write: only a known step and a plausible errno are taken, the text is ours.
    const int32_t err = child_st->err, step = child_st->step;
    if (err == 0 && step == kNone) {
        set_result(pid, 0, what);
    } else if (err <= 0 || err > 4095 || step < kSetsid || step > kExecve) {
        set_result(pid, EPROTO, what.add("the command's process sent a bad exec status"));
    } else if (step == kSetsid) {
        set_result(pid, err, what.add("setsid"));
    } else if (step == kCtty) {
        set_result(pid, err, what.add("set controlling terminal"));
    } else {
        what.add("execute \"").add(argv[0]).add("\"");
        if (!str_chr(argv[0], '/')) what.add(" (PATH=").add(env_path(envp)).add(")");
        set_result(pid, err, what);
    }
    return 0;
}
