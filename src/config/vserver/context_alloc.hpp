// Automatic context (xid) numbers for `build` without --context: util-vserver's
// .defaults/context.next counter, made safe for concurrent builds.
#pragma once

#include <cstdint>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"

namespace vs::config::vserver {

/// Under an exclusive flock on .defaults/.context.lock: starts at .defaults/context.next (else
/// context.start, else 40000), skips every context an existing guest's `context` file holds,
/// returns the first free one and stores the one after it in context.next (atomically). Past
/// 49151 it wraps to context.start once; when every id is taken it fails with ENOSPC.
/// Two concurrent calls never return the same number.
Result<uint32_t> allocate_context(const Paths& paths);

/// Contexts named by the `context` files of existing guests (unreadable or bad ones skipped:
/// a broken guest must not stop another's build).
std::vector<uint32_t> contexts_in_use(const Paths& paths);

}  // namespace vs::config::vserver
