// GuestLock: the per-guest flock that serializes start, stop, restart and delete; HostLock for
// work across guests.
#pragma once

#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::state {

class GuestLock {
public:
    /// Blocks until this process holds the exclusive lock on RUN_DIR/lock, creating RUN_DIR
    /// (mode 0700) and the file. Because delete removes the run dir, the lock is retried when
    /// the file we locked is no longer the one at that path. The lock dies with the process
    /// (flock(2)), so a SIGKILLed holder never blocks the next command.
    static Result<GuestLock> acquire(const std::string& run_dir);

    /// True when some process holds the lock right now (a start or stop is in progress):
    /// never blocks and never creates anything.
    static bool held_by_other(const std::string& run_dir);

    bool held() const { return fd_.valid(); }
    void release() { fd_.reset(); }

private:
    explicit GuestLock(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

/// A host-wide exclusive flock on <run base>/.<name>.lock (created 0600, never through a
/// symlink) for work that spans guests, e.g. the address changes of `vserver NAME ip`, so that
/// two concurrent edits never both pass the check against the other's config. Taken after a
/// guest's GuestLock, never before one. Dies with the process.
class HostLock {
public:
    static Result<HostLock> acquire(const std::string& run_base, const std::string& name);

private:
    explicit HostLock(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

}  // namespace vs::state
