// What a run keeps per guest: its open root, sharing method, cache and report, and reopening
// the directory of a file found by the walk.
#pragma once

#include <cerrno>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "unify/hash_cache.hpp"
#include "unify/scan.hpp"
#include "unify/unify.hpp"

namespace vs::unify {

/// Reopens the directory holding a file the walk found, inside the root (openat2
/// RESOLVE_IN_ROOT, never across a mount, last component not a symlink). Whatever the guest
/// changed meanwhile is caught by the caller, which checks that the file is the inode it saw.
class Dirs {
public:
    /// `self_fds`: the process's /proc/self/fd directory (Guest::self_fds) or -1.
    explicit Dirs(int rootfd, int self_fds = -1) : rootfd_(rootfd), self_fds_(self_fds) {}
    /// The directory fd holding `rel` (valid until the next call) and the file's name in it.
    Result<int> parent(const std::string& rel, std::string& name);
    /// fs::open_regular of `name` in `dirfd` (from parent()), reopened through self_fds.
    Result<UniqueFd> open_regular(int dirfd, const std::string& name, int flags) const;

private:
    int rootfd_;
    int self_fds_;
    std::string cur_;
    UniqueFd fd_;
};

/// The errors a reopen (Dirs::parent, then the file) meets when the guest changed the path since
/// the walk: removed (ENOENT), a symlink or mount in its place (ELOOP, EXDEV), a directory
/// replaced by a file (ENOTDIR), a FIFO or device (EINVAL, fs::open_regular). The file is then
/// skipped and reported as changed, not as an error.
inline bool changed_meanwhile(int err) {
    return err == ENOENT || err == ELOOP || err == EXDEV || err == ENOTDIR || err == EINVAL;
}

struct Guest {
    GuestTree tree;
    UniqueFd root;
    Method method = Method::HardLink;
    std::string fs_id;  ///< the filesystem (mount source), to measure df once per filesystem
    HashCache cache;
    std::string cache_file;
    GuestReport rep;
    std::vector<Found> found;
    std::map<InodeId, uint32_t> names;  ///< names met per multiply linked inode (ScanCounts)
    std::set<InodeId> taken;            ///< inodes with a name among the candidates already
    /// Hard-link method: the candidates (indexes into found) of each inode with several links,
    /// in walk order. An inode all of whose links are here is shared under its first name, and
    /// all its names take the shared inode together (share_hardlink.cpp).
    std::map<InodeId, std::vector<size_t>> aliases;
    /// /proc/self/fd, opened with the root: fs::open_regular reopens each file through it, one
    /// lookup instead of a path's three. (A directory fd of /proc/self names the process that
    /// opened it; a run does not fork.)
    UniqueFd self_fds;
    Dirs dirs{-1};
};

/// Opens the guest's root (a directory; symlinks in the admin's path are the admin's) and
/// detects its method and filesystem.
Status open_guest(Guest& g);

/// Free bytes of each distinct filesystem, after syncfs so that freed extents count.
struct DfPoint {
    std::string fs_id;
    uint64_t free_bytes;
};
std::vector<DfPoint> df(const std::vector<Guest>& guests);
int64_t df_gain(const std::vector<DfPoint>& before, const std::vector<DfPoint>& after);

}  // namespace vs::unify
