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

/// SECCOMP_FILTER_FLAG_* bits to pass when loading, from linux.seccomp.flags.
Status load_program_flags(const Program& program, uint32_t flags);

}  // namespace vs::seccomp
