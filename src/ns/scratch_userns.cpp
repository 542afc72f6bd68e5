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

namespace {

/// A child in a new user namespace, mapped by `map` (called with its pid), as an fd.
template <typename Map>
Result<UniqueFd> make_userns(Map map) {
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
    VS_TRY(map(static_cast<pid_t>(pid)));
    return sys::open(fmt::format("/proc/{}/ns/user", pid), O_RDONLY | O_CLOEXEC);
}

}  // namespace

Result<UniqueFd> scratch_userns(uint32_t host_base, uint32_t count) {
    return make_userns([&](pid_t pid) { return write_id_maps(pid, host_base, count); });
}

Result<UniqueFd> scratch_userns_maps(const std::string& uid_map, const std::string& gid_map) {
    return make_userns([&](pid_t pid) -> Status {
        VS_TRY(sys::write_file(fmt::format("/proc/{}/uid_map", pid), uid_map).wrap("uid_map"));
        return sys::write_file(fmt::format("/proc/{}/gid_map", pid), gid_map).wrap("gid_map");
    });
}

}  // namespace vs::ns
