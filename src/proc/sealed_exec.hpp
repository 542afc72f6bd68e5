// Executing a host helper inside a guest from a sealed memfd copy, so the guest can never write
// through /proc/PID/exe to the host's file (CVE-2019-5736).
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::proc {

/// Copies the executable at `path` into a memfd and seals it (no write, grow, shrink, further
/// seals). The fd is close-on-exec; execveat(AT_EMPTY_PATH) still runs it (an ELF needs no
/// path). Open it on the host before entering the guest's mount namespace.
Result<UniqueFd> sealed_copy(const std::string& path);

/// execveat(fd, "", argv, envp, AT_EMPTY_PATH). Returns only on failure.
/// execve's argv/envp form of `v`: pointers into v's strings, null-terminated (v must outlive it).
std::vector<char*> c_strings(const std::vector<std::string>& v);

Error exec_fd(int fd, const std::vector<std::string>& argv, const std::vector<std::string>& envp);

/// execve of a path in the current root (PATH search when argv[0] has no '/', with envp's
/// PATH). Returns only on failure.
Error exec_path(const std::vector<std::string>& argv, const std::vector<std::string>& envp);

}  // namespace vs::proc
