// The walk host code uses on a guest's tree: every entry seen through statx(2) on a directory fd,
// never a path resolved twice, never a mount crossed, never a FIFO or device opened.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <string>

#include "base/result.hpp"

namespace vs::fs {

/// One entry met by walk(). Valid only during the callback: `dirfd` is the open directory that
/// holds it, so the visitor acts with *at calls on (dirfd, name) and never re-resolves `path`.
struct Entry {
    int dirfd;                ///< the directory holding the entry
    const std::string& name;  ///< its name in that directory
    const std::string& path;  ///< relative to the walk's top, for messages only
    const struct statx& stx;  ///< not following a symlink (AT_SYMLINK_NOFOLLOW)
    size_t depth;             ///< 1 for the top's own entries

    bool is_dir() const { return S_ISDIR(stx.stx_mode); }
    bool is_regular() const { return S_ISREG(stx.stx_mode); }
    bool is_symlink() const { return S_ISLNK(stx.stx_mode); }
};

enum class Action {
    Descend,  ///< walk a directory's entries (ignored for anything else)
    Skip,     ///< do not enter this directory
    Stop,     ///< end the walk successfully
};

class Visitor {
public:
    virtual ~Visitor() = default;
    /// Every entry, a directory before its contents.
    virtual Result<Action> visit(const Entry& e) = 0;
    /// A directory after its contents; `fd` is the directory itself, still open.
    virtual Status leave(const Entry& e, int fd);
    /// A mount point inside the tree (another mount id, or STATX_ATTR_MOUNT_ROOT), which the walk
    /// never enters. The default fails with EXDEV naming the mount.
    virtual Status mount_point(const Entry& e);
};

struct WalkOptions {
    /// Deeper entries fail the walk with ELOOP; 0 = no limit. The walk is iterative and keeps a
    /// bounded number of directories open (ancestors are reopened through ".." and checked), so
    /// depth costs memory for the names only.
    size_t max_depth = 0;
};

/// Walks the entries below the open directory `top` (not `top` itself; `top_path` names it in
/// errors). Stays on top's mount: an entry on another mount goes to Visitor::mount_point, and a
/// subdirectory is entered only through RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV
/// after its statx said it is a directory, so one the guest swaps for a symlink or a mount
/// point meanwhile is examined again, never followed. Entries that vanish are skipped.
Status walk(int top, const std::string& top_path, Visitor& v, const WalkOptions& opt = {});

}  // namespace vs::fs
