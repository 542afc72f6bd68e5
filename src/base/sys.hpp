// Thin system-call wrappers: the only code that reads errno. Every error names op and path.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::sys {

Result<UniqueFd> open(const std::string& path, int flags, mode_t mode = 0);
Result<UniqueFd> open_at(int dirfd, const std::string& path, int flags, mode_t mode = 0);

/// Reads the open file `fd` to its end; more than `max` bytes is an error (EFBIG naming `what`),
/// so a hostile file cannot make the caller hold it whole.
Result<std::string> read_all(int fd, const std::string& what, size_t max = SIZE_MAX);
Status write_all(int fd, std::string_view data, const std::string& what);

Result<std::string> read_file(const std::string& path);
Result<std::string> read_file_at(int dirfd, const std::string& path);
/// Writes in place (for cgroupfs, procfs, sysfs knobs: no tmp file there).
Status write_file(const std::string& path, std::string_view data);
Status write_file_at(int dirfd, const std::string& path, std::string_view data);
/// tmp + fsync + rename + fsync(dir): the file is either old or new after a crash.
Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0644);
/// tmp + rename without write_file_atomic's two fsyncs, for files under /run (claims,
/// net.state), which a reboot removes anyway; on a disk-backed run dir each fsync costs ms.
Status write_file_replace(const std::string& path, std::string_view data, mode_t mode = 0644);

/// mkdir -p. `made`, when given, gets each directory this call created itself, outermost first:
/// one another process made meanwhile (mkdir's EEXIST, then found a directory) is not listed,
/// so an undo that removes `made` never removes a concurrent caller's.
Status mkdir_p(const std::string& path, mode_t mode = 0755,
               std::vector<std::string>* made = nullptr);
/// Removes a file or empty dir; success if already absent.
Status remove_if_exists(const std::string& path);

bool exists(const std::string& path);
bool is_dir(const std::string& path);

/// Lists a directory's entry names (not "." or ".."), sorted.
Result<std::vector<std::string>> list_dir(const std::string& path);

Status symlink(const std::string& target, const std::string& linkpath);
Result<std::string> readlink(const std::string& path);

}  // namespace vs::sys
