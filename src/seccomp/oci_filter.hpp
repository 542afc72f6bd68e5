// seccomp: an OCI config's linux.seccomp (default action, architectures, rules with argument
// comparisons) compiled to a BPF program with libseccomp.
#pragma once

#include "base/result.hpp"
#include "seccomp/profile.hpp"
#include "spec/oci_spec.hpp"

namespace vs::seccomp {

/// Compiles `s` for its architectures (the native one always). A syscall name libseccomp does
/// not know is skipped, as runc and crun do (profiles list syscalls of newer kernels). Errors
/// name linux.seccomp and the rule. Notify actions (the listener socket) are refused.
Result<Program> compile_oci(const spec::oci::Seccomp& s);

/// compile_oci, remembered in `cache_dir` (made 0700 when missing; vsrun's is
/// ROOT/seccomp:cache). An entry is used only when it holds exactly this profile's key
/// (oci_cache_key), in a directory and a file owned by the caller and closed to everyone else,
/// with an intact checksum; otherwise the profile is compiled and the entry written again.
/// Failing to write it is not an error.
Result<Program> compile_oci_cached(const spec::oci::Seccomp& s, const std::string& cache_dir);

/// What a compiled program depends on, as text: the profile as parsed, libseccomp's version,
/// its kernel API level and the native architecture.
std::string oci_cache_key(const spec::oci::Seccomp& s);

/// Reads and checks one cache entry for `key` (ENOENT: absent or another key's).
Result<Program> read_oci_cache_entry(const std::string& path, const std::string& key);

/// SECCOMP_FILTER_FLAG_* bits to pass when loading, from linux.seccomp.flags.
Status load_program_flags(const Program& program, uint32_t flags);

}  // namespace vs::seccomp
