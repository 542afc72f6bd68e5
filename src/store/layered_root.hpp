// Layered guest roots (`build -m clone --layered`): an overlay mounted at the guest's root path,
// of a frozen reflink copy of the reference guest (the base, shared by every clone of one state
// of the reference) and the guest's own upper dir. Everything below <rootdir>/.layers is made,
// mounted and removed here, under one lock (<rootdir>/.layers/.lock).
//
//   <rootdir>/.layers/base/REF.N/tree   a base: marked, never started, never changed
//   <rootdir>/.layers/guests/NAME.N/upper, work   one guest's layer (marked with its base)
#pragma once

#include <sys/types.h>

#include <string>

#include "base/result.hpp"
#include "base/scope_exit.hpp"
#include "base/unique_fd.hpp"
#include "config/paths.hpp"
#include "spec/guest_spec.hpp"

namespace vs::store {

/// Refuses, naming the filesystem and why, when the filesystem that will hold `roots_dir` (its
/// nearest existing ancestor) cannot share data by reflink (XFS with reflink=1, btrfs): an
/// overlay there copies a whole file up at its first write, and hashify's hard-link mode would
/// copy every file up.
Status check_layered_fs(const std::string& roots_dir);

/// A fingerprint of the tree at `dir` from a stat-only walk (no file is opened): the relative
/// path, type, mode, owner, size, inode, mtime, ctime and link count of every entry, with the
/// tree's own path and device. Any change of data, metadata or xattrs changes a ctime, so an
/// equal fingerprint means an unchanged tree.
Result<std::string> tree_fingerprint(const std::string& dir);

/// For build: the base of the tree `ref` (the newest one whose fingerprint equals ref's now, or
/// a new reflink copy) and a new layer (upper, work) for guest `name`, under
/// `roots_dir`/.layers. Both stay marked as being built by this process until commit_layers; the
/// steps that undo them (the layer, then the base when this build made it and no other layer
/// uses it) go into `undo`.
Result<spec::LayeredRoot> make_layers(const std::string& roots_dir, const std::string& ref,
                                      const std::string& name, Rollback& undo);

/// The build committed: the layer's building mark goes.
Status commit_layers(const spec::LayeredRoot& l);

/// A detached overlay of `l` with the options a guest needs (see the .cpp), made to check that
/// the kernel takes the layers before a build commits, and by mount_root.
Result<UniqueFd> make_overlay(const spec::LayeredRoot& l);

/// Mounts a layered guest's overlay at its root path unless it is mounted there already (after
/// a reboot it is not); nothing for any other guest. Start and every host tool that reads or
/// writes a guest's root call it first. Refuses when something else is mounted there, or the
/// layer is not this guest's. The overlay of a user-namespaced start (mount_userns_root), where
/// ids show shifted, is used for RootUse::Read and refused (EBUSY, saying to stop the guest)
/// for the others.
enum class RootUse {
    Read,    ///< reads files and sizes (vdu, vfiles, hashify's sharing)
    Write,   ///< creates files from the host (hashify --undo): no host id maps to the disk there
    Owners,  ///< records or compares owners (copy, backup, verify, clone --source)
};
Status ensure_root_mounted(const spec::GuestSpec& spec, RootUse use = RootUse::Read);

/// Unmounts a layered guest's overlay from its root path (absent: nothing to do). EBUSY, naming
/// the root, while a host process still uses it.
Status unmount_root(const spec::GuestSpec& spec);

/// For the start of a user-namespaced layered guest, whose init holds no copy of the host's
/// overlay (start unmounts it first: overlayfs refuses a second instance on one upper dir): an
/// overlay of the base and the guest's layer, each seen through an idmapped mount (user
/// namespace `userns_fd`; `host_root` is the guest root's host uid and gid, the overlay's own
/// ids), so the guest's root owns files stored with the ids of a classic guest. It is attached at
/// the guest's root path, where host tools find it while the guest runs (ids there show shifted
/// into the guest's host range), and a detached clone of it is returned for the guest's init. EBUSY
/// while another overlay still uses the layer; EINVAL, saying so, on a kernel that cannot take
/// overlay layers as file descriptors.
Result<UniqueFd> mount_userns_root(const spec::GuestSpec& spec, int userns_fd, uid_t host_root);

/// Whether the guest's root path has the overlay of mount_userns_root on it (a running or
/// dead user-namespaced start), where tools see ids shifted by the guest's user namespace.
Result<bool> userns_root_mounted(const spec::GuestSpec& spec);

/// After a user-namespaced layered guest stopped (or died): unmounts mount_userns_root's
/// overlay from its root path, so the next tool mounts the host's own. Nothing for another
/// mount. EBUSY, naming the root, while a host process still uses it.
Status release_userns_root(const spec::GuestSpec& spec);

/// check_root_mounts for a layered guest's root: the guest's own overlay at the root itself is
/// not refused; any other mount at or below it is (EBUSY, naming it).
Status check_layered_mounts(const spec::GuestSpec& spec);

/// For delete, after unmount_root: removes the guest's layer (upper and work, as a hostile
/// tree), then its base when no other layer uses it. The reference guest is never touched.
Status remove_layers(const spec::GuestSpec& spec);

/// Dead builds' leftovers in `roots_dir`/.layers: layers marked as being built by a process that
/// is gone (a layer some guest's config names only loses the mark: that build committed), then
/// bases no layer uses. Skipped while another process holds the lock.
void sweep_layers(const config::Paths& paths, const std::string& roots_dir);

}  // namespace vs::store
