// Guest network setup: loopback only for now (interfaces land with the network issue).
#include "net/guest_network.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "base/sys.hpp"

namespace vs::net {

namespace {
// Brings "lo" up inside the netns of `pid` from a forked helper, so the caller's own netns is
// never switched (setns on a thread would be enough, but a fork keeps the manager simple).
Status loopback_up(pid_t pid) {
    auto nsfd = VS_TRY(sys::open(fmt::format("/proc/{}/ns/net", pid), O_RDONLY));
    pid_t child = ::fork();
    if (child < 0) return errno_error("fork");
    if (child == 0) {
        if (::setns(nsfd.get(), CLONE_NEWNET) < 0) ::_exit(1);
        int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr {};
        std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
        if (s < 0 || ::ioctl(s, SIOCGIFFLAGS, &ifr) < 0) ::_exit(2);
        ifr.ifr_flags |= IFF_UP;
        ::_exit(::ioctl(s, SIOCSIFFLAGS, &ifr) < 0 ? 3 : 0);
    }
    int st = 0;
    while (::waitpid(child, &st, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return make_error(EIO, "bring up loopback in the guest's network namespace (step {})",
                          WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return ok();
}
}  // namespace

Status setup_guest(const spec::GuestSpec& spec, const SetupContext& ctx) {
    if (!spec.ns.net) return ok();
    return loopback_up(ctx.init_pid);
}

Status teardown_guest(const spec::GuestSpec&, const SetupContext&) { return ok(); }

}  // namespace vs::net
