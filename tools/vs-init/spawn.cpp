// vs-init's last step of `vserver NAME exec|suexec|enter` (after join.cpp): start the guest's
// command so that no process the guest can see ever has the host's vserver binary as
// /proc/PID/exe (CVE-2019-5736).
//
// We run from a sealed memfd, outside the guest's pid namespace (the guest cannot name us),
// with every namespace of the guest joined, pid_for_children set to the guest's pid namespace,
// chrooted and confined (rlimits, seccomp, capabilities, uid). Here we only:
//   1. clone(CLONE_VFORK | CLONE_PARENT), like vfork but with a copy of our memory: the new
//      process is born in the guest's pid namespace as a child of `vserver` (which waits for it
//      and gets its exit status) and runs this sealed copy until its execve. Its first syscall
//      drops every fd but 0-2. No CLONE_VM on purpose: a guest root holding CAP_SYS_PTRACE may
//      attach to that process before its execve, and with a shared address space it could then
//      rewrite us, who still sit in the host's pid namespace with the guest's capabilities.
//   2. report on FD (vserver's sync channel, SyncChannel's wire format): Spawned{pid}, then
//      Error{errno, text} if the execve failed. Then exit; vserver reaps us.
//
// Raw system calls only (sys.hpp): this runs with the guest's seccomp filter already loaded,
// which allows clone (without namespace flags), execve, close_range, setsid, ioctl and sendto.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "proc/init_protocol.hpp"
#include "sys.hpp"

using namespace vsinit;
namespace wire = vs::proc::init_protocol;

namespace {

using Header = wire::MsgHeader;

void report(int fd, uint32_t type, int32_t code, const char* text) {
    char buf[sizeof(Header) + wire::kMaxErrorText];
    Header h{type, code};
    size_t len = text ? str_len(text) : 0;
    if (len > sizeof buf - sizeof h) len = sizeof buf - sizeof h;
    mem_copy(buf, &h, sizeof h);
    if (len) mem_copy(buf + sizeof h, text, len);
    while (sys_sendto(fd, buf, sizeof h + len, MSG_NOSIGNAL) == -EINTR) {
    }
}

// What the child sends back through the close-on-exec pipe when its execve fails.
struct Failure {
    int32_t err;
    char what[wire::kMaxErrorText];
};

const char* env_path(char** envp) {
    for (char** e = envp; *e; ++e)
        if (str_starts(*e, "PATH=")) return *e + 5;
    return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

[[noreturn]] void fail(int pipe_w, int err, Text& what) {
    Failure f;
    f.err = err;
    const char* w = what.c_str();
    mem_copy(f.what, w, what.len + 1);
    while (sys_write(pipe_w, &f, sizeof f) == -EINTR) {
    }
    sys_exit(err == ENOENT ? 127 : 126);
}

// execve with a PATH search like execvpe, but with the guest's PATH from envp and no /bin/sh
// fallback. Returns only on failure, with the errno to report (the first one other than
// ENOENT/ENOTDIR, as shells do) and its text in `what`.
int exec_search(char** argv, char** envp, Text& what) {
    const char* cmd = argv[0];
    if (str_chr(cmd, '/')) {
        long err = sys_execve(cmd, argv, envp);
        what.add("execute \"").add(cmd).add("\"");
        return static_cast<int>(-err);
    }
    const char* path = env_path(envp);
    int first = ENOENT;
    char full[4096];
    size_t clen = str_len(cmd);
    for (const char* p = path;;) {
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
    what.add("execute \"").add(cmd).add("\" (PATH=").add(path).add(")");
    return first;
}

// The child: from its birth the guest can see it.
[[noreturn]] void child_main(char** argv, char** envp, bool tty, int pipe_w) {
    // Keep only stdio and the failure pipe (the sync channel to vserver goes first thing).
    // pipe_w >= 3: spawn_command moved it there.
    auto w = static_cast<unsigned>(pipe_w);
    if (w > 3) sys_close_range(3u, w - 1);
    sys_close_range(w + 1, ~0u);
    Text what;
    if (tty) {
        // The pty slave is already fds 0-2. A session of our own: the process that opened it
        // exits right away, and a session leader's exit would hang up the terminal.
        long r = sys_setsid();
        if (r < 0) fail(pipe_w, static_cast<int>(-r), what.add("setsid"));
        r = sys_ioctl(0, TIOCSCTTY, 0);
        if (r < 0) fail(pipe_w, static_cast<int>(-r), what.add("set controlling terminal"));
    }
    int err = exec_search(argv, envp, what);
    fail(pipe_w, err, what);
}

}  // namespace

int spawn_command(int fd, char** argv, char** envp, bool tty) {
    int p[2];
    long r = sys_pipe2(p, O_CLOEXEC);
    if (r < 0) {
        report(fd, wire::kError, static_cast<int32_t>(-r), "pipe");
        return 1;
    }
    // Never on 0-2 (when our stdio was closed): the child keeps 0-2 as they are.
    for (int& e : p) {
        if (e > 2) continue;
        long moved = sys_fcntl(e, F_DUPFD_CLOEXEC, 3);
        if (moved < 0) {
            report(fd, wire::kError, static_cast<int32_t>(-moved), "dup the exec status pipe");
            return 1;
        }
        sys_close(e);  // stdio that was closed stays closed for the command
        e = static_cast<int>(moved);
    }
    long pid = sys_fork_like(CLONE_VFORK | CLONE_PARENT | SIGCHLD);
    if (pid == 0) child_main(argv, envp, tty, p[1]);
    if (pid < 0) {
        report(fd, wire::kError, static_cast<int32_t>(-pid), "clone the process in the guest");
        return 1;
    }
    sys_close(p[1]);
    report(fd, wire::kSpawned, static_cast<int32_t>(pid), nullptr);
    Failure f;
    long n;
    do {
        n = sys_read(p[0], &f, sizeof f);
    } while (n == -EINTR);
    if (n == static_cast<long>(sizeof f) && f.err != 0) {
        f.what[sizeof f.what - 1] = 0;
        report(fd, wire::kError, f.err, f.what);
    }
    return 0;
}
