// vs-init --wait's startContainer hooks (runtime-spec config.md "POSIX-platform Hooks"): after
// `vsrun start`, inside the container (its namespaces, root and the process's credentials and
// confinement, which create applied before it exec'd us) and before the process is exec'd. Each
// hook runs with exactly its args and env, the state on stdin, in its own process group, and is
// killed with that group at its timeout.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "proc/init_protocol.hpp"
#include "sys.hpp"

using namespace vsinit;
namespace wire = vs::proc::init_protocol;

namespace {

constexpr unsigned long kSigDfl = 0, kSigIgn = 1;  // SIG_DFL, SIG_IGN

alignas(8) char blob[wire::kMaxHooks + 1];
char* strings[wire::kMaxHookStrings];

struct Reader {
    const char* p;
    const char* end;
    bool get(void* out, size_t n) {
        if (static_cast<size_t>(end - p) < n) return false;
        mem_copy(out, p, n);
        p += n;
        return true;
    }
    // The next NUL-terminated string, or nullptr when the blob ends first.
    char* str() {
        const char* s = p;
        while (p < end && *p) ++p;
        if (p == end) return nullptr;
        ++p;
        return const_cast<char*>(s);
    }
};

// "hooks.startContainer[I] "PATH" " for the messages.
Text& name(Text& t, uint32_t i, const char* path) {
    return t.add("hooks.startContainer[").add_int(i).add("] \"").add(path).add("\" ");
}

// Runs one hook; 0 when it exited 0, else 1 with what happened in `t`.
int run_one(uint32_t i, const wire::HookHeader& h, const char* path, char** argv, char** envp,
            const char* state, size_t state_len, Text& t) {
    int p[2];
    long r = sys_pipe2(p, O_CLOEXEC);
    if (r < 0) return name(t, i, path).add("pipe: ").add_errno(static_cast<int>(-r)), 1;
    long pid = sys_fork_like(SIGCHLD);
    if (pid == 0) {
        // Its own process group, so the timeout also ends what it started.
        sys_setpgid(0, 0);
        if (sys_dup3(p[0], 0, 0) < 0) sys_exit(126);
        sys_close_range(3u, ~0u);
        long err = sys_execve(path, argv, envp);
        sys_exit(err == -ENOENT ? 127 : 126);
    }
    sys_close(p[0]);
    if (pid < 0) {
        sys_close(p[1]);
        return name(t, i, path).add("fork: ").add_errno(static_cast<int>(-pid)), 1;
    }
    long pidfd = sys_pidfd_open(static_cast<int>(pid));
    // The state in one non-blocking write: a hook that does not read its stdin must not stop
    // us (a pipe buffer holds what create packed, which vsrun bounds; SIGPIPE is ignored).
    if (state_len > 65536) sys_fcntl(p[1], F_SETPIPE_SZ, static_cast<long>(state_len));
    sys_fcntl(p[1], F_SETFL, O_NONBLOCK);
    sys_write(p[1], state, state_len);
    sys_close(p[1]);
    bool timed_out = false;
    if (pidfd >= 0) {
        struct pollfd w {
            static_cast<int>(pidfd), POLLIN, 0
        };
        struct {
            long sec, nsec;
        } ts{static_cast<long>(h.timeout_s), 0};
        for (;;) {
            r = sys_ppoll_timeout(&w, 1, h.timeout_s ? &ts : nullptr);
            if (r != -EINTR) break;
        }
        if (r == 0) {
            timed_out = true;
            sys_kill(-static_cast<int>(pid), SIGKILL);
            sys_kill(static_cast<int>(pid), SIGKILL);
        }
        sys_close(static_cast<int>(pidfd));
    }
    int st = 0;
    while ((r = sys_wait4(static_cast<int>(pid), &st, 0)) == -EINTR) {
    }
    if (r < 0) return name(t, i, path).add("wait: ").add_errno(static_cast<int>(-r)), 1;
    if (timed_out)
        return name(t, i, path)
                   .add("did not finish within its timeout of ")
                   .add_int(h.timeout_s)
                   .add(" s"),
               1;
    if (WIFSIGNALED(st))
        return name(t, i, path).add("was killed by signal ").add_int(WTERMSIG(st)), 1;
    if (WEXITSTATUS(st) != 0)
        return name(t, i, path).add("exited with status ").add_int(WEXITSTATUS(st)), 1;
    return 0;
}

}  // namespace

// Runs the hooks packed in the memfd `fd`; 0 when all exited 0, else 1 with the failure in `t`.
int run_start_hooks(int fd, Text& t) {
    long n = sys_pread(fd, blob, sizeof blob, 0);
    wire::HooksHeader hh;
    Reader rd{blob, blob + (n > 0 ? n : 0)};
    if (n < 0 || static_cast<size_t>(n) > wire::kMaxHooks || !rd.get(&hh, sizeof hh) ||
        hh.magic != wire::kHooksMagic || hh.version != wire::kHooksVersion ||
        hh.state_len >= static_cast<size_t>(rd.end - rd.p) || rd.p[hh.state_len] != 0) {
        t.add("bad startContainer hooks (vsrun and vs-init from different builds?)");
        return 1;
    }
    const char* state = rd.p;
    rd.p += hh.state_len + 1;
    // SIGPIPE would end us when a hook closes its stdin unread; the process gets the default
    // back before its exec (an ignored signal stays ignored across execve).
    sys_signal_disposition(SIGPIPE, kSigIgn);
    int rc = 0;
    for (uint32_t i = 0; i < hh.n_hooks && rc == 0; ++i) {
        wire::HookHeader h;
        if (!rd.get(&h, sizeof h) ||
            static_cast<size_t>(h.n_args) + h.n_env + 3 > wire::kMaxHookStrings) {
            t.add("bad startContainer hooks (truncated)");
            rc = 1;
            break;
        }
        // strings: argv (NULL-ended), then envp (NULL-ended); the path on its own.
        bool good = true;
        auto next = [&] {
            char* x = rd.str();
            good = good && x;
            return x;
        };
        char* path = next();
        size_t k = 0;
        char** argv = strings;
        for (uint32_t a = 0; a < h.n_args; ++a) strings[k++] = next();
        if (h.n_args == 0) strings[k++] = path;
        strings[k++] = nullptr;
        char** envp = strings + k;
        for (uint32_t e = 0; e < h.n_env; ++e) strings[k++] = next();
        strings[k++] = nullptr;
        if (!good) {
            t.add("bad startContainer hooks (truncated)");
            rc = 1;
            break;
        }
        rc = run_one(i, h, path, argv, envp, state, hh.state_len, t);
    }
    sys_signal_disposition(SIGPIPE, kSigDfl);
    return rc;
}
