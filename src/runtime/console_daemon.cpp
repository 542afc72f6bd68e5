// vs-consoled: one host process for every guest's console. It reads each guest's pty masters
// without ever blocking (an epoll set), so a guest's writes to /dev/console never wait for a
// reader; logs the console (sanitized, size-bounded, rate-limited per guest); relays one
// attached terminal per pty; and drops a guest once its init's pidfd says it has ended. Here:
// its event loop and each guest's output; what clients ask: console_daemon_requests.cpp.
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/file.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "base/clock.hpp"
#include "base/log.hpp"
#include "base/sys.hpp"
#include "runtime/console.hpp"
#include "runtime/console_daemon.hpp"
#include "runtime/console_proto.hpp"

namespace vs::runtime::console {

namespace consoled {

std::string now_text() {
    char b[64];
    std::time_t t = std::time(nullptr);
    struct tm tm {};
    ::gmtime_r(&t, &tm);
    std::strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return b;
}

void set_nonblock(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

int Daemon::run() {
    set_nonblock(listen_.get());
    ep_.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!ep_) {
        log::error("vs-consoled: epoll_create1: {}", std::strerror(errno));
        return 1;
    }
    listen_src_.ready = [this] { accept_one(); };
    if (watch(listen_.get(), &listen_src_)) return 1;
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

int Daemon::watch(int fd, Source* src) {
    struct epoll_event e {};
    e.events = EPOLLIN;
    e.data.ptr = src;
    if (::epoll_ctl(ep_.get(), EPOLL_CTL_ADD, fd, &e) == 0) return 0;
    const int err = errno;
    log::error("vs-consoled: epoll_ctl add fd {}: {}", fd, std::strerror(err));
    return err;
}

void Daemon::unwatch(int fd) { ::epoll_ctl(ep_.get(), EPOLL_CTL_DEL, fd, nullptr); }

void Daemon::unwatch(Pty& pty) {
    if (pty.watched) unwatch(pty.master.get());
    pty.watched = false;
}

int Daemon::timeout_ms() const {
    if (guests_.empty() && conns_.empty()) return 1000;
    if (paused_.empty()) return -1;
    const int64_t first = paused_.front().second->resume_ms;
    return static_cast<int>(std::max<int64_t>(0, first - sys::monotonic_ms()));
}

void Daemon::pause(Guest& g, Pty& pty) {
    unwatch(pty);
    pty.resume_ms = sys::monotonic_ms() + kPauseMs;
    paused_.emplace_back(&g, &pty);
}

void Daemon::resume_paused() {
    const int64_t now = sys::monotonic_ms();
    while (!paused_.empty() && paused_.front().second->resume_ms <= now) {
        auto [g, p] = paused_.front();
        paused_.pop_front();
        p->resume_ms = 0;
        if (p->dead) continue;
        // Unread, the pty's buffer fills and the guest's console writes block: so a failed
        // re-add (ENOMEM, fs.epoll.max_user_watches) is said once and tried again.
        p->watched = watch(p->master.get(), &p->src) == 0;
        if (p->watched) {
            if (p->watch_failed) log::info("vs-consoled: guest {}: console read again", g->name);
            p->watch_failed = false;
            continue;
        }
        if (!p->watch_failed)
            log::error("vs-consoled: guest {}: its console is not read until epoll takes it again",
                       g->name);
        p->watch_failed = true;
        pause(*g, *p);
    }
}

bool Daemon::may_end() {
    auto fd = sys::open(dir_ + "/lock", O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (!fd) return false;
    if (::flock(fd->get(), LOCK_EX | LOCK_NB) < 0) return false;
    (void)sys::remove_if_exists(dir_ + "/daemon");
    (void)sys::remove_if_exists(dir_ + "/socket");
    return true;
}

bool Daemon::is_dropped(const Guest* g) const {
    for (auto* d : dropped_)
        if (d == g) return true;
    return false;
}

void Daemon::drain(Guest& g, size_t i) {
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
        // Only the console is logged: a tty's output spends none of the log's budget.
        if (i == 0 && !g.budget.take(data.size(), sys::monotonic_ms())) {
            over = true;
            g.budget.dropped += data.size();
        } else if (i == 0) {
            log_text(g, data);
        }
        if (pty.attached && !pty.attached->closed)
            (void)proto::send(pty.attached->fd.get(),
                              std::string_view(buf, static_cast<size_t>(n) + 1), {}, MSG_DONTWAIT);
    }
    if (over) pause(g, pty);
}

void Daemon::log_text(Guest& g, std::string_view data) {
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

void Daemon::drop(Guest* g, const char* why) {
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

void Daemon::reap() {
    for (Guest* g : dropped_) {
        std::erase_if(paused_, [g](const auto& p) { return p.first == g; });
        guests_.remove_if([this, g](auto& p) {
            if (p.get() != g) return false;
            unwatch(g->pidfd.get());
            for (auto& pty : g->ptys) unwatch(*pty);
            return true;
        });
    }
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

}  // namespace consoled

int daemon_main(int listen_fd, const std::string& dir) {
    ::signal(SIGPIPE, SIG_IGN);
    return consoled::Daemon(listen_fd, dir).run();
}

}  // namespace vs::runtime::console
