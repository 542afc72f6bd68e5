// apps/init/mtab and apps/init/cmd.prepare, run by the guest's first process.
#include "runtime/init_prepare.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "base/sys.hpp"
#include "base/unique_fd.hpp"
#include "proc/fds.hpp"
#include "proc/sealed_exec.hpp"

namespace vs::runtime {

Status write_guest_mtab(const std::string& text) {
    auto etc = VS_TRY(sys::open("/etc", O_PATH | O_DIRECTORY));
    // A symlink (Debian's /etc/mtab -> ../proc/self/mounts) is replaced: the admin asked for
    // this content, and writing through the link would reach /proc.
    if (::unlinkat(etc.get(), "mtab", 0) < 0 && errno != ENOENT)
        return errno_error("remove the guest's \"/etc/mtab\"");
    int fd =
        ::openat(etc.get(), "mtab", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return errno_error("create the guest's \"/etc/mtab\"");
    UniqueFd f(fd);
    VS_TRY(sys::write_all(f.get(), text, "the guest's /etc/mtab"));
    return ok();
}

namespace {

/// Copies what is readable on `from` to `to` without blocking; false at EOF.
bool pump(int from, int to) {
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(from, buf, sizeof buf);
        if (n == 0) return false;
        if (n < 0) return errno == EINTR || errno == EAGAIN;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) break;  // the admin's side is gone: the output is dropped, not the start
            off += w;
        }
    }
}

}  // namespace

Status run_prepare(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                   int out_fd) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
        return errno_error("pipe for apps/init/cmd.prepare");
    UniqueFd rd(p[0]), wr(p[1]);
    pid_t pid = ::fork();
    if (pid < 0) return errno_error("fork apps/init/cmd.prepare");
    if (pid == 0) {
        // stdin stays the guest's /dev/null (the init's own); stdout and stderr are the pipe.
        if (::dup2(wr.get(), 1) < 0 || ::dup2(wr.get(), 2) < 0) ::_exit(126);
        int fl = ::fcntl(1, F_GETFL);
        ::fcntl(1, F_SETFL, fl & ~O_NONBLOCK);
        if (!proc::close_fds_except({})) ::_exit(126);
        auto e = proc::exec_path(argv, env);
        ::dprintf(2, "vserver: apps/init/cmd.prepare: %s\n", e.what().c_str());
        ::_exit(e.code == ENOENT ? 127 : 126);
    }
    wr.reset();
    int pfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pfd < 0) return errno_error("pidfd_open apps/init/cmd.prepare");
    UniqueFd pidfd(pfd);
    bool open_pipe = true;
    for (;;) {
        struct pollfd fds[2] = {{pidfd.get(), POLLIN, 0}, {rd.get(), POLLIN, 0}};
        int n = ::poll(fds, open_pipe ? 2 : 1, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error("poll apps/init/cmd.prepare");
        if (open_pipe && fds[1].revents) open_pipe = pump(rd.get(), out_fd);
        if (fds[0].revents) break;
    }
    if (open_pipe) (void)pump(rd.get(), out_fd);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return errno_error("wait for apps/init/cmd.prepare");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return ok();
    if (WIFSIGNALED(status))
        return make_error(ECANCELED, "apps/init/cmd.prepare \"{}\" was killed by signal {}",
                          argv[0], WTERMSIG(status));
    return make_error(ECANCELED, "apps/init/cmd.prepare \"{}\" exited with status {}", argv[0],
                      WEXITSTATUS(status));
}

}  // namespace vs::runtime
