// The file-level steps unification is made of: extended attributes, content copies that keep
// holes, byte comparison, the immutable flag, and swapping a name for another inode safely.
#pragma once

#include <sys/stat.h>
#include <xxhash.h>

#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "fs/xattrs.hpp"

namespace vs::unify {

/// The xattr hashify marks its shared inodes with (trusted.*: a guest cannot set it, even as root
/// of a user namespace, attr(5)); it is left out of every comparison and copy.
inline constexpr const char* kSharedMark = "trusted.vserver-ng.unified";

using Xattrs = fs::Xattrs;  ///< sorted by name

/// All xattrs of the open file except kSharedMark (fs::read_xattrs). `marked`, when given, tells
/// whether kSharedMark was among the names.
Result<Xattrs> read_xattrs(int fd, const std::string& what, bool* marked = nullptr);
bool has_shared_mark(int fd);

/// Hashes `size` bytes of `fd` from offset 0 with XXH3-128; `on_bytes` sees each chunk's size.
template <typename F>
Result<XXH128_hash_t> hash_fd(int fd, uint64_t size, const std::string& what, F&& on_bytes);

/// Whether the two open files hold the same `size` bytes (read and compared, not hashed).
Result<bool> same_bytes(int a, int b, uint64_t size, const std::string& what);

/// Copies `size` bytes from `src` to `dst` (empty, same filesystem or not) with pread/pwrite, so
/// nothing is reflinked (copy_file_range(2) may share extents on btrfs/XFS, which undo must not);
/// holes of `src` (SEEK_HOLE) stay holes. Returns the XXH3-128 of what was copied.
Result<XXH128_hash_t> copy_data(int src, int dst, uint64_t size, const std::string& what);

/// Owner, mode (after the owner: chown clears set-id bits), xattrs (after chown, which drops
/// security.capability) and atime/mtime of `st` onto `fd`.
Status copy_meta(int fd, const struct statx& st, const Xattrs& x, const std::string& what);

Result<bool> is_immutable(int fd, const std::string& what);
/// Sets or clears FS_IMMUTABLE_FL (ioctl_iflags(2)); the other flags stay.
Status set_immutable(int fd, bool on, const std::string& what);

/// Makes the open file `fd` appear as the temporary name `tmp` in `dirfd` (linkat(2) through
/// /proc/self/fd, which names that very inode, not a path anyone could swap).
Status link_fd(int fd, int dirfd, const std::string& tmp, const std::string& what);

/// Puts the inode linked at `tmp` in place of `name` (both in `dirfd`) when `name` is still the
/// inode unchanged since `expect` was taken: renameat2(RENAME_EXCHANGE), then the old inode, now
/// at `tmp`, is checked. When the guest swapped `name` meanwhile, the exchange is undone and `tmp`
/// removed: the guest's file stays, and the result is false. When true, the old inode stays at
/// `tmp` until finish_swap() drops it or swap_back() restores it.
/// A kill at any point leaves `name` either the old file or the new one, plus perhaps `tmp`.
/// `old_out`, when given, receives the old inode's statx at `tmp` after a true exchange (its
/// ctime moved: the expectation for its further names).
Result<bool> swap_in(int dirfd, const std::string& tmp, const std::string& name,
                     const struct statx& expect, const std::string& what,
                     struct statx* old_out = nullptr);
/// After swap_in: removes the old inode's name `tmp`.
Status finish_swap(int dirfd, const std::string& tmp, const std::string& what);
/// After swap_in: the old inode goes back to `name` and the new one's name `tmp` is removed.
Status swap_back(int dirfd, const std::string& tmp, const std::string& name,
                 const std::string& what);
/// swap_in, then finish_swap.
Result<bool> replace_name(int dirfd, const std::string& tmp, const std::string& name,
                          const struct statx& expect, const std::string& what);

/// A temporary name no guest file should carry; a run removes those a killed run left.
std::string temp_name();
inline constexpr const char* kTempPrefix = ".vs-unify.";

/// Whether two statx results describe the same unchanged file (inode, size, mtime, ctime).
bool unchanged(const struct statx& a, const struct statx& b);
/// statx of an open fd.
Result<struct statx> fstatx(int fd, const std::string& what);

}  // namespace vs::unify

#include "unify/file_ops_hash.hpp"
