// Closing every undeclared fd before exec (CVE-2024-21626 class: a leaked host fd is an escape).
#pragma once

#include <vector>

#include "base/result.hpp"

namespace vs::proc {

/// Closes every fd >= 3 except those in `keep` (close_range(2), falling back to a /proc/self/fd
/// sweep on kernels without it). fds in `keep` stay as they are (close-on-exec or not).
Status close_fds_except(std::vector<int> keep);

/// Moves `fd` so it is not in 0..2 (so a later dup2 onto 0..2 cannot clobber it).
Result<int> move_above_stdio(int fd);

}  // namespace vs::proc
