// pty open + proxy.
#include "proc/pty.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vs::proc {

Result<Pty> open_pty() {
    int m = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return errno_error("open \"/dev/ptmx\" in the guest");
    Pty p;
    p.master.reset(m);
    unsigned n = 0;
    if (::ioctl(m, TIOCGPTN, &n) < 0)
        return errno_error("\"/dev/ptmx\" in the guest is not a pty master");
    int unlock = 0;
    if (::ioctl(m, TIOCSPTLCK, &unlock) < 0) return errno_error("unlock pty");
    int s = ::ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) return errno_error("open pty peer (TIOCGPTPEER)");
    p.slave.reset(s);
    return p;
}

Status attach_terminal(int slave) {
    if (::setsid() < 0) return errno_error("setsid");
    if (::ioctl(slave, TIOCSCTTY, 0) < 0) return errno_error("set controlling terminal");
    for (int i = 0; i < 3; ++i)
        if (::dup2(slave, i) < 0) return errno_error(fmt::format("dup2 pty to fd {}", i));
    return ok();
}

RawMode::RawMode(int fd) : fd_(fd) {
    if (::tcgetattr(fd, &saved_) == 0) {
        struct termios raw = saved_;
        ::cfmakeraw(&raw);
        active_ = ::tcsetattr(fd, TCSANOW, &raw) == 0;
    }
}

void RawMode::restore() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
    active_ = false;
}

bool write_full(int fd, const char* p, size_t n) {
    while (n) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                struct pollfd pf {
                    fd, POLLOUT, 0
                };
                ::poll(&pf, 1, -1);
                continue;
            }
            return false;
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

namespace {
void copy_winsize(int from, int to) {
    struct winsize ws {};
    if (::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

}  // namespace

Result<int> proxy(int master, const PidFd& child) {
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGWINCH);
    ::sigprocmask(SIG_BLOCK, &set, &old);
    int sfd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    UniqueFd sig(sfd);
    copy_winsize(STDIN_FILENO, master);
    RawMode raw(STDIN_FILENO);

    char buf[16384];
    bool stdin_open = true;
    bool child_done = false;
    int drain = 64;  // after the child exited, read what is left, but not forever (a background
                     // process of the guest may keep the terminal open and busy)
    for (;;) {
        if (child_done && --drain < 0) break;
        struct pollfd p[4] = {{master, POLLIN, 0},
                              {stdin_open ? STDIN_FILENO : -1, POLLIN, 0},
                              {child.fd(), POLLIN, 0},
                              {sig.get(), POLLIN, 0}};
        int r = ::poll(p, 4, child_done ? 0 : -1);
        if (r < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (r == 0 && child_done) break;  // exited and nothing left to read
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = ::read(master, buf, sizeof buf);
            if (n > 0) {
                write_full(STDOUT_FILENO, buf, static_cast<size_t>(n));
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else {
                // EIO: every slave fd is closed (pty(7)). The child is done with the terminal.
                break;
            }
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
            if (n > 0) {
                if (!write_full(master, buf, static_cast<size_t>(n))) stdin_open = false;
            } else if (!(n < 0 && errno == EINTR)) {
                stdin_open = false;
            }
        }
        if (p[2].revents & POLLIN) child_done = true;
        if (p[3].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (::read(sig.get(), &si, sizeof si) == sizeof si) {
            }
            copy_winsize(STDIN_FILENO, master);
        }
    }
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    return child.wait();
}

Result<UniqueFd> connect_console_socket(const std::string& path) {
    struct sockaddr_un sa {};
    sa.sun_family = AF_UNIX;
    if (path.size() >= sizeof sa.sun_path)
        return make_error(ENAMETOOLONG, "--console-socket \"{}\": path too long", path);
    std::memcpy(sa.sun_path, path.c_str(), path.size());
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno_error("socket for --console-socket");
    UniqueFd s(fd);
    if (::connect(fd, reinterpret_cast<struct sockaddr*>(&sa), sizeof sa) < 0)
        return errno_error(fmt::format("connect --console-socket \"{}\"", path));
    return s;
}

Status send_pty_master(int sock, int master) {
    char name[] = "/dev/ptmx";
    struct iovec iov {
        name, sizeof name - 1
    };
    alignas(struct cmsghdr) char ctrl[CMSG_SPACE(sizeof(int))] = {};
    struct msghdr msg {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctrl;
    msg.msg_controllen = sizeof ctrl;
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &master, sizeof(int));
    while (::sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
        if (errno != EINTR) return errno_error("send the pty master to --console-socket");
    return ok();
}

}  // namespace vs::proc
