// OutputRelay: pipes + status socket, and the copy loop.
#include "proc/output_relay.hpp"

#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include <fmt/format.h>

#include "base/clock.hpp"
#include "proc/init_protocol.hpp"

namespace vs::proc {

namespace {

// fd above 2, close-on-exec (the original goes).
Result<UniqueFd> above_stdio(int fd) {
    UniqueFd orig(fd);
    if (fd > 2) return orig;
    int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (moved < 0) return errno_error("fcntl F_DUPFD_CLOEXEC");
    return UniqueFd(moved);
}

// Writes all of [p, p+n) to `*to` while it is writable; a failure (our stdout is a closed
// pipe or a hung-up terminal) sets it to -1: we keep reading, but stop writing.
void write_out(int& to, const char* p, size_t n) {
    while (n && to >= 0) {
        ssize_t w = ::write(to, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd pf {
                to, POLLOUT, 0
            };
            ::poll(&pf, 1, -1);
            continue;
        }
        if (w <= 0) {
            to = -1;
            return;
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
}

// One read of at most `max` bytes from `from`, copied to `to`. Returns the bytes read, 0 at
// EOF (no writer left) or on a read error, -1 when interrupted (try again).
ssize_t copy_once(int from, int& to, size_t max) {
    char buf[16384];
    ssize_t n = ::read(from, buf, max < sizeof buf ? max : sizeof buf);
    if (n < 0) return errno == EINTR || errno == EAGAIN ? -1 : 0;
    write_out(to, buf, static_cast<size_t>(n));
    return n;
}

// Copies what the pipe holds right now; later writers (daemons the command left running) are
// not waited for.
void copy_pending(int from, int& to) {
    int pending = 0;
    if (::ioctl(from, FIONREAD, &pending) < 0) return;
    while (pending > 0) {
        ssize_t n = copy_once(from, to, static_cast<size_t>(pending));
        if (n == 0) return;
        if (n > 0) pending -= static_cast<int>(n);
    }
}

}  // namespace

Result<OutputRelay> OutputRelay::make() {
    OutputRelay r;
    int o[2], e[2], s[2];
    if (::pipe2(o, O_CLOEXEC) < 0) return errno_error("pipe2 for the init's stdout");
    UniqueFd o0(o[0]), o1(o[1]);
    if (::pipe2(e, O_CLOEXEC) < 0) return errno_error("pipe2 for the init's stderr");
    UniqueFd e0(e[0]), e1(e[1]);
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) < 0)
        return errno_error("socketpair for the init's exit status");
    UniqueFd s0(s[0]), s1(s[1]);
    r.out_r_ = VS_TRY(above_stdio(o0.release()));
    r.out_w_ = VS_TRY(above_stdio(o1.release()));
    r.err_r_ = VS_TRY(above_stdio(e0.release()));
    r.err_w_ = VS_TRY(above_stdio(e1.release()));
    r.status_ = VS_TRY(above_stdio(s0.release()));
    r.status_peer_ = VS_TRY(above_stdio(s1.release()));
    return r;
}

std::vector<int> OutputRelay::peer_fds() const {
    return {status_peer_.get(), out_w_.get(), err_w_.get(), out_r_.get(), err_r_.get()};
}

std::string OutputRelay::peer_arg() const {
    return fmt::format("{},{},{},{},{}", status_peer_.get(), out_w_.get(), err_w_.get(),
                       out_r_.get(), err_r_.get());
}

void OutputRelay::close_peer_ends() {
    status_peer_.reset();
    out_w_.reset();
    err_w_.reset();
}

std::optional<int> OutputRelay::relay(int out, int err, int timeout_ms) {
    // A write to a closed pipe must not kill us half-way through a start: EPIPE instead.
    struct sigaction ign {
    }, old{};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, &old);
    std::optional<int> result;
    bool out_open = true, err_open = true;
    const int64_t deadline = timeout_ms < 0 ? -1 : sys::monotonic_ms() + timeout_ms;
    timed_out_ = false;
    for (;;) {
        struct pollfd p[3] = {{out_open ? out_r_.get() : -1, POLLIN, 0},
                              {err_open ? err_r_.get() : -1, POLLIN, 0},
                              {status_.get(), POLLIN, 0}};
        int wait = -1;
        if (deadline >= 0) {
            int64_t left = deadline - sys::monotonic_ms();
            if (left <= 0) {
                timed_out_ = true;
                break;
            }
            wait = static_cast<int>(left);
        }
        int n = ::poll(p, 3, wait);
        if (n == 0) continue;  // the deadline check above ends it
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (p[0].revents && copy_once(out_r_.get(), out, SIZE_MAX) == 0) out_open = false;
        if (p[1].revents && copy_once(err_r_.get(), err, SIZE_MAX) == 0) err_open = false;
        if (p[2].revents) {
            init_protocol::ExitStatus st = 0;
            ssize_t got = ::recv(status_.get(), &st, sizeof st, MSG_WAITALL);
            if (got < 0 && errno == EINTR) continue;
            if (got == static_cast<ssize_t>(sizeof st)) result = st;
            break;
        }
    }
    // Everything the command wrote is in the pipes before its exit status was sent.
    if (out_open) copy_pending(out_r_.get(), out);
    if (err_open) copy_pending(err_r_.get(), err);
    status_.reset();  // vs-init: we are done, the pipes are yours
    out_r_.reset();
    err_r_.reset();
    ::sigaction(SIGPIPE, &old, nullptr);
    return result;
}

}  // namespace vs::proc
