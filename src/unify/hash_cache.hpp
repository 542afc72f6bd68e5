// The per-guest hash cache: content hashes keyed by device, inode, size, mtime and ctime, so a
// rerun over an unchanged tree reads no file content.
#pragma once

#include <sys/stat.h>
#include <xxhash.h>

#include <cstdint>
#include <string>
#include <unordered_map>

#include "base/result.hpp"

namespace vs::unify {

struct FileKey {
    uint64_t dev = 0, ino = 0, size = 0;
    int64_t mtime_ns = 0, ctime_ns = 0;
};
/// The cache key of a file as statx(2) saw it.
FileKey key_of(const struct statx& s);

struct CachedHash {
    FileKey key;
    XXH128_hash_t hash{};
    /// Extent sharing done: the (dev, ino) of the file this one was deduplicated against or
    /// found sharing its extents with; a rerun skips the pair while this file is unchanged and
    /// that one still has its hash.
    uint64_t leader_dev = 0, leader_ino = 0;
};

class HashCache {
public:
    /// Loads `file` (absent: empty). A damaged cache is dropped with a warning, never trusted in
    /// part: the next run hashes again and rewrites it.
    static HashCache load(const std::string& file);

    /// The entry for `k` when the file is unchanged (same inode, size, mtime and ctime).
    const CachedHash* find(const FileKey& k) const;
    /// Records an entry for the next run; only entries put during this run are saved.
    void put(const CachedHash& h);
    /// Writes the entries put in this run to `file` atomically (temporary file, fsync, rename),
    /// unless they are exactly what was loaded: a rerun over an unchanged tree writes nothing.
    Status save(const std::string& file) const;

    size_t loaded() const { return old_.size(); }

private:
    static uint64_t id(uint64_t dev, uint64_t ino) { return dev * 0x9E3779B97F4A7C15ull ^ ino; }
    std::unordered_multimap<uint64_t, CachedHash> old_, now_;
    bool changed_ = false;  ///< an entry put differs from the loaded one, or is new
};

}  // namespace vs::unify
