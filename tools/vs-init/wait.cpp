// vs-init --wait: the waiting init of `vsrun create`. Holds the read end of the container's
// exec FIFO until `vsrun start` writes one byte to it, then execs the container's process in
// its own place, so that process is the container's init (the pid the engine's shim waits for).
//
// usage: vs-init --wait FD PATH [--hooks HFD RFD] -- ARGV...
//   FD: the FIFO, opened O_RDONLY|O_NONBLOCK by `vsrun create` before pivot_root. PATH: the
//   program, already resolved inside the container (PATH search, executable check) by create.
//   --hooks: HFD is the memfd of config.json's startContainer hooks (hooks.cpp), run after the
//   FIFO's byte; RFD the write end of the container's start FIFO, which `vsrun start` reads:
//   what failed (a hook, the exec) is written there before we exit, and a successful exec
//   closes it (close-on-exec) without a word, so start sees EOF.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>

#include "sys.hpp"

using namespace vsinit;

namespace {

int fail(const char* what, const char* arg, long err) {
    Text t;
    t.add(what);
    if (arg) t.add(" ").add(arg);
    t.add(": ").add_errno(static_cast<int>(-err));
    say(t);
    return 127;
}

}  // namespace

int run_start_hooks(int fd, Text& t);  // hooks.cpp

namespace {

// The failure for `vsrun start` (RFD), also on our stderr when there is no RFD.
int report(int rfd, Text& t, int code) {
    if (rfd < 0) {
        say(t);
        return code;
    }
    sys_write(rfd, t.buf, t.len);
    return code;
}

}  // namespace

int wait_main(int argc, char** argv, char** envp) {
    int hfd = -1, rfd = -1, dashes = 4;
    if (argc > 7 && str_eq(argv[4], "--hooks")) {
        hfd = parse_int(argv[5]);
        rfd = parse_int(argv[6]);
        dashes = 7;
    }
    if (argc < dashes + 2 || !str_eq(argv[dashes], "--") || (dashes == 7 && (hfd < 3 || rfd < 3))) {
        Text t;
        t.add("usage: vs-init --wait FD PATH [--hooks HFD RFD] -- ARGV...");
        say(t);
        return 2;
    }
    const int fd = parse_int(argv[2]);
    if (fd < 3) {
        Text t;
        t.add("--wait wants an fd above 2, not \"").add(argv[2]).add("\"");
        say(t);
        return 2;
    }
    // A FIFO's read end opened before any writer polls as nothing until a writer comes
    // (pipe_poll() reports POLLHUP only after a writer has been there), so this sleeps until
    // `vsrun start` opens the FIFO. Only start opens it (the state dir is root's, 0700), and it
    // writes its byte before it closes; a writer that went away without one is a start that
    // was interrupted: the container is not started.
    for (;;) {
        struct pollfd p {
            fd, POLLIN, 0
        };
        long r = sys_ppoll(&p, 1);
        if (r == -EINTR) continue;
        if (r < 0) return fail("poll the exec fifo", nullptr, r);
        char c;
        long n = sys_read(fd, &c, 1);
        if (n == -EINTR || n == -EAGAIN) continue;
        if (n < 0) return fail("read the exec fifo", nullptr, n);
        if (n == 0) {
            Text t;
            t.add("the exec fifo was closed without a start");
            say(t);
            return 126;
        }
        break;
    }
    sys_close(fd);
    if (hfd >= 0) {
        Text t;
        if (run_start_hooks(hfd, t) != 0) return report(rfd, t, 1);
        sys_close(hfd);
        sys_fcntl(rfd, F_SETFD, FD_CLOEXEC);
    }
    long err = sys_execve(argv[3], argv + dashes + 1, envp);
    if (rfd >= 0) {
        Text t;
        t.add("execute ").add(argv[3]).add(": ").add_errno(static_cast<int>(-err));
        return report(rfd, t, 127);
    }
    return fail("execute", argv[3], err);
}
