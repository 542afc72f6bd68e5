// flock(2) lock files: the one wait for an exclusive lock that the guest, host, address-claim
// and context locks share.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::sys {

/// flock(fd, LOCK_EX), retried on EINTR (a signal while waiting is no failure); the error
/// names `path`. The lock lasts as long as the open file description (flock(2)).
Status lock_exclusive(int fd, const std::string& path);

/// The lock file `path` opened read-write (created with `mode`, never through a symlink) and
/// locked with lock_exclusive.
Result<UniqueFd> open_locked(const std::string& path, mode_t mode = 0600);

}  // namespace vs::sys
