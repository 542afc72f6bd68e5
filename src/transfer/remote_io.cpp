// ssh/rsync child processes of a remote copy: spawning, the line protocol, rsync's --stats.
#include "transfer/remote_io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/log.hpp"
#include "base/read_line.hpp"
#include "base/sys.hpp"
#include "transfer/progress.hpp"

namespace vs::transfer {

namespace {

// fork + execvp with stdin/stdout on the given fds (-1: inherited); the child leaves nothing
// else open but fd 2 (close_range), and is SIGKILLed when we die (PR_SET_PDEATHSIG).
Result<pid_t> spawn_with(const std::vector<std::string>& argv, int in_fd, int out_fd) {
    std::vector<char*> av;
    for (auto& a : argv) av.push_back(const_cast<char*>(a.c_str()));
    av.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return errno_error(fmt::format("fork for {}", argv[0]));
    if (pid == 0) {
        // Dies with us: a killed vserver-copy takes its ssh (the far side then sees its stdin
        // close and removes what it staged) and rsync with it.
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || ::getppid() == 1) ::_exit(127);
        if (in_fd >= 0 && ::dup2(in_fd, 0) < 0) ::_exit(127);
        if (out_fd >= 0 && ::dup2(out_fd, 1) < 0) ::_exit(127);
        ::close_range(3, ~0U, 0);
        ::signal(SIGPIPE, SIG_DFL);
        ::execvp(av[0], av.data());
        ::dprintf(2, "vserver-copy: cannot run %s: %s\n", av[0], std::strerror(errno));
        ::_exit(127);
    }
    return pid;
}

// A child with its stdin and stdout on pipes: `in` writes to it, `out` reads what it prints.
struct Piped {
    pid_t pid;
    UniqueFd in, out;
};

Result<Piped> spawn_piped(const std::vector<std::string>& argv) {
    int to[2], from[2];
    if (::pipe2(to, O_CLOEXEC) < 0) return errno_error("pipe");
    UniqueFd to_r(to[0]), to_w(to[1]);
    if (::pipe2(from, O_CLOEXEC) < 0) return errno_error("pipe");
    UniqueFd from_r(from[0]), from_w(from[1]);
    pid_t pid = VS_TRY(spawn_with(argv, to_r.get(), from_w.get()));
    return Piped{pid, std::move(to_w), std::move(from_r)};
}

Result<int> wait_for(pid_t pid, const std::string& what) {
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return errno_error(fmt::format("wait for {}", what));
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

uint64_t number_after(const std::string& out, const std::string& label) {
    // The last one: with --info=name1 the file names (which a guest chooses) come first, and
    // rsync's --stats block is the end of its output.
    auto at = out.rfind(label);
    if (at == std::string::npos) return 0;
    uint64_t v = 0;
    for (size_t i = at + label.size(); i < out.size() && out[i] != '\n'; ++i) {
        if (out[i] >= '0' && out[i] <= '9')
            v = v * 10 + uint64_t(out[i] - '0');
        else if (out[i] != ',' && out[i] != ' ')
            break;
    }
    return v;
}

}  // namespace

bool is_remote_dest(const std::string& dest) {
    return dest.find(':') != std::string::npos || dest.find('@') != std::string::npos;
}

Result<RemoteTarget> parse_remote_dest(const std::string& dest) {
    RemoteTarget t;
    auto colon = dest.find(':');
    // An IPv6 address goes in brackets, as scp writes it: [2001:db8::1]:NAME.
    if (!dest.empty() && dest.find('[') != std::string::npos) {
        auto close = dest.find(']');
        if (close == std::string::npos)
            return make_error(EINVAL, "destination \"{}\": no ']' after the address", dest);
        colon = dest.find(':', close);
        t.host = dest.substr(0, colon);
        t.host.erase(t.host.find('['), 1);
        t.host.erase(t.host.find(']'), 1);
    } else {
        t.host = dest.substr(0, colon);
    }
    if (colon != std::string::npos) t.name = dest.substr(colon + 1);
    const std::string bare = t.host.substr(t.host.find('@') + 1);
    if (t.host.empty() || bare.empty() || t.host[0] == '-' || t.host.back() == '@')
        return make_error(EINVAL, "destination \"{}\": no host before the ':'", dest);
    for (char c : t.host)
        if (c == '/' || c == ' ' || c == '\'' || (unsigned char)c < 0x20)
            return make_error(EINVAL, "destination \"{}\": invalid host \"{}\"", dest, t.host);
    return t;
}

IgnoreSigpipe::IgnoreSigpipe() {
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, &old_);
}

IgnoreSigpipe::~IgnoreSigpipe() { ::sigaction(SIGPIPE, &old_, nullptr); }

std::string shell_quote(const std::string& word) {
    std::string q = "'";
    for (char c : word) {
        if (c == '\'')
            q += "'\\''";
        else
            q += c;
    }
    return q + "'";
}

Result<LineChild> LineChild::spawn(const std::vector<std::string>& argv) {
    auto p = VS_TRY(spawn_piped(argv));
    LineChild c;
    c.what_ = argv[0];
    c.pid_ = p.pid;
    c.in_ = std::move(p.in);
    c.out_ = std::move(p.out);
    return c;
}

LineChild::LineChild(LineChild&& o) noexcept
    : pid_(o.pid_),
      in_(std::move(o.in_)),
      out_(std::move(o.out_)),
      buf_(std::move(o.buf_)),
      what_(std::move(o.what_)) {
    o.pid_ = -1;
}

LineChild::~LineChild() {
    if (pid_ <= 0) return;
    // Closing its stdin is the far side's "abort": it removes what it staged.
    in_.reset();
    out_.reset();
    (void)wait_for(pid_, what_);
}

Status LineChild::send(const std::string& line) {
    return sys::write_all(in_.get(), line + "\n", what_);
}

Result<std::string> LineChild::read_line() {
    auto line = VS_TRY(sys::read_line(out_.get(), buf_, what_));
    if (!line) return make_error(EPIPE, "{} ended the session", what_);
    return std::move(*line);
}

Result<int> LineChild::finish() {
    in_.reset();
    out_.reset();
    pid_t p = pid_;
    pid_ = -1;
    return wait_for(p, what_);
}

RsyncStats parse_rsync_stats(const std::string& out) {
    RsyncStats s;
    s.files = number_after(out, "Number of files:");
    s.transferred = number_after(out, "Number of regular files transferred:");
    s.literal = number_after(out, "Literal data:");
    s.sent = number_after(out, "Total bytes sent:");
    return s;
}

namespace {

// rsync's stdout to its end, fed `input` on `in` (when open) meanwhile: a long list and rsync's
// own output (-v names files as it sends them) would each fill its pipe and wait for the other.
Result<std::string> pump(UniqueFd& out_fd, UniqueFd& in, std::string_view input, bool echo) {
    std::string out;
    char b[8192];
    size_t off = 0;
    if (in && input.empty()) in.reset();
    while (out_fd) {
        struct pollfd p[2] = {{out_fd.get(), POLLIN, 0}, {in ? in.get() : -1, POLLOUT, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return errno_error("poll rsync's pipes");
        }
        if (in && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = ::write(in.get(), input.data() + off, input.size() - off);
            if (n < 0 && errno != EINTR && errno != EAGAIN) {
                in.reset();  // rsync ended early: its exit code says why
            } else if (n > 0) {
                off += size_t(n);
                if (off == input.size()) in.reset();
            }
        }
        if (p[0].revents & (POLLIN | POLLERR | POLLHUP)) {
            ssize_t n = ::read(out_fd.get(), b, sizeof b);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                out_fd.reset();
                break;
            }
            out.append(b, size_t(n));
            // progress2 redraws one line with '\r'; the stats come after it.
            if (echo && out.find("Number of files:") == std::string::npos)
                (void)!::write(2, b, size_t(n));
        }
    }
    in.reset();
    return out;
}

Result<RsyncStats> rsync_result(pid_t pid, const std::string& out, bool tty, int64_t t0) {
    if (tty) (void)!::write(2, "\r\033[K", 4);
    int code = VS_TRY(wait_for(pid, "rsync"));
    if (code != 0) {
        // rsync(1) EXIT VALUES: 23/24 partial transfers, 12 protocol stream (often ssh), 255 ssh.
        return make_error(EIO, "rsync exited with code {}{}", code,
                          code == 23                  ? " (some files could not be transferred)"
                          : code == 24                ? " (files vanished while read)"
                          : code == 255 || code == 12 ? " (the ssh connection failed)"
                                                      : "");
    }
    RsyncStats s = parse_rsync_stats(out);
    s.seconds = double(monotonic_ns() - t0) / 1e9;
    return s;
}

void add_output_options(std::vector<std::string>& argv, bool tty, bool verbose) {
    if (tty) argv.insert(argv.begin() + 1, "--info=progress2");
    if (verbose) argv.insert(argv.begin() + 1, "--info=name1");
}

}  // namespace

Result<RsyncStats> run_rsync(std::vector<std::string> argv, bool progress, bool verbose) {
    const bool tty = progress && !verbose && ::isatty(2);
    add_output_options(argv, tty, verbose);
    const int64_t t0 = monotonic_ns();
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return errno_error("pipe");
    UniqueFd r(p[0]), w(p[1]);
    pid_t pid = VS_TRY(spawn_with(argv, -1, w.get()));
    w.reset();
    UniqueFd none;
    auto out = pump(r, none, {}, tty || verbose);
    if (!out) {
        ::kill(pid, SIGTERM);
        (void)wait_for(pid, "rsync");
        return std::move(out).error();
    }
    return rsync_result(pid, *out, tty, t0);
}

Result<RsyncRun> RsyncRun::start(std::vector<std::string> argv, bool progress, bool verbose) {
    RsyncRun r;
    r.tty_ = progress && !verbose && ::isatty(2);
    r.verbose_ = verbose;
    add_output_options(argv, r.tty_, verbose);
    r.t0_ = monotonic_ns();
    auto p = VS_TRY(spawn_piped(argv));
    r.pid_ = p.pid;
    r.in_ = std::move(p.in);
    r.out_ = std::move(p.out);
    return r;
}

RsyncRun::RsyncRun(RsyncRun&& o) noexcept
    : pid_(o.pid_),
      in_(std::move(o.in_)),
      out_(std::move(o.out_)),
      tty_(o.tty_),
      verbose_(o.verbose_),
      t0_(o.t0_) {
    o.pid_ = -1;
}

RsyncRun::~RsyncRun() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    in_.reset();
    out_.reset();
    (void)wait_for(pid_, "rsync");
}

RsyncRun::Readiness RsyncRun::wait_ready(double timeout_s) {
    if (::write(in_.get(), "", 1) != 1) return Readiness::Ended;  // EPIPE: it is gone
    const int64_t end = monotonic_ns() + int64_t(timeout_s * 1e9);
    for (;;) {
        int queued = 0;
        if (::ioctl(in_.get(), FIONREAD, &queued) < 0) return Readiness::Late;
        if (queued == 0) return Readiness::Ready;
        if (monotonic_ns() >= end) return Readiness::Late;
        // Nothing comes on its stdout before its list is read, unless it ended.
        struct pollfd p {
            out_.get(), POLLIN, 0
        };
        if (::poll(&p, 1, 5) > 0) return Readiness::Ended;
    }
}

Result<RsyncStats> RsyncRun::finish(std::string_view input) {
    const pid_t pid = pid_;
    pid_ = -1;
    // Its time is counted from its input on: the start was made beforehand, to be out of the way.
    t0_ = monotonic_ns();
    // Non-blocking: pump() writes what the pipe takes and reads rsync's output in between.
    (void)::fcntl(in_.get(), F_SETFL, O_NONBLOCK);
    auto out = pump(out_, in_, input, tty_ || verbose_);
    if (!out) {
        ::kill(pid, SIGTERM);
        (void)wait_for(pid, "rsync");
        return std::move(out).error();
    }
    return rsync_result(pid, *out, tty_, t0_);
}

Result<std::string> find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) {
        if (::access(name.c_str(), X_OK) == 0) return name;
        return make_error(ENOENT, "{} is not an executable program", name);
    }
    const char* path = std::getenv("PATH");
    std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
    size_t at = 0;
    while (at <= p.size()) {
        size_t end = p.find(':', at);
        if (end == std::string::npos) end = p.size();
        std::string cand = p.substr(at, end - at) + "/" + name;
        if (end > at && ::access(cand.c_str(), X_OK) == 0) return cand;
        at = end + 1;
    }
    return make_error(ENOENT, "{} is not installed (not found in PATH)", name);
}

}  // namespace vs::transfer
