// scratch_userns: a user namespace made by a child that waits on a pipe until it is mapped.
#include "ns/scratch_userns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "base/scope_exit.hpp"
#include "base/sys.hpp"
#include "ns/join.hpp"

namespace vs::ns {

Result<UniqueFd> scratch_userns(uint32_t host_base, uint32_t count) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return errno_error("pipe for a scratch user namespace");
    UniqueFd rd(p[0]), wr(p[1]);
    // A raw clone is a fork that lands in the new namespace: the child only blocks in read(2)
    // (async-signal-safe) until our end closes, whether we finish or die.
    long pid = ::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
    if (pid < 0) return errno_error("clone(CLONE_NEWUSER) for a scratch user namespace");
    if (pid == 0) {
        wr.reset();
        char c;
        while (::read(rd.get(), &c, 1) < 0 && errno == EINTR) {
        }
        ::_exit(0);
    }
    rd.reset();
    auto reap = ScopeExit([&] {
        wr.reset();
        while (::waitpid(static_cast<pid_t>(pid), nullptr, 0) < 0 && errno == EINTR) {
        }
    });
    VS_TRY(write_id_maps(static_cast<pid_t>(pid), host_base, count));
    return sys::open(fmt::format("/proc/{}/ns/user", pid), O_RDONLY | O_CLOEXEC);
}

}  // namespace vs::ns
