// NetnsMaker: unshare(CLONE_NEWNET) on a short-lived thread, which changes only that thread.
#include "net/prepared_netns.hpp"

#include <fcntl.h>
#include <sched.h>

#include "base/sys.hpp"
#include "net/link_ops.hpp"

namespace vs::net {

namespace {

Result<PreparedNetns> make_here() {
    // unshare(2) moves only the calling thread; the thread ends right after, so nothing else
    // of ours ever runs in the guest's namespace.
    if (::unshare(CLONE_NEWNET) < 0) return errno_error("unshare a network namespace for the guest");
    auto ns = VS_TRY(sys::open("/proc/thread-self/ns/net", O_RDONLY));
    auto sock = VS_TRY(netlink::Socket::open());
    VS_TRY(loopback_up(sock));
    return PreparedNetns{std::move(ns), std::move(sock)};
}

}  // namespace

NetnsMaker::NetnsMaker() : thread_([this] { result_.emplace(make_here()); }) {}

NetnsMaker::~NetnsMaker() {
    if (thread_.joinable()) thread_.join();
}

Result<PreparedNetns> NetnsMaker::take() {
    if (thread_.joinable()) thread_.join();
    if (!result_) return make_error(EINVAL, "network namespace already taken");
    auto r = std::move(*result_);
    result_.reset();
    return r;
}

}  // namespace vs::net
