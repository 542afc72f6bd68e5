// The restrictions every guest process gets in the child right before exec (init and every
// enter/exec): no_new_privs when configured, the seccomp filter, then the capability sets.
#pragma once

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::runtime {

/// Order matters: seccomp first (installing a filter without no_new_privs needs CAP_SYS_ADMIN,
/// which caps::apply_in_child usually drops), then the capability sets.
Status confine_in_child(const spec::GuestSpec& spec);

}  // namespace vs::runtime
