// vs-init --spawn: the last step of `vserver NAME exec|suexec|enter`, run from a sealed memfd so
// that no process the guest can see ever has the host's vserver binary as /proc/PID/exe.
//
// usage: vs-init --spawn FD TTY -- COMMAND ARGS...      (TTY: "tty" or "-")
//
// The caller (a child of `vserver` that stays in the host's pid namespace, so the guest cannot
// name it) has already joined every namespace of the guest, set pid_for_children to the guest's
// pid namespace, chrooted, set rlimits, seccomp, capabilities and the uid, and then execveat()'d
// this binary from a sealed memfd. Here we only:
//   1. clone(CLONE_VFORK | CLONE_PARENT), like vfork but with a copy of our memory: the new
//      process is born in the guest's pid namespace as a child of `vserver` (which waits for it
//      and gets its exit status) and runs this sealed copy until its execve. Its first syscall
//      drops every fd but 0-2. No CLONE_VM on purpose: a guest root holding CAP_SYS_PTRACE may
//      attach to that process before its execve, and with a shared address space it could then
//      rewrite us, who still sit in the host's pid namespace with the guest's capabilities.
//   2. report on FD (vserver's sync channel, SyncChannel's wire format): Spawned{pid}, then
//      Error{errno, text} if the execve failed. Then exit; vserver reaps us.
//
// Plain libc only (static): this runs with the guest's seccomp filter already loaded, which
// allows clone (without namespace flags), execve, close_range, setsid, ioctl and sendmsg.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

// Must match vs::proc::SyncMsg and its header (src/proc/sync_channel.{hpp,cpp}).
constexpr uint32_t kMsgError = 2;
constexpr uint32_t kMsgSpawned = 6;

struct Header {
    uint32_t type;
    int32_t code;
};

void report(int fd, uint32_t type, int32_t code, const char* text) {
    char buf[4096];
    Header h{type, code};
    size_t len = text ? strnlen(text, sizeof buf - sizeof h) : 0;
    memcpy(buf, &h, sizeof h);
    if (len) memcpy(buf + sizeof h, text, len);
    while (send(fd, buf, sizeof h + len, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

struct Job {
    char** argv;
    char** envp;
    bool tty;
    char what[512];
};

// What the child sends back through the close-on-exec pipe when its execve fails.
struct Failure {
    int32_t err;
    char what[512];
};

const char* env_path(char** envp) {
    for (char** e = envp; *e; ++e)
        if (strncmp(*e, "PATH=", 5) == 0) return *e + 5;
    return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

// execve with a PATH search like execvpe, but with the guest's PATH from envp and no /bin/sh
// fallback. Returns the errno to report (the first one other than ENOENT/ENOTDIR, as shells do).
int exec_search(Job* j) {
    const char* cmd = j->argv[0];
    if (strchr(cmd, '/')) {
        execve(cmd, j->argv, j->envp);
        snprintf(j->what, sizeof j->what, "execute \"%s\"", cmd);
        return errno;
    }
    const char* path = env_path(j->envp);
    int first = ENOENT;
    char full[4096];
    for (const char* p = path;;) {
        const char* colon = strchr(p, ':');
        size_t n = colon ? static_cast<size_t>(colon - p) : strlen(p);
        if (n + 1 + strlen(cmd) + 1 <= sizeof full) {
            memcpy(full, p, n);
            full[n] = '/';
            strcpy(full + n + 1, cmd);
            execve(full, j->argv, j->envp);
            if (errno != ENOENT && errno != ENOTDIR && first == ENOENT) first = errno;
        }
        if (!colon) break;
        p = colon + 1;
    }
    snprintf(j->what, sizeof j->what, "execute \"%s\" (PATH=%s)", cmd, path);
    return first;
}

[[noreturn]] void fail(int pipe_w, int err, const char* what) {
    Failure f{};
    f.err = err;
    snprintf(f.what, sizeof f.what, "%s", what);
    while (write(pipe_w, &f, sizeof f) < 0 && errno == EINTR) {
    }
    _exit(err == ENOENT ? 127 : 126);
}

// The child: from its birth the guest can see it.
[[noreturn]] void child_main(Job* j, int pipe_w) {
    // Keep only stdio and the failure pipe (the sync channel to vserver goes first thing).
    // pipe_w >= 3: spawn_main moved it there.
    auto w = static_cast<unsigned>(pipe_w);
    if (w > 3) syscall(SYS_close_range, 3u, w - 1, 0u);
    syscall(SYS_close_range, w + 1, ~0u, 0u);
    if (j->tty) {
        // The pty slave is already fds 0-2. A session of our own: the process that opened it
        // exits right away, and a session leader's exit would hang up the terminal.
        if (setsid() < 0) fail(pipe_w, errno, "setsid");
        if (ioctl(0, TIOCSCTTY, 0) < 0) fail(pipe_w, errno, "set controlling terminal");
    }
    int err = exec_search(j);
    fail(pipe_w, err, j->what);
}

}  // namespace

int spawn_main(int argc, char** argv, char** envp) {
    // argv: vs-init --spawn FD TTY -- CMD ARGS...
    if (argc < 6 || strcmp(argv[4], "--") != 0) {
        fprintf(stderr, "vs-init: usage: vs-init --spawn FD tty|- -- COMMAND ARGS...\n");
        return 2;
    }
    int fd = atoi(argv[2]);
    Job job{};
    job.argv = argv + 5;
    job.envp = envp;
    job.tty = strcmp(argv[3], "tty") == 0;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        report(fd, kMsgError, errno, "pipe");
        return 1;
    }
    // Never on 0-2 (when our stdio was closed): the child keeps 0-2 as they are.
    for (int& e : p) {
        if (e > 2) continue;
        int moved = fcntl(e, F_DUPFD_CLOEXEC, 3);
        if (moved < 0) {
            report(fd, kMsgError, errno, "dup the exec status pipe");
            return 1;
        }
        close(e);  // stdio that was closed stays closed for the command
        e = moved;
    }
    // Raw clone without a new stack returns twice, as fork does.
    long pid = syscall(SYS_clone, CLONE_VFORK | CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr,
                       nullptr);
    if (pid == 0) child_main(&job, p[1]);
    if (pid < 0) {
        report(fd, kMsgError, errno, "clone the process in the guest");
        return 1;
    }
    close(p[1]);
    report(fd, kMsgSpawned, static_cast<int32_t>(pid), nullptr);
    Failure f{};
    ssize_t n;
    do {
        n = read(p[0], &f, sizeof f);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof f) && f.err != 0) {
        f.what[sizeof f.what - 1] = 0;
        report(fd, kMsgError, f.err, f.what);
    }
    return 0;
}
