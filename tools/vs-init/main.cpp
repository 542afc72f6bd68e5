// vs-init: the minimal PID 1 of sysv- and reaper-style guests. Runs its arguments (e.g.
// "/etc/init.d/rc 3") as a child, then reaps every orphan until asked to stop. Static, no
// libraries, not even libc (sys.hpp): it runs inside guests that have none, from a sealed memfd
// copy (CVE-2019-5736).
//
// usage: vs-init [--output S,OW,EW,OR,ER] [--] [COMMAND ARGS...]
//        vs-init --join FD -- COMMAND ARGS...   (exec/enter, see join.cpp)
//        vs-init --wait FD PATH [--hooks HFD RFD] -- ARGV...   (vsrun create/start, wait.cpp)
//   --output: `vserver start` of a sysv guest shows COMMAND's stdout/stderr and waits for its
//   exit status (output.{hpp,cpp}).
//   SIGTERM, SIGINT, SIGPWR: stop mode: exit 0 as soon as no child is left (stop's killseq
//   signals every process of the guest; the guest is gone once we exit).
//   SIGHUP: ignored (it has no meaning for a PID 1 without a terminal).
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "output.hpp"
#include "sys.hpp"

using namespace vsinit;

int join_main(int argc, char** argv, char** envp);  // join.cpp
int wait_main(int argc, char** argv, char** envp);  // wait.cpp

int main(int argc, char** argv, char** envp) {
    if (argc > 1 && str_eq(argv[1], "--join")) return join_main(argc, argv, envp);
    if (argc > 1 && str_eq(argv[1], "--wait")) return wait_main(argc, argv, envp);
    // The reaper is only ever the PID 1 of a guest. Anything else is a guest running our sealed
    // copy through /proc/PID/exe (e.g. a "#!/proc/self/exe" script exec'd by `vserver exec`),
    // which would otherwise fork itself recursively.
    if (sys_getpid() != 1) {
        Text t;
        t.add("not the PID 1 of a guest, refusing to run as its reaper");
        say(t);
        return 2;
    }
    int first = 1;
    Output out;
    if (first + 1 < argc && str_eq(argv[first], "--output")) {
        if (!out.parse(argv[first + 1])) {
            Text t;
            t.add("--output wants S,OW,EW,OR,ER (five fds above 2), not \"")
                .add(argv[first + 1])
                .add("\"");
            say(t);
            return 2;
        }
        first += 2;
    }
    if (first < argc && str_eq(argv[first], "--")) ++first;

    const uint64_t all = ~uint64_t{0};
    sys_sigprocmask(SIG_BLOCK, &all, nullptr);

    if (first < argc) {
        long pid = sys_fork_like(SIGCHLD);
        if (pid == 0) {
            const uint64_t none = 0;
            sys_sigprocmask(SIG_SETMASK, &none, nullptr);
            sys_setsid();
            if (out.active()) out.child_stdio();
            long err = sys_execve(argv[first], argv + first, envp);
            Text t;
            t.add("execute ").add(argv[first]).add(": ").add_errno(static_cast<int>(-err));
            say(t);
            sys_exit(127);
        }
        if (pid < 0) {
            Text t;
            t.add("fork: ").add_errno(static_cast<int>(-pid));
            say(t);
        }
        if (out.active()) out.after_fork(pid, &all);
    } else if (out.active()) {
        out.after_fork(-1, &all);
    }

    bool stopping = false;
    for (;;) {
        // Reap everything that is ready.
        for (;;) {
            int st;
            long p = sys_wait4(-1, &st, WNOHANG);
            if (p > 0) {
                if (out.active()) out.command_exited(p, st);
                continue;
            }
            if (p == -ECHILD && stopping) return 0;
            break;
        }
        long sig = out.active() ? out.wait_signal(&all) : sys_sigtimedwait(&all);
        if (sig <= 0) continue;
        if (sig == SIGTERM || sig == SIGINT || sig == SIGPWR) {
            stopping = true;
            // Pass the request on so that children without their own signal get it too when
            // the stop came only to PID 1 (kill(1, SIGTERM) inside the guest).
            sys_kill(-1, static_cast<int>(sig));
        }
    }
}
