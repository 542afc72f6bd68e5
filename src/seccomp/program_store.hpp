// seccomp: the on-disk store of compiled programs, shared by the guests' named profiles
// (compile_cached) and vsrun's OCI profiles (compile_oci_cached).
#pragma once

#include <functional>
#include <string>

#include "base/result.hpp"
#include "seccomp/profile.hpp"

namespace vs::seccomp {

/// The program compiled for `key` (the text of everything it depends on), from `cache_dir`
/// when an entry there holds exactly that key, in a directory and a file owned by the caller
/// and closed to everyone else, with an intact checksum; otherwise `compile()`'s, written to
/// the store (the directory made 0700 when missing). Failing to write it is not an error.
Result<Program> cached_program(const std::string& cache_dir, const std::string& key,
                               const std::function<Result<Program>()>& compile);

/// Reads and checks one entry for `key` (ENOENT: absent or another key's).
Result<Program> read_cache_entry(const std::string& path, const std::string& key);

}  // namespace vs::seccomp
