// What the guest's first process does inside the guest before it execs PID 1: writes
// apps/init/mtab to /etc/mtab and runs apps/init/cmd.prepare (util-vserver's prepareInit).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace vs::runtime {

/// Replaces the guest's /etc/mtab with `text` (a regular file, even where /etc/mtab was a
/// symlink). Called after pivot_root, so every path is the guest's own.
Status write_guest_mtab(const std::string& text);

/// Runs `argv` (in the guest, with the calling process's confinement) and waits for it. Its
/// stdout and stderr reach `out_fd` through a pipe, never the fd itself, so the command cannot
/// keep the admin's terminal; the copy ends when the command exits, even if a daemon it left
/// holds the pipe. A non-zero exit is an error naming apps/init/cmd.prepare.
Status run_prepare(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                   int out_fd);

}  // namespace vs::runtime
