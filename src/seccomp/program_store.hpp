// seccomp: the on-disk store of compiled programs, shared by the guests' named profiles
// (compile_cached) and vsrun's OCI profiles (compile_oci_cached).
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "base/result.hpp"
#include "seccomp/profile.hpp"

namespace vs::seccomp {

/// The most entries a store directory keeps (one per distinct profile and options, about
/// 15 KB each for the engines' default profiles): writing one more removes the least recently
/// used ones, by mtime, which a read of an entry sets to now.
inline constexpr size_t kStoreMaxEntries = 128;

/// The program compiled for `key` (the text of everything it depends on), from `cache_dir`
/// when an entry there holds exactly that key, in a directory and a file owned by the caller
/// and closed to everyone else, with an intact checksum; otherwise `compile()`'s, written to
/// the store (the directory made 0700 when missing), which then keeps the `max_entries` most
/// recently used entries. Failing to write or prune it is not an error.
Result<Program> cached_program(const std::string& cache_dir, const std::string& key,
                               const std::function<Result<Program>()>& compile,
                               size_t max_entries = kStoreMaxEntries);

/// Reads and checks one entry for `key` (ENOENT: absent or another key's), and marks it used
/// (its mtime now) when it is.
Result<Program> read_cache_entry(const std::string& path, const std::string& key);

}  // namespace vs::seccomp
