// Guest consoles, host side: starting vs-consoled, handing it a guest's pty masters, attaching a
// terminal, and the check status makes.
#include "runtime/console.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "base/log.hpp"
#include "base/scope_exit.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "proc/proc_info.hpp"
#include "proc/pty.hpp"
#include "runtime/console_proto.hpp"
#include "runtime/host_daemon.hpp"
#include "state/lock.hpp"

namespace vs::runtime::console {

namespace {

// How long a request may wait for the daemon's answer: it answers at once unless it is stuck,
// and a stuck daemon must not hang start or console.
constexpr int kReplyMs = 10000;
// Ctrl-]: the detach key, as telnet and virsh console have it.
constexpr char kDetach = 0x1d;

std::string socket_path(const config::Paths& p) { return dir(p) + "/socket"; }
std::string pid_file(const config::Paths& p) { return dir(p) + "/daemon"; }
std::string record_file(const config::Paths& p, const std::string& name) {
    return p.guest_run(name) + "/console";
}

std::string stopped_text(pid_t pid) {
    return fmt::format(
        "vs-consoled (pid {}) is stopped (SIGSTOP or a debugger): the guests' consoles are not "
        "read meanwhile, and a guest's console writes block once its pty buffer is full; "
        "`kill -CONT {}` resumes it",
        pid, pid);
}

Result<struct sockaddr_un> address(const std::string& path) {
    struct sockaddr_un a {};
    a.sun_family = AF_UNIX;
    if (path.size() >= sizeof a.sun_path)
        return make_error(ENAMETOOLONG, "console socket path \"{}\" is too long", path);
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    return a;
}

/// A fresh listening socket at <dir>/socket (a dead daemon's is replaced), then vs-consoled
/// forked from our own binary, serving it as fd 3.
Result<host_daemon::Recorded> spawn(const config::Paths& paths) {
    const std::string d = dir(paths), path = socket_path(paths);
    auto addr = VS_TRY(address(path));
    int s = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (s < 0) return errno_error("socket for vs-consoled");
    UniqueFd sock(s);
    if (::unlink(path.c_str()) < 0 && errno != ENOENT)
        return errno_error(fmt::format("remove the stale socket \"{}\"", path));
    if (::bind(s, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0)
        return errno_error(fmt::format("bind \"{}\"", path));
    if (::listen(s, 64) < 0) return errno_error(fmt::format("listen on \"{}\"", path));
    auto log = VS_TRY(sys::open(d + "/consoled.log",
                                O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600));
    pid_t pid = VS_TRY(
        host_daemon::spawn({{"vs-consoled", "--dir", d}, "/proc/self/exe", log.get(), sock.get()}));
    auto rec = host_daemon::record(pid_file(paths), pid);
    if (!rec) {
        ::kill(pid, SIGKILL);
        return std::move(rec).error().wrap("vs-consoled");
    }
    log::info("started vs-consoled (pid {}) for the guests' consoles", pid);
    return *rec;
}

Result<UniqueFd> connect(const config::Paths& paths) {
    auto addr = VS_TRY(address(socket_path(paths)));
    int s = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (s < 0) return errno_error("socket for the console");
    UniqueFd sock(s);
    if (::connect(s, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0)
        return errno_error(fmt::format("connect to vs-consoled at \"{}\"", socket_path(paths)));
    return sock;
}

/// The daemon's answer to a request: ok, or its refusal as the error.
Status reply(int sock) {
    struct pollfd p {
        sock, POLLIN, 0
    };
    int r;
    do {
        r = ::poll(&p, 1, kReplyMs);
    } while (r < 0 && errno == EINTR);
    if (r == 0)
        return make_error(ETIMEDOUT, "vs-consoled did not answer within {} s", kReplyMs / 1000);
    auto rec = VS_TRY(proto::recv(sock));
    if (rec.data.empty()) return make_error(ECONNRESET, "vs-consoled closed the connection");
    if (rec.data[0] == proto::kOk) return ok();
    if (rec.data[0] == proto::kError)
        return make_error(0, "{}", str::escape_control(rec.data.substr(1)));
    return make_error(EPROTO, "unexpected answer from vs-consoled");
}

void send_winsize(int sock) {
    struct winsize ws {};
    if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
        (void)proto::send(sock, fmt::format("{}{} {}", proto::kWinsize, ws.ws_row, ws.ws_col));
}

}  // namespace

std::string dir(const config::Paths& paths) { return paths.run_dir + "/.console"; }
std::string log_dir(const config::Paths& paths, const std::string& name) {
    return paths.log_dir + "/" + name;
}

Status hand_off(const config::Paths& paths, const std::string& name, int init_pidfd,
                const std::vector<UniqueFd>& masters) {
    const std::string d = dir(paths);
    VS_TRY(sys::mkdir_p(d, 0700));
    VS_TRY(sys::mkdir_p(paths.log_dir, 0755));
    // Held until the daemon has the guest: an idle daemon ends only when it can take this
    // lock, so it never ends between our check and our request.
    auto lock = VS_TRY(state::GuestLock::acquire(d));
    auto daemon = host_daemon::live(pid_file(paths));
    if (!daemon) {
        auto started = VS_TRY(spawn(paths).wrap("start vs-consoled"));
        daemon = host_daemon::live(pid_file(paths));
        if (!daemon)
            return make_error(ESRCH, "vs-consoled (pid {}) ended at once (log: {})", started.pid,
                              d + "/consoled.log");
    }
    // It would not answer: say why now rather than after kReplyMs.
    if (proc::is_stopped(daemon->pid)) return make_error(EAGAIN, "{}", stopped_text(daemon->pid));
    auto sock = VS_TRY(connect(paths));
    std::vector<int> fds = {init_pidfd};
    for (auto& m : masters) fds.push_back(m.get());
    VS_TRY(proto::send(sock.get(), fmt::format("{}{}\n{}", proto::kAdd, name, log_dir(paths, name)),
                       fds));
    VS_TRY(reply(sock.get()).wrap("vs-consoled"));
    return sys::write_file_replace(record_file(paths, name),
                                   fmt::format("{} {}\n", daemon->pid, daemon->start), 0600);
}

void forget(const config::Paths& paths, const std::string& name) {
    (void)sys::remove_if_exists(record_file(paths, name));
}

Status attach(const config::Paths& paths, const std::string& name, int index) {
    if (!sys::exists(record_file(paths, name)))
        return make_error(ENOENT,
                          "guest \"{}\" has no console (it is stopped, or apps/init/console is "
                          "off: docs/config-vserver.md)",
                          name);
    if (!guest_problem(paths, name).empty())
        return make_error(ENOTCONN, "{}", guest_problem(paths, name));
    auto sock = VS_TRY(connect(paths));
    VS_TRY(proto::send(sock.get(), fmt::format("{}{}\n{}", proto::kAttach, name, index)));
    VS_TRY(reply(sock.get()));

    sigset_t set, old;
    ::sigemptyset(&set);
    ::sigaddset(&set, SIGWINCH);
    ::sigprocmask(SIG_BLOCK, &set, &old);
    ScopeExit unblock([&] { ::sigprocmask(SIG_SETMASK, &old, nullptr); });
    UniqueFd sig(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    const bool tty = ::isatty(STDIN_FILENO);
    std::string what = index == 0 ? "console" : fmt::format("tty {}", index);
    fmt::print(stderr, "Connected to the {} of guest \"{}\"{}\n", what, name,
               tty ? "; Ctrl-] detaches" : "");
    std::fflush(stderr);
    proc::RawMode raw(STDIN_FILENO);
    send_winsize(sock.get());

    std::string end;  // why the daemon ended the session; empty: we detached
    bool stdin_open = true;
    char buf[proto::kMaxRecord];
    for (;;) {
        struct pollfd p[3] = {{sock.get(), POLLIN, 0},
                              {stdin_open ? STDIN_FILENO : -1, POLLIN, 0},
                              {sig.get(), POLLIN, 0}};
        if (::poll(p, 3, -1) < 0) {
            if (errno == EINTR) continue;
            return errno_error("poll the console");
        }
        if (p[0].revents) {
            auto rec = VS_TRY(proto::recv(sock.get()));
            if (rec.data.empty()) {
                end = "vs-consoled closed the connection";
                break;
            }
            if (rec.data[0] == proto::kOutput)
                proc::write_full(STDOUT_FILENO, rec.data.data() + 1, rec.data.size() - 1);
            else if (rec.data[0] == proto::kEnd) {
                end = rec.data.substr(1);
                break;
            }
        }
        if (p[1].revents) {
            ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf - 1);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                // stdin at its end (a pipe or file): what was sent stays sent; detach.
                stdin_open = false;
                break;
            }
            std::string_view in(buf, static_cast<size_t>(n));
            bool detach = false;
            if (tty)
                if (auto at = in.find(kDetach); at != std::string_view::npos) {
                    in = in.substr(0, at);
                    detach = true;
                }
            if (!in.empty())
                VS_TRY(proto::send(sock.get(), std::string(1, proto::kInput) + std::string(in)));
            if (detach) break;
        }
        if (p[2].revents) {
            struct signalfd_siginfo si;
            while (::read(sig.get(), &si, sizeof si) == sizeof si) {
            }
            send_winsize(sock.get());
        }
    }
    raw.restore();
    if (!end.empty()) {
        fmt::print(stderr, "\nConsole of guest \"{}\" closed: {}\n", name,
                   str::escape_control(end));
        return ok();
    }
    fmt::print(stderr, "\nDetached from the {} of guest \"{}\"\n", what, name);
    return ok();
}

std::string guest_problem(const config::Paths& paths, const std::string& name) {
    auto text = sys::read_file(record_file(paths, name));
    if (!text) return {};
    auto f = str::split_ws(*text);
    if (auto d = host_daemon::live(record_file(paths, name)))
        return proc::is_stopped(d->pid) ? stopped_text(d->pid) : "";
    return fmt::format(
        "vs-consoled (pid {}), which held this guest's /dev/console, has ended: writes to the "
        "console fail and are no longer logged; `vserver {} restart` gives it a new console",
        f.empty() ? std::string("?") : f[0], name);
}

}  // namespace vs::runtime::console
