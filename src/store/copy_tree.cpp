// clone (cp --reflink=auto) and rsync copies into a new guest root.
#include "store/copy_tree.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <climits>
#include <cstdlib>

#include "base/exec.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "config/vserver/tree.hpp"
#include "fs/mounts.hpp"
#include "spec/validate.hpp"
#include "store/layered_root.hpp"

namespace vs::store {

namespace {

Result<std::string> real_dir(const std::string& what, const std::string& path) {
    // The top-level source is the user's choice, so resolving it is intended; everything inside
    // is copied without following links.
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf)) return errno_error(fmt::format("{} \"{}\"", what, path));
    if (!sys::is_dir(buf)) return make_error(ENOTDIR, "{} \"{}\": not a directory", what, path);
    return std::string(buf);
}

}  // namespace

Result<std::string> resolve_clone_source(const config::Paths& paths, const std::string& source) {
    if (source.empty()) return make_error(EINVAL, "clone: --source is required");
    if (source.find('/') == std::string::npos && source != "." && source != "..") {
        if (spec::validate_name(source) && sys::exists(paths.guest_config(source))) {
            // The root as start finds it: vdir read by its registry row (a link relative to
            // the config dir, or a real directory), <vdirbase>/NAME without it.
            auto loaded = VS_TRY(
                config::vserver::load(paths, source).wrap("clone: --source guest {}", source));
            // A layered guest's tree is its overlay (mounted again after a reboot).
            VS_TRY(ensure_root_mounted(loaded.spec, RootUse::Owners)
                       .wrap("clone: --source guest {}", source));
            return real_dir(fmt::format("clone: root of guest {}", source), loaded.spec.root);
        }
        if (!sys::exists(source))
            return make_error(ENOENT, "clone: --source \"{}\": no such guest or directory", source);
    }
    return real_dir("clone: --source", source);
}

Result<std::string> resolve_rsync_source(const std::string& source) {
    if (source.empty()) return make_error(EINVAL, "rsync: --source is required");
    auto colon = source.find(':');
    auto slash = source.find('/');
    if (colon != std::string::npos && (slash == std::string::npos || colon < slash))
        return source;  // host:path, rsync's remote syntax
    return real_dir("rsync: --source", source);
}

Status check_rsync_opts(const std::vector<std::string>& opts) {
    static const char* const kRefused[] = {
        "-L", "--copy-links",    "--copy-unsafe-links", "-k", "--copy-dirlinks",
        "-K", "--keep-dirlinks", "--safe-links-off"};
    for (auto& o : opts) {
        for (auto* r : kRefused)
            if (o == r)
                return make_error(EINVAL,
                                  "rsync: -o \"{}\": following symlinks out of the source is "
                                  "refused",
                                  o);
        // Short-option bundles like "-aL".
        if (o.size() > 1 && o[0] == '-' && o[1] != '-' &&
            o.find_first_of("LkK") != std::string::npos)
            return make_error(EINVAL, "rsync: -o \"{}\": -L/-k/-K follow symlinks and are refused",
                              o);
    }
    return ok();
}

Status check_no_submounts(const std::string& source_dir) {
    // cp --one-file-system and rsync -x compare device numbers, so a bind mount of the same file
    // system inside the source (an fstab bind, /srv/data) would be copied into the new guest.
    std::vector<std::string> found;
    for (auto& m : VS_TRY(fs::mounts_below(source_dir)))
        if (m.mount_point != source_dir) found.push_back(m.describe());
    if (!found.empty())
        return make_error(EBUSY, "source \"{}\" has file systems mounted inside: {}; unmount them",
                          source_dir, str::join(found, "; "));
    return ok();
}

namespace {

// Runs in the forked child, never returns: builds a private view holding only the source (read
// only, without its submounts), the new root and the host's programs, chroots into it and
// execs cp. A symlink the source guest swaps in while cp walks it then resolves inside that
// view (the host's /usr at most, read only), never to the host's /etc or /root.
[[noreturn]] void confined_cp(const std::string& source_dir, const std::string& root, int errfd) {
    auto fail = [&](const char* what) {
        std::string m = fmt::format("{}: {}", what, std::strerror(errno));
        [[maybe_unused]] auto n = ::write(errfd, m.data(), m.size());
        ::_exit(126);
    };
    if (::unshare(CLONE_NEWNS) < 0) fail("unshare the mount namespace");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) fail("make / private");
    // Opened in this namespace: a bind source must be a mount of the caller's own namespace.
    int src = ::open(source_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (src < 0) fail("open the source");
    int dst = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dst < 0) fail("open the new root");
    // /tmp always exists; the tmpfs over it is this namespace's alone (source and target are
    // held by fd, so a path below /tmp does not matter).
    const char* top = "/tmp";
    if (::mount("vs-clone", top, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
        fail("mount a tmpfs for the copy");
    auto bind = [&](int fd, const std::string& what, const std::string& to, bool ro) {
        if (::mkdir(to.c_str(), 0755) < 0 && errno != EEXIST) fail("mkdir");
        std::string from = fd >= 0 ? fmt::format("/proc/self/fd/{}", fd) : what;
        // Not MS_REC: a mount inside the source stays out of the copy.
        if (::mount(from.c_str(), to.c_str(), nullptr, MS_BIND, nullptr) < 0) fail("bind");
        if (ro &&
            ::mount(nullptr, to.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) < 0)
            fail("remount read-only");
    };
    const std::string t(top);
    bind(src, "", t + "/src", true);
    bind(dst, "", t + "/dst", false);
    bind(-1, "/usr", t + "/usr", true);
    // cp and its libraries: /bin, /lib... are links into /usr on a merged-/usr host, real
    // directories elsewhere.
    for (const char* d : {"bin", "sbin", "lib", "lib32", "lib64", "libx32"}) {
        std::string host = std::string("/") + d;
        struct stat st {};
        if (::lstat(host.c_str(), &st) < 0) continue;
        if (S_ISLNK(st.st_mode)) {
            char buf[PATH_MAX];
            ssize_t n = ::readlink(host.c_str(), buf, sizeof buf - 1);
            if (n < 0) fail("readlink");
            buf[n] = 0;
            if (::symlink(buf, (t + host).c_str()) < 0) fail("symlink");
        } else if (S_ISDIR(st.st_mode)) {
            bind(-1, host, t + host, true);
        }
    }
    // glibc's fchmodat(AT_SYMLINK_NOFOLLOW), which cp uses, goes through /proc/self/fd. Only
    // this process's own proc dir is there (it stays cp's across exec): its magic links name
    // cp's own fds and root, the view itself, never the host's processes.
    if (::mkdir((t + "/proc").c_str(), 0555) < 0) fail("mkdir");
    bind(-1, fmt::format("/proc/{}", ::getpid()), t + "/proc/self", true);
    if (::chroot(top) < 0 || ::chdir("/") < 0) fail("chroot");
    const char* argv[] = {
        "/usr/bin/cp",           "--archive", "--reflink=auto", "--one-file-system",
        "--no-target-directory", "/src",      "/dst",           nullptr};
    ::execv(argv[0], const_cast<char* const*>(argv));
    fail("exec /usr/bin/cp");
    ::_exit(126);
}

}  // namespace

namespace {

// The bytes process `pid` has written so far (proc(5): /proc/PID/io, "wchar"); 0 when unknown.
uint64_t written_by(pid_t pid) {
    auto text = sys::read_file(fmt::format("/proc/{}/io", pid));
    if (!text) return 0;
    auto at = text->find("wchar: ");
    if (at == std::string::npos) return 0;
    return std::strtoull(text->c_str() + at + 7, nullptr, 10);
}

}  // namespace

Status clone_tree(const std::string& source_dir, const std::string& root,
                  const std::function<void(uint64_t)>& progress) {
    VS_TRY(check_no_submounts(source_dir).wrap("clone"));
    int msg[2];
    if (::pipe2(msg, O_CLOEXEC) < 0) return errno_error("pipe");
    UniqueFd rd(msg[0]), wr(msg[1]);
    pid_t pid = ::fork();
    if (pid < 0) return errno_error("fork");
    if (pid == 0) confined_cp(source_dir, root, wr.get());
    wr.reset();
    // The pipe closes at cp's exec (O_CLOEXEC), or carries why the child failed before it.
    auto text = sys::read_all(rd.get(), "clone pipe");
    if (progress) {
        // Until cp ends, its own byte count is the progress; the child kept its pid across the
        // exec. A pidfd becomes readable when the process exits (pidfd_open(2)).
        UniqueFd pidfd(int(::syscall(SYS_pidfd_open, pid, 0)));
        uint64_t done = 0;
        while (pidfd.get() >= 0) {
            // An exited cp's io file reads as nothing: the count never goes back.
            done = std::max(done, written_by(pid));
            progress(done);
            struct pollfd p {
                pidfd.get(), POLLIN, 0
            };
            int n = ::poll(&p, 1, 200);
            if (n > 0 || (n < 0 && errno != EINTR)) break;
        }
    }
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (text && !text->empty()) return make_error(0, "clone \"{}\": {}", source_dir, *text);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return make_error(0, "clone \"{}\": cp exited with status {}", source_dir,
                          WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    return ok();
}

Status rsync_tree(const std::string& source, const std::string& root,
                  const std::vector<std::string>& opts) {
    if (!source.empty() && source[0] == '/') VS_TRY(check_no_submounts(source).wrap("rsync"));
    std::vector<std::string> argv = {"rsync", "-aHAX", "--numeric-ids", "-x"};
    argv.insert(argv.end(), opts.begin(), opts.end());
    std::string src = source;
    if (src.empty() || src.back() != '/') src += '/';  // copy the contents, not the dir
    argv.push_back(src);
    argv.push_back(root + "/");
    return exec::run_checked(argv).wrap("rsync \"{}\"", source);
}

}  // namespace vs::store
