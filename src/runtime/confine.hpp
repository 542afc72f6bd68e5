// The restrictions every guest process gets in the child right before exec (init and every
// enter/exec): no_new_privs when configured, the seccomp filter, then the capability sets.
#pragma once

#include "base/result.hpp"
#include "config/paths.hpp"
#include "seccomp/profile.hpp"
#include "spec/guest_spec.hpp"

namespace vs::runtime {

/// Order matters: seccomp first (installing a filter without no_new_privs needs CAP_SYS_ADMIN,
/// which caps::apply_in_child usually drops), then the capability sets.
/// `filter` comes from guest_filter(), computed in the parent: compiling the three-ABI
/// profile is libseccomp's slow path, a cache hit reads one file, and the child only loads it.
Status confine_in_child(const spec::GuestSpec& spec, const seccomp::Program& filter);

/// The guest's compiled seccomp program (spec.seccomp_profile with options from its caps),
/// from the cache under paths.cache_base/seccomp. Call in the parent.
Result<seccomp::Program> guest_filter(const config::Paths& paths, const spec::GuestSpec& spec);

}  // namespace vs::runtime
