// PreparedNetns / NetnsMaker: a guest's network namespace made ahead of its init, on a thread.
#pragma once

#include <optional>
#include <thread>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "net/netlink/socket.hpp"

namespace vs::net {

/// A new network namespace with lo up, and a netlink socket bound inside it.
struct PreparedNetns {
    UniqueFd ns;            ///< the namespace (what /proc/thread-self/ns/net named)
    netlink::Socket guest;  ///< for the rest of setup, which then needs no setns of its own
};

/// Makes a PreparedNetns on a thread of its own while the caller goes on: start creates the
/// guest's cgroups meanwhile. The kernel's setup of a network namespace (loopback, the
/// per-namespace sysctl tables: ~0.35 ms on the 2-CPU CI VM) thus leaves start's path, where
/// clone3 with CLONE_NEWNET paid it, and the guest's init joins the namespace with setns.
/// Only for a guest without a user namespace: a namespace made here belongs to the host's user
/// namespace, over which the guest's root would have no power.
/// take() must come before any fork: the thread may hold libc locks while it runs.
class NetnsMaker {
public:
    NetnsMaker();
    ~NetnsMaker();
    NetnsMaker(const NetnsMaker&) = delete;
    NetnsMaker& operator=(const NetnsMaker&) = delete;

    /// Waits for the thread; the namespace, or why it could not be made.
    Result<PreparedNetns> take();

private:
    std::optional<Result<PreparedNetns>> result_;
    std::thread thread_;
};

}  // namespace vs::net
