// vs-init --output: the rc command's stdio goes to `vserver start` through pipes, its exit status
// through a socket; once start has returned, vs-init keeps the pipes' read ends and discards
// what still arrives.
//
// Why vs-init drains instead of letting the pipes break: daemons that rc starts often keep the
// stdout/stderr they inherited (a shell's `daemon &`, start-stop-daemon without --background).
// Once start has closed its read ends, a write to a pipe without readers raises SIGPIPE, whose
// default action kills the daemon (and EPIPE breaks it otherwise); a pipe with a reader that
// never reads fills up (64 KiB) and blocks it forever. So the guest's PID 1 holds a read end of
// both pipes and reads them into the void from the moment start is gone (start closes the
// socket when it returns, or the kernel does when start is killed): the daemons keep working,
// as they would with util-vserver's terminal after a logout had they not gotten EIO.
// The alternatives were worse: ignoring SIGPIPE in rc would be inherited by every service and
// every shell pipeline the guest ever runs (`cmd | head` printing "Broken pipe" errors), and a
// non-blocking write end would make rc's own echo fail with EAGAIN whenever start lags.
// Nothing of the host is in these fds: start made the pipes and socket for this purpose only,
// and after start returns their only other ends are in this guest.
#include "output.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "proc/init_protocol.hpp"
#include "sys.hpp"

namespace vsinit {

namespace {

bool parse_fd(const char*& s, int& out, char end) {
    if (*s < '0' || *s > '9') return false;
    int v = 0;
    while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
    if (*s != end) return false;
    if (end) ++s;
    out = v;
    return v > 2;
}

void close_fd(int& fd) {
    if (fd >= 0) sys_close(fd);
    fd = -1;
}

// Reads and discards what the pipe holds; closes it at EOF (every writer gone).
void drain_one(int& fd) {
    static char sink[4096];
    long n = sys_read(fd, sink, sizeof sink);
    if (n == 0 || (n < 0 && n != -EINTR && n != -EAGAIN)) close_fd(fd);
}

}  // namespace

bool Output::parse(const char* arg) {
    const char* s = arg;
    enabled = parse_fd(s, status, ',') && parse_fd(s, out_w, ',') && parse_fd(s, err_w, ',') &&
              parse_fd(s, out_r, ',') && parse_fd(s, err_r, 0);
    return enabled;
}

void Output::child_stdio() const {
    // stdin stays the guest's /dev/null. All five fds are above 2 (start moved them there).
    sys_dup3(out_w, 1, 0);
    sys_dup3(err_w, 2, 0);
    sys_close_range(3u, ~0u);
}

void Output::after_fork(long pid, const uint64_t* all_signals) {
    close_fd(out_w);
    close_fd(err_w);
    command_pid = pid;
    long fd = sys_signalfd4(-1, all_signals, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd >= 0) {
        sigfd = static_cast<int>(fd);
    } else {
        // Without a signalfd we cannot wait for signals and fds at once: keep the simple
        // sigtimedwait loop and give the read ends up, so late writers get EPIPE instead of
        // blocking on a full pipe (start still gets the status).
        Text t;
        t.add("signalfd: ")
            .add_errno(static_cast<int>(-fd))
            .add(" (rc output is not drained after start)");
        say(t);
        close_fd(out_r);
        close_fd(err_r);
    }
    if (pid < 0) command_exited(-1, 127 << 8);
}

void Output::command_exited(long pid, int st) {
    if (pid != command_pid) return;
    command_pid = -2;        // reported (never matches a pid again)
    if (status < 0) return;  // start is gone already
    vs::proc::init_protocol::ExitStatus wire_st = st;
    while (sys_sendto(status, &wire_st, sizeof wire_st, MSG_NOSIGNAL | MSG_DONTWAIT) == -EINTR) {
    }
    // The socket stays open: its EOF tells us when start has read the rest and returned.
}

long Output::wait_signal(const uint64_t* all_signals) {
    if (sigfd < 0) return sys_sigtimedwait(all_signals);
    struct pollfd p[4];
    int n = 0;
    p[n++] = {sigfd, POLLIN, 0};
    int status_at = -1, out_at = -1, err_at = -1;
    if (status >= 0) status_at = n, p[n++] = {status, POLLIN, 0};
    if (draining && out_r >= 0) out_at = n, p[n++] = {out_r, POLLIN, 0};
    if (draining && err_r >= 0) err_at = n, p[n++] = {err_r, POLLIN, 0};
    if (sys_ppoll(p, static_cast<unsigned>(n)) <= 0) return 0;
    if (status_at >= 0 && p[status_at].revents) {
        char c[16];
        long r = sys_recvfrom(status, c, sizeof c, MSG_DONTWAIT);
        if (r == 0 || (r < 0 && r != -EINTR && r != -EAGAIN)) {
            close_fd(status);
            draining = true;  // start has everything it gets; from now on, ours to discard
        }
    }
    if (out_at >= 0 && p[out_at].revents) drain_one(out_r);
    if (err_at >= 0 && p[err_at].revents) drain_one(err_r);
    if (p[0].revents) {
        signalfd_siginfo si;
        long r = sys_read(sigfd, &si, sizeof si);
        if (r == static_cast<long>(sizeof si)) return static_cast<long>(si.ssi_signo);
    }
    return 0;
}

}  // namespace vsinit
