// The shared lxcfs daemon: its run dir, pid file, start on demand and the checks status makes.
#include "runtime/lxcfs.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "base/clock.hpp"
#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "fs/mounts.hpp"
#include "runtime/host_daemon.hpp"
#include "state/lock.hpp"

namespace vs::runtime::lxcfs {

namespace {

// lxcfs(1) mounts itself as "fuse.lxcfs".
constexpr const char* kFsType = "fuse.lxcfs";
// How long a new daemon may take to show its mount (it reads the cgroup layout first).
constexpr int kMountWaitMs = 10000;

std::string pid_file(const config::Paths& p) { return dir(p) + "/daemon"; }
std::string log_file(const config::Paths& p) { return dir(p) + "/lxcfs.log"; }

/// The lxcfs mount at `mnt` in this mount namespace, if any.
std::optional<fs::MountEntry> mount_at(const std::string& mnt) {
    auto all = fs::read_mountinfo();
    if (!all) return std::nullopt;
    std::optional<fs::MountEntry> found;
    for (auto& m : *all)  // the last one listed is the one on top
        if (m.mount_point == mnt && m.fstype == kFsType) found = m;
    return found;
}

/// The daemon we started, if it still lives.
std::optional<pid_t> recorded_pid(const config::Paths& paths) {
    if (auto d = host_daemon::live(pid_file(paths))) return d->pid;
    return std::nullopt;
}

/// The log's last line, for an error when the daemon would not start.
std::string last_log_line(const config::Paths& paths) {
    auto text = sys::read_file(log_file(paths));
    if (!text) return {};
    auto lines = str::lines(*text);
    for (auto it = lines.rbegin(); it != lines.rend(); ++it)
        if (!str::trim(*it).empty()) return std::string(str::trim(*it));
    return {};
}

/// fork + exec of `lxcfs -f` in a session of its own; the parent waits for the mount.
Result<pid_t> spawn(const config::Paths& paths, const std::string& mnt) {
    auto log = VS_TRY(
        sys::open(log_file(paths), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
    // -l: loadavg (virt_load); --enable-cfs: a CPU quota shows as fewer CPUs (virt_cpu);
    // --enable-pidfd: readers are tracked by pidfd, immune to pid reuse. -p keeps it off the
    // distribution's /run/lxcfs.pid, which a system lxcfs holds.
    std::vector<std::string> argv = {
        "lxcfs", "-f", "-l", "--enable-cfs", "--enable-pidfd", "-p", dir(paths) + "/lxcfs.pid",
        mnt};
    pid_t pid = VS_TRY(host_daemon::spawn({argv, "", log.get(), -1}));
    const int64_t deadline = sys::monotonic_ms() + kMountWaitMs;
    for (;;) {
        int status = 0;
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            std::string why = WIFEXITED(status) && WEXITSTATUS(status) == 127
                                  ? "lxcfs is not installed (Debian package lxcfs)"
                                  : fmt::format("lxcfs exited: {}", last_log_line(paths));
            return make_error(ENOENT, "{} (log: {})", why, log_file(paths));
        }
        if (mount_at(mnt)) return pid;
        if (sys::monotonic_ms() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            return make_error(ETIMEDOUT, "lxcfs did not mount \"{}\" within {} s (log: {})", mnt,
                              kMountWaitMs / 1000, log_file(paths));
        }
        ::usleep(10000);
    }
}

}  // namespace

std::string dir(const config::Paths& paths) { return paths.run_dir + "/.lxcfs"; }
std::string mount_point(const config::Paths& paths) { return dir(paths) + "/mnt"; }

bool wanted(const spec::GuestSpec& spec) {
    return spec.flags.virt_mem || spec.flags.virt_cpu || spec.flags.virt_load;
}

std::optional<Daemon> running(const config::Paths& paths) {
    auto pid = recorded_pid(paths);
    if (!pid) return std::nullopt;
    auto m = mount_at(mount_point(paths));
    if (!m) return std::nullopt;
    return Daemon{*pid, m->dev};
}

Result<std::string> ensure(const config::Paths& paths) {
    const std::string mnt = mount_point(paths);
    if (running(paths)) return mnt;
    // World-searchable (nothing in it is secret): a user-namespaced guest's init binds the
    // files from here with credentials that are not the host's root.
    VS_TRY(sys::mkdir_p(dir(paths), 0755));
    if (::chmod(dir(paths).c_str(), 0755) < 0)
        return errno_error(fmt::format("chmod \"{}\"", dir(paths)));
    auto lock = VS_TRY(state::GuestLock::acquire(dir(paths)));
    if (running(paths)) return mnt;
    // What a dead daemon left: its mount (every access fails with ENOTCONN) or, rarely, a
    // live daemon whose mount someone removed. Both go before the new one.
    if (auto pid = recorded_pid(paths)) {
        log::warn("lxcfs (pid {}) has no mount at \"{}\"; ending it", *pid, mnt);
        ::kill(*pid, SIGTERM);
    }
    while (mount_at(mnt))
        if (::umount2(mnt.c_str(), MNT_DETACH) < 0)
            return errno_error(fmt::format("detach the stale lxcfs mount \"{}\"", mnt));
    VS_TRY(sys::mkdir_p(mnt, 0755));
    pid_t pid = VS_TRY(spawn(paths, mnt).wrap("start the lxcfs daemon"));
    VS_TRY(host_daemon::record(pid_file(paths), pid).wrap("lxcfs daemon"));
    log::info("started lxcfs (pid {}) on \"{}\" for the guests' virt_mem/virt_cpu/virt_load", pid,
              mnt);
    return mnt;
}

std::string guest_problem(const config::Paths& paths, const std::string& name, pid_t init_pid) {
    auto mounts = fs::read_mountinfo(fmt::format("/proc/{}/mountinfo", init_pid));
    if (!mounts) return {};
    std::string dev;
    for (auto& m : *mounts)
        if (m.fstype == kFsType) dev = m.dev;
    if (dev.empty()) return {};
    auto d = running(paths);
    std::string fix = fmt::format(
        "`vserver {} restart` starts a new lxcfs and binds its files (or clear the virt_mem, "
        "virt_cpu and virt_load cflags)",
        name);
    if (!d)
        return fmt::format(
            "the lxcfs daemon that serves this guest's virt_* /proc files is not running: "
            "reading them fails with \"Transport endpoint is not connected\"; {}",
            fix);
    if (d->dev != dev)
        return fmt::format(
            "this guest's virt_* /proc files come from an lxcfs daemon that has ended "
            "(the running one, pid {}, started later); {}",
            d->pid, fix);
    return {};
}

}  // namespace vs::runtime::lxcfs
