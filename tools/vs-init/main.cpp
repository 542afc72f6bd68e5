// vs-init: the minimal PID 1 of sysv- and reaper-style guests. Runs its arguments (e.g.
// "/etc/init.d/rc 3") as a child, then reaps every orphan until asked to stop. Static, no
// libraries: it runs inside guests that have none, from a sealed memfd copy (CVE-2019-5736).
//
// usage: vs-init [--] [COMMAND ARGS...]
//        vs-init --spawn FD TTY -- COMMAND ARGS...   (exec/enter, see spawn.cpp)
//   SIGTERM, SIGINT, SIGPWR: stop mode: exit 0 as soon as no child is left (stop's killseq
//   signals every process of the guest; the guest is gone once we exit).
//   SIGHUP: ignored (it has no meaning for a PID 1 without a terminal).
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int spawn_main(int argc, char** argv, char** envp);  // spawn.cpp

int main(int argc, char** argv, char** envp) {
    if (argc > 1 && strcmp(argv[1], "--spawn") == 0) return spawn_main(argc, argv, envp);
    // The reaper is only ever the PID 1 of a guest. Anything else is a guest running our sealed
    // copy through /proc/PID/exe (e.g. a "#!/proc/self/exe" script exec'd by `vserver exec`),
    // which would otherwise fork itself recursively.
    if (getpid() != 1) {
        fprintf(stderr, "vs-init: not the PID 1 of a guest, refusing to run as its reaper\n");
        return 2;
    }
    int first = 1;
    if (first < argc && strcmp(argv[first], "--") == 0) ++first;

    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);

    if (first < argc) {
        pid_t pid = fork();
        if (pid == 0) {
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, nullptr);
            setsid();
            execv(argv[first], argv + first);
            fprintf(stderr, "vs-init: execute %s: %s\n", argv[first], strerror(errno));
            _exit(127);
        }
        if (pid < 0) fprintf(stderr, "vs-init: fork: %s\n", strerror(errno));
    }

    bool stopping = false;
    for (;;) {
        // Reap everything that is ready.
        for (;;) {
            int st;
            pid_t p = waitpid(-1, &st, WNOHANG);
            if (p > 0) continue;
            if (p < 0 && errno == ECHILD && stopping) return 0;
            break;
        }
        siginfo_t si;
        int sig = sigwaitinfo(&all, &si);
        if (sig < 0) continue;
        if (sig == SIGTERM || sig == SIGINT || sig == SIGPWR) {
            stopping = true;
            // Pass the request on so that children without their own signal get it too when
            // the stop came only to PID 1 (kill(1, SIGTERM) inside the guest).
            kill(-1, sig);
        }
    }
}
