// Resources that util-vserver's context-wide rlimits imply (rlimits/nproc -> pids.max,
// rlimits/rss -> memory.max/high), shared by the loader (finalize) and the limits/ writers.
#pragma once

#include "spec/guest_spec.hpp"

namespace vs::config::vserver {

/// pids_max, memory_max and memory_high as the rlimits of `spec` imply them (unset when they
/// do not). rss counts pages (util-vserver), converted with the host's page size.
spec::Resources resources_from_rlimits(const spec::GuestSpec& spec);

}  // namespace vs::config::vserver
