// vs-consoled's client requests: a start handing over a guest's init pidfd and pty masters,
// a terminal attaching to one of its ptys, then that terminal's input and window size.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/fault.hpp"
#include "base/strings.hpp"
#include "runtime/console_daemon.hpp"
#include "runtime/console_proto.hpp"
#include "spec/validate.hpp"

namespace vs::runtime::console::consoled {

void Daemon::accept_one() {
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
    if (watch(fd, &cp->src)) return;
    conns_.push_back(std::move(c));
}

void Daemon::answer(Conn& c, char code, const std::string& text) {
    (void)proto::send(c.fd.get(), std::string(1, code) + text, {}, MSG_DONTWAIT);
}

void Daemon::from_client(Conn& c) {
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

Guest* Daemon::find(const std::string& name) {
    for (auto& g : guests_)
        if (g->name == name && !is_dropped(g.get())) return g.get();
    return nullptr;
}

void Daemon::add(Conn& c, const std::string& body, std::vector<UniqueFd> fds) {
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
    if (int e = watch(gp->pidfd.get(), &gp->src))
        return answer(
            c, proto::kError,
            fmt::format("vs-consoled cannot watch the guest's init: {}", std::strerror(e)));
    // A pty left out of the epoll set would never be read: once its buffer is full the guest's
    // writes to it block (its init, its gettys). So the start fails rather than run so.
    for (size_t i = 0; i < gp->ptys.size(); ++i) {
        Pty& pty = *gp->ptys[i];
        pty.src.ready = [this, gp, i] { drain(*gp, i); };
        int e = fault_point("consoled:watch") ? watch(pty.master.get(), &pty.src) : EIO;
        if (e) {
            unwatch(gp->pidfd.get());
            for (auto& p : gp->ptys) unwatch(*p);
            auto why = fmt::format("vs-consoled cannot watch the guest's {}: epoll_ctl: {}",
                                   i ? fmt::format("tty {}", i) : "console", std::strerror(e));
            (void)gp->log->write(fmt::format("-- {}; not started: {} --\n", why, now_text()));
            return answer(c, proto::kError, why);
        }
        pty.watched = true;
    }
    guests_.push_back(std::move(g));
    answer(c, proto::kOk);
}

void Daemon::attach_to(Conn& c, const std::string& body) {
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
                      fmt::format("guest \"{}\" has no tty {} (it has {}: apps/init/ttys)", name,
                                  index, g->ptys.size() - 1));
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

}  // namespace vs::runtime::console::consoled
