// Small cgroupfs file helpers shared by both backends: keyed files, procs lists, owned dirs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace vs::cgroup::fs {

/// Value of `key` in a flat keyed file ("populated 0", "oom_kill 3", "user_usec 120").
Result<std::optional<uint64_t>> read_key(const std::string& file, const std::string& key);
/// One number from a single-value file ("memory.current"); "max" reads as nullopt.
Result<std::optional<uint64_t>> read_u64(const std::string& file);
/// Trimmed text of a small file.
Result<std::string> read_trimmed(const std::string& file);
/// Writes a knob: the error names the file and the value (sys::write_file does).
Status write(const std::string& file, std::string_view value);

/// A limit as cgroupfs text: -1 -> `unlimited` ("max" on v2, "-1" on v1), other negatives are
/// refused naming `file`.
Result<std::string> limit_text(int64_t v, const char* unlimited, const std::string& file);

/// write(file, limit_text(v, unlimited, file)).
Status write_limit(const std::string& file, int64_t v, const char* unlimited);

/// Pids in cgroup.procs of `dir` and of every cgroup below it (a guest may nest cgroups).
Result<std::vector<pid_t>> procs_tree(const std::string& dir);

/// Creates `dir` if absent; true when this call made it. With `mark`, a created dir gets our
/// marker so that destroy() later removes only parents vserver-ng created (never the host's
/// own); a guest's leaf needs none, it is always ours.
Result<bool> make_dir(const std::string& dir, bool mark);
bool has_marker(const std::string& dir);
/// rmdir with a short bounded retry on EBUSY: a killed task can linger in the css_set for a
/// moment after it left cgroup.procs. ENOENT counts as success.
Status remove_dir(const std::string& dir);
/// Removes `dir` and the cgroups below it (a guest's own, e.g. systemd's), deepest first; ok when
/// all is gone or was absent. Subdirs are listed only when the first rmdir finds `dir` in use,
/// so an empty leaf costs one rmdir. Without `wait` nothing is retried: EBUSY means a task
/// lives in the subtree (the kernel refuses rmdir of a cgroup with a live task, in every
/// hierarchy, so success proves the subtree empty). With `wait`, EBUSY is retried as
/// remove_dir does, for killed tasks still leaving.
Status remove_tree(const std::string& dir, bool wait);

}  // namespace vs::cgroup::fs
