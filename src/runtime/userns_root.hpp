// A user-namespaced guest's root: idmapped, so the guest's root owns the guest's files.
#pragma once

#include "base/result.hpp"
#include "proc/spawn.hpp"
#include "spec/guest_spec.hpp"

namespace vs::runtime {

/// Makes the idmapped copy of the guest root through the new init's user namespace (its id
/// maps already written) and sends it to the init, which attaches it as its root. A root on a
/// filesystem that cannot be idmapped is started without it, with a warning: its files then
/// show as nobody in the guest and are read-only to it.
Status send_idmapped_root(const spec::GuestSpec& spec, proc::Child& init);

}  // namespace vs::runtime
