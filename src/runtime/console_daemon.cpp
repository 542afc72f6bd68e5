// vs-consoled: one host process for every guest's console. It reads each guest's pty masters
// without ever blocking (an epoll set), so a guest's writes to /dev/console never wait for a
// reader; logs the console (sanitized, size-bounded, rate-limited per guest); relays one
// attached terminal per pty; and drops a guest once its init's pidfd says it has ended.
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <list>
#include <memory>
#include <optional>

#include "base/clock.hpp"
#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "runtime/console.hpp"
#include "runtime/console_log.hpp"
#include "runtime/console_proto.hpp"
#include "spec/validate.hpp"

namespace vs::runtime::console {

namespace {

// Bytes read from one pty per turn of the loop, so one busy guest cannot starve the others.
constexpr size_t kTurnBytes = 64 * 1024;
// What one guest may put in its console log: 64 KiB/s after a burst of 256 KiB (a boot writes
// a few KiB; 64 KiB/s is several times a fast serial line). Beyond it the log says how many
// bytes it dropped, and its ptys are read only every kPauseMs, so a guest flooding its console
// costs the daemon a bounded number of wakeups while its writes are slowed, never blocked.
constexpr double kLogRate = 64 * 1024;
constexpr double kLogBurst = 256 * 1024;
constexpr int kPauseMs = 10;

struct Conn;

/// What an epoll event reaches: its data.ptr points at one of these.
struct Source {
    std::function<void()> ready;
};

struct Pty {
    UniqueFd master;
    // Our own slave fd: a pty master reads EIO and polls POLLHUP whenever no slave is open
    // (pty(7)), which happens before the guest's init opens its console and between two
    // gettys. Holding one keeps the master quiet then.
    UniqueFd slave;
    Conn* attached = nullptr;
    bool dead = false;
    bool watched = false;   ///< in the epoll set (not dead, not paused)
    int64_t resume_ms = 0;  ///< paused by the rate limit until then (monotonic), 0: not
    Source src;
};

/// The console log's token bucket: bytes it may still take now.
struct Budget {
    double tokens = kLogBurst;
    int64_t last_ms = 0;
    uint64_t dropped = 0;  ///< bytes left out since the log last said so

    /// Takes `n` bytes if the budget holds them (refilled at kLogRate since the last call).
    bool take(size_t n, int64_t now) {
        if (last_ms) tokens = std::min(kLogBurst, tokens + (now - last_ms) * kLogRate / 1000);
        last_ms = now;
        if (tokens < static_cast<double>(n)) return false;
        tokens -= static_cast<double>(n);
        return true;
    }
};

struct Guest {
    std::string name;
    UniqueFd pidfd;
    std::vector<std::unique_ptr<Pty>> ptys;  ///< [0] the console, then the ttys
    std::optional<RotatingLog> log;
    Sanitizer sanitizer;
    Budget budget;
    bool log_failed = false;
    Source src;
};

struct Conn {
    UniqueFd fd;
    pid_t peer = 0;
    Guest* guest = nullptr;
    size_t index = 0;
    bool closed = false;
    Source src;
};

std::string now_text() {
    char b[64];
    std::time_t t = std::time(nullptr);
    struct tm tm {};
    ::gmtime_r(&t, &tm);
    std::strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return b;
}

void set_nonblock(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

class Daemon {
public:
    Daemon(int listen_fd, std::string dir) : listen_(listen_fd), dir_(std::move(dir)) {}

    int run() {
        set_nonblock(listen_.get());
        ep_.reset(::epoll_create1(EPOLL_CLOEXEC));
        if (!ep_) {
            log::error("vs-consoled: epoll_create1: {}", std::strerror(errno));
            return 1;
        }
        listen_src_.ready = [this] { accept_one(); };
        if (!watch(listen_.get(), &listen_src_)) return 1;
        struct epoll_event ev[64];
        for (;;) {
            int n = ::epoll_wait(ep_.get(), ev, 64, timeout_ms());
            if (n < 0 && errno != EINTR) {
                log::error("vs-consoled: epoll_wait: {}", std::strerror(errno));
                return 1;
            }
            for (int i = 0; i < n; ++i) static_cast<Source*>(ev[i].data.ptr)->ready();
            resume_paused();
            reap();
            if (guests_.empty() && conns_.empty() && may_end()) return 0;
        }
    }

private:
    UniqueFd listen_;
    std::string dir_;
    UniqueFd ep_;
    Source listen_src_;
    std::list<std::unique_ptr<Guest>> guests_;
    std::list<std::unique_ptr<Conn>> conns_;
    std::vector<Guest*> dropped_;

    bool watch(int fd, Source* src) {
        struct epoll_event e {};
        e.events = EPOLLIN;
        e.data.ptr = src;
        if (::epoll_ctl(ep_.get(), EPOLL_CTL_ADD, fd, &e) == 0) return true;
        log::error("vs-consoled: epoll_ctl add fd {}: {}", fd, std::strerror(errno));
        return false;
    }
    // Before every close: epoll forgets an fd only when its open file goes, and a copy of it
    // may live on elsewhere (the guest's init still holds its masters while it starts).
    void unwatch(int fd) { ::epoll_ctl(ep_.get(), EPOLL_CTL_DEL, fd, nullptr); }
    void unwatch(Pty& pty) {
        if (pty.watched) unwatch(pty.master.get());
        pty.watched = false;
    }

    /// Idle: wake each second to see whether we may end. Else until the first paused pty is
    /// due, or an event.
    int timeout_ms() const {
        if (guests_.empty() && conns_.empty()) return 1000;
        int64_t first = 0;
        for (auto& g : guests_)
            for (auto& p : g->ptys)
                if (p->resume_ms && (!first || p->resume_ms < first)) first = p->resume_ms;
        if (!first) return -1;
        return static_cast<int>(std::max<int64_t>(0, first - sys::monotonic_ms()));
    }

    void resume_paused() {
        const int64_t now = sys::monotonic_ms();
        for (auto& g : guests_)
            for (auto& p : g->ptys)
                if (p->resume_ms && p->resume_ms <= now && !p->dead) {
                    p->resume_ms = 0;
                    p->watched = watch(p->master.get(), &p->src);
                }
    }

    /// With no guest left, the daemon ends, unless a start holds the lock to hand it one.
    bool may_end() {
        auto fd = sys::open(dir_ + "/lock", O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (!fd) return false;
        if (::flock(fd->get(), LOCK_EX | LOCK_NB) < 0) return false;
        (void)sys::remove_if_exists(dir_ + "/daemon");
        (void)sys::remove_if_exists(dir_ + "/socket");
        return true;
    }

    void accept_one() {
        int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) return;
        auto c = std::make_unique<Conn>();
        c->fd.reset(fd);
        struct ucred cred {};
        socklen_t len = sizeof cred;
        // The socket's dir is root's and 0700; the peer's uid is checked all the same.
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != ::geteuid())
            return;
        c->peer = cred.pid;
        Conn* cp = c.get();
        cp->src.ready = [this, cp] { from_client(*cp); };
        if (!watch(fd, &cp->src)) return;
        conns_.push_back(std::move(c));
    }

    void answer(Conn& c, char code, const std::string& text = {}) {
        (void)proto::send(c.fd.get(), std::string(1, code) + text, {}, MSG_DONTWAIT);
    }

    void from_client(Conn& c) {
        auto rec = proto::recv(c.fd.get());
        if (!rec) {
            if (rec.error().code == EAGAIN) return;
            c.closed = true;
            return;
        }
        if (rec->data.empty()) {
            c.closed = true;
            return;
        }
        const char op = rec->data[0];
        std::string body = rec->data.substr(1);
        if (c.guest) {
            Pty& pty = *c.guest->ptys[c.index];
            if (op == proto::kInput) {
                // Non-blocking: a guest that reads no input loses it rather than stall us.
                (void)!::write(pty.master.get(), body.data(), body.size());
            } else if (op == proto::kWinsize) {
                auto f = str::split_ws(body);
                // A malformed size reads as UINT64_MAX, which the bound refuses.
                const uint64_t rows =
                    f.size() == 2 ? str::parse_u64(f[0]).value_or(UINT64_MAX) : UINT64_MAX;
                const uint64_t cols =
                    f.size() == 2 ? str::parse_u64(f[1]).value_or(UINT64_MAX) : UINT64_MAX;
                if (rows < 10000 && cols < 10000) {
                    struct winsize ws {};
                    ws.ws_row = static_cast<unsigned short>(rows);
                    ws.ws_col = static_cast<unsigned short>(cols);
                    ::ioctl(pty.master.get(), TIOCSWINSZ, &ws);
                }
            }
            return;
        }
        if (op == proto::kAdd) return add(c, body, std::move(rec->fds));
        if (op == proto::kAttach) return attach_to(c, body);
        answer(c, proto::kError, "unknown request");
        c.closed = true;
    }

    bool is_dropped(const Guest* g) const {
        for (auto* d : dropped_)
            if (d == g) return true;
        return false;
    }

    Guest* find(const std::string& name) {
        for (auto& g : guests_)
            if (g->name == name && !is_dropped(g.get())) return g.get();
        return nullptr;
    }

    void add(Conn& c, const std::string& body, std::vector<UniqueFd> fds) {
        c.closed = true;  // one request per connection
        auto nl = body.find('\n');
        std::string name = body.substr(0, nl);
        std::string logdir = nl == std::string::npos ? "" : body.substr(nl + 1);
        if (!spec::validate_name(name) || logdir.empty() || logdir[0] != '/' || fds.size() < 2)
            return answer(c, proto::kError, "malformed request");
        // A guest of that name still here is a previous run whose init has not been seen to
        // end yet (its pidfd polls readable on our next turn): it goes now.
        if (Guest* old = find(name)) drop(old, "the guest was started again");
        auto g = std::make_unique<Guest>();
        g->name = name;
        g->pidfd = std::move(fds[0]);
        for (size_t i = 1; i < fds.size(); ++i) {
            auto pty = std::make_unique<Pty>();
            pty->master = std::move(fds[i]);
            unsigned n = 0;
            if (::ioctl(pty->master.get(), TIOCGPTN, &n) < 0)
                return answer(c, proto::kError, "an fd handed over is not a pty master");
            int s = ::ioctl(pty->master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
            if (s < 0)
                return answer(c, proto::kError,
                              fmt::format("open the pty's peer: {}", std::strerror(errno)));
            pty->slave.reset(s);
            set_nonblock(pty->master.get());
            struct winsize ws {};
            if (::ioctl(pty->master.get(), TIOCGWINSZ, &ws) == 0 && ws.ws_col == 0) {
                ws.ws_row = 24;
                ws.ws_col = 80;
                ::ioctl(pty->master.get(), TIOCSWINSZ, &ws);
            }
            g->ptys.push_back(std::move(pty));
        }
        auto log = RotatingLog::open(logdir, kLogLimit);
        if (!log) return answer(c, proto::kError, log.error().what());
        g->log = std::move(*log);
        (void)g->log->write(fmt::format("-- console of guest {} opened {} --\n", name, now_text()));
        Guest* gp = g.get();
        gp->src.ready = [this, gp] { drop(gp, "the guest stopped"); };
        if (!watch(gp->pidfd.get(), &gp->src))
            return answer(c, proto::kError, "vs-consoled cannot watch the guest's init");
        for (size_t i = 0; i < gp->ptys.size(); ++i) {
            Pty& pty = *gp->ptys[i];
            pty.src.ready = [this, gp, i] { drain(*gp, i); };
            pty.watched = watch(pty.master.get(), &pty.src);
        }
        guests_.push_back(std::move(g));
        answer(c, proto::kOk);
    }

    void attach_to(Conn& c, const std::string& body) {
        auto nl = body.find('\n');
        std::string name = body.substr(0, nl);
        size_t index = SIZE_MAX;
        if (nl != std::string::npos)
            if (auto v = str::parse_u64(body.substr(nl + 1))) index = static_cast<size_t>(*v);
        Guest* g = find(name);
        if (!g) {
            c.closed = true;
            return answer(c, proto::kError,
                          fmt::format("guest \"{}\" has no console here (is it running?)", name));
        }
        if (index >= g->ptys.size()) {
            c.closed = true;
            return answer(c, proto::kError,
                          fmt::format("guest \"{}\" has no tty {} (it has {}: apps/init/ttys)",
                                      name, index, g->ptys.size() - 1));
        }
        Pty& pty = *g->ptys[index];
        if (pty.attached) {
            c.closed = true;
            return answer(c, proto::kError,
                          fmt::format("the {} of guest \"{}\" is already attached (by pid {}); "
                                      "one terminal at a time",
                                      index ? fmt::format("tty {}", index) : "console", name,
                                      pty.attached->peer));
        }
        pty.attached = &c;
        c.guest = g;
        c.index = index;
        answer(c, proto::kOk);
    }

    /// Reads what the guest wrote to pty `i`: logged (the console, within the guest's
    /// budget), relayed to an attached terminal without blocking (a slow terminal loses
    /// output, the guest never waits). Over the budget, the pty pauses for kPauseMs.
    void drain(Guest& g, size_t i) {
        if (is_dropped(&g)) return;
        Pty& pty = *g.ptys[i];
        if (pty.dead) return;
        char buf[proto::kMaxRecord];
        buf[0] = proto::kOutput;
        size_t total = 0;
        bool over = false;
        while (total < kTurnBytes) {
            ssize_t n = ::read(pty.master.get(), buf + 1, sizeof buf - 1);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) break;
            if (n <= 0) {
                // EIO with our slave held: the pty is gone; stop polling it.
                unwatch(pty);
                pty.dead = true;
                return;
            }
            total += static_cast<size_t>(n);
            std::string_view data(buf + 1, static_cast<size_t>(n));
            if (!g.budget.take(data.size(), sys::monotonic_ms())) {
                over = true;
                g.budget.dropped += data.size();
            } else if (i == 0) {
                log_text(g, data);
            }
            if (pty.attached && !pty.attached->closed)
                (void)proto::send(pty.attached->fd.get(),
                                  std::string_view(buf, static_cast<size_t>(n) + 1), {},
                                  MSG_DONTWAIT);
        }
        if (over) {
            unwatch(pty);
            pty.resume_ms = sys::monotonic_ms() + kPauseMs;
        }
    }

    /// Appends the guest's console output to its log, first saying what the budget dropped.
    void log_text(Guest& g, std::string_view data) {
        if (!g.log || g.log_failed) return;
        std::string text;
        if (g.budget.dropped) {
            text = fmt::format("\n-- {} bytes dropped: over the console log's {} KiB/s --\n",
                               g.budget.dropped, static_cast<int>(kLogRate / 1024));
            g.budget.dropped = 0;
        }
        text += g.sanitizer.feed(data);
        if (auto r = g.log->write(text); !r) {
            log::warn("vs-consoled: guest {}: {}", g.name, r.error().what());
            g.log_failed = true;  // said once; the console goes on without its log
        }
    }

    void drop(Guest* g, const char* why) {
        if (is_dropped(g)) return;
        for (size_t i = 0; i < g->ptys.size(); ++i) drain(*g, i);
        if (g->log) {
            std::string text;
            if (g->budget.dropped)
                text = fmt::format("\n-- {} bytes dropped: over the console log's {} KiB/s --",
                                   g->budget.dropped, static_cast<int>(kLogRate / 1024));
            (void)g->log->write(fmt::format("{}\n-- {}: {} --\n", text, why, now_text()));
        }
        for (auto& pty : g->ptys)
            if (pty->attached) {
                answer(*pty->attached, proto::kEnd, why);
                pty->attached->closed = true;
                pty->attached->guest = nullptr;
                pty->attached = nullptr;
            }
        dropped_.push_back(g);
    }

    /// Removes dropped guests and closed connections, after the loop's turn that used them.
    void reap() {
        for (Guest* g : dropped_)
            guests_.remove_if([this, g](auto& p) {
                if (p.get() != g) return false;
                unwatch(g->pidfd.get());
                for (auto& pty : g->ptys) unwatch(*pty);
                return true;
            });
        dropped_.clear();
        for (auto it = conns_.begin(); it != conns_.end();) {
            if (!(*it)->closed) {
                ++it;
                continue;
            }
            if (Guest* g = (*it)->guest) g->ptys[(*it)->index]->attached = nullptr;
            unwatch((*it)->fd.get());
            it = conns_.erase(it);
        }
    }
};

}  // namespace

int daemon_main(int listen_fd, const std::string& dir) {
    ::signal(SIGPIPE, SIG_IGN);
    return Daemon(listen_fd, dir).run();
}

}  // namespace vs::runtime::console
