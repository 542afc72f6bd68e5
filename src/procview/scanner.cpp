// /proc walker: getdents64 on a /proc dirfd, openat relative to it, one read per file.
#include "procview/scanner.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <unordered_set>

#include "base/sys.hpp"

namespace vs::procview {
namespace {

// /proc/PID/stat is < 1 KiB; cmdline is cut at this size (ps cuts far earlier).
constexpr size_t kBuf = 4096;

// Hot path: raw syscalls, no errno and no Error formatting, because a process that exits
// between readdir and read is the normal case, not an error.
ssize_t read_once(int fd, char* buf, size_t n, bool positional) {
    return positional ? ::pread(fd, buf, n, 0) : ::read(fd, buf, n);
}

}  // namespace

Result<Scanner> Scanner::open(ScanOptions opt) {
    auto fd = VS_TRY(sys::open(opt.proc_root, O_RDONLY | O_DIRECTORY));
    Scanner s(std::move(opt), std::move(fd));
    if (s.opt_.keep_fds) {
        // One fd per process: raise the soft limit to the hard one and leave headroom for the
        // rest of the program. Without room we simply stop caching (slower, still correct).
        struct rlimit rl {};
        if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) {
            if (rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void)::setrlimit(RLIMIT_NOFILE, &rl);
                (void)::getrlimit(RLIMIT_NOFILE, &rl);
            }
            s.fd_budget_ = rl.rlim_cur > 256 ? static_cast<size_t>(rl.rlim_cur) - 256 : 0;
        }
    }
    return s;
}

std::vector<pid_t> Scanner::list_pids() {
    std::vector<pid_t> out;
    out.reserve(fds_.size() + 512);
    ::lseek(proc_.get(), 0, SEEK_SET);
    alignas(8) char buf[64 * 1024];
    for (;;) {
        long n = ::syscall(SYS_getdents64, proc_.get(), buf, sizeof buf);
        if (n <= 0) break;
        for (long off = 0; off < n;) {
            auto* d = reinterpret_cast<struct dirent64*>(buf + off);
            off += d->d_reclen;
            const char* name = d->d_name;
            if (name[0] < '1' || name[0] > '9') continue;
            pid_t pid = 0;
            std::string_view sv(name);
            auto [p, ec] = std::from_chars(sv.data(), sv.data() + sv.size(), pid);
            if (ec == std::errc() && p == sv.data() + sv.size()) out.push_back(pid);
        }
    }
    return out;
}

int Scanner::stat_fd(pid_t pid, bool& fresh) {
    if (opt_.keep_fds) {
        auto it = fds_.find(pid);
        if (it != fds_.end()) {
            fresh = false;
            return it->second.get();
        }
    }
    char path[32];
    auto r = fmt::format_to_n(path, sizeof path - 1, "{}/stat", pid);
    *r.out = '\0';
    int fd = ::openat(proc_.get(), path, O_RDONLY | O_CLOEXEC);
    fresh = true;
    if (fd >= 0 && opt_.keep_fds && fds_.size() < fd_budget_) fds_.emplace(pid, UniqueFd(fd));
    return fd;
}

std::optional<Proc> Scanner::read(pid_t pid) {
    char buf[kBuf];
    bool fresh = true;
    int fd = stat_fd(pid, fresh);
    if (fd < 0) return std::nullopt;
    bool cached = opt_.keep_fds && fds_.count(pid);
    ssize_t n = read_once(fd, buf, sizeof buf - 1, !fresh);
    Proc p;
    // The owner of /proc/PID/stat is the task's euid (proc(5)); fstat on the fd we hold is one
    // cheap syscall and names the same task as the data we read. Only needed once per fd.
    struct stat sb {};
    bool have_uid = fresh && ::fstat(fd, &sb) == 0;
    if (!cached) ::close(fd);
    if (n <= 0) {
        // Gone (ESRCH from a pinned fd): forget it; a new task with this pid gets a new fd.
        if (cached) fds_.erase(pid);
        return std::nullopt;
    }
    auto st = parse_stat(std::string_view(buf, static_cast<size_t>(n)));
    if (!st) return std::nullopt;
    p.stat = std::move(*st);
    if (have_uid) {
        p.uid = sb.st_uid;
        uids_[pid] = sb.st_uid;
    } else {
        auto it = uids_.find(pid);
        if (it != uids_.end()) p.uid = it->second;
    }
    // PF_KTHREAD is bit 21 of flags; cheaper to use the fact that kernel threads have no vsize
    // and are children of kthreadd (pid 2) or are kthreadd itself.
    p.kernel_thread = p.stat.pid == 2 || p.stat.ppid == 2;
    if (opt_.cmdline && !p.kernel_thread) {
        char path[32];
        auto r = fmt::format_to_n(path, sizeof path - 1, "{}/cmdline", pid);
        *r.out = '\0';
        int cfd = ::openat(proc_.get(), path, O_RDONLY | O_CLOEXEC);
        if (cfd >= 0) {
            ssize_t m = ::read(cfd, buf, sizeof buf);
            ::close(cfd);
            if (m > 0) {
                size_t len = static_cast<size_t>(m);
                while (len > 0 && buf[len - 1] == '\0') --len;
                p.cmdline.assign(buf, len);
                std::replace(p.cmdline.begin(), p.cmdline.end(), '\0', ' ');
            }
        }
    }
    return p;
}

std::vector<Proc> Scanner::scan() {
    auto pids = list_pids();
    std::vector<Proc> out;
    out.reserve(pids.size());
    for (pid_t pid : pids) {
        if (auto p = read(pid)) out.push_back(std::move(*p));
    }
    if (opt_.keep_fds) prune(pids);
    return out;
}

void Scanner::prune(const std::vector<pid_t>& alive) {
    if (fds_.size() <= alive.size() && uids_.size() <= alive.size()) return;
    std::unordered_set<pid_t> keep(alive.begin(), alive.end());
    std::erase_if(fds_, [&](const auto& kv) { return !keep.count(kv.first); });
    std::erase_if(uids_, [&](const auto& kv) { return !keep.count(kv.first); });
}

}  // namespace vs::procview
