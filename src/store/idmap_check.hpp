// Build's check that a user-namespaced guest's root can be idmapped where it will live.
#pragma once

#include <string>

#include "base/result.hpp"
#include "config/paths.hpp"

namespace vs::store {

/// Refuses (one error naming the directory and its filesystem, and the way out) when the
/// filesystem that will hold `root` cannot do idmapped mounts: a user-namespaced guest's files
/// would all show as nobody inside it. `root` may not exist yet: its nearest existing ancestor
/// is probed (a new btrfs subvolume or directory lives on the same filesystem).
Status check_idmap_support(const std::string& root);

/// Refuses when the host ids of guest `name` (context * 65536, 65536 ids) overlap another
/// guest's explicit id map (`userns` BASE COUNT): overlapping guests share kernel uids, and so
/// per-uid limits (RLIMIT_NPROC, inotify, keys) and each other's files.
Status check_id_range_free(const config::Paths& paths, const std::string& name, uint32_t context);

}  // namespace vs::store
