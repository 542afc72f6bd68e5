// Guest root creation (directory or btrfs subvolume) and mount-aware removal.
#include "store/guest_root.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cerrno>

#include "base/fault.hpp"
#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/sys_fs.hpp"
#include "fs/mounts.hpp"
#include "fs/remove.hpp"
#include "store/btrfs.hpp"

namespace vs::store {

namespace {

// trusted.* needs CAP_SYS_ADMIN in the initial user namespace to set (xattr(7)): a guest, even
// one with root inside, cannot mark a directory as a root `build` made.
constexpr const char* kRootMarker = "trusted.vserver-ng.root";
constexpr const char* kBuildingMarker = "trusted.vserver-ng.building";

Result<std::string> real_path(const std::string& path) {
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf)) return errno_error(fmt::format("resolve \"{}\"", path));
    return std::string(buf);
}

/// One attempt of create_root: the parent made if missing and opened, the root made in that
/// directory, the one checked for btrfs (mkdirat or the subvolume ioctl on its fd: ENOENT if it
/// was removed since).
Result<RootKind> create_root_once(const std::string& parent, const std::string& path, int attempt) {
    // A new parent (/var/lib/vservers) is root-only, util-vserver's barrier: host users must not
    // reach a guest's setuid binaries or its world-writable directories.
    VS_TRY(sys::mkdir_p(parent, 0700));
    auto pfd = VS_TRY(sys::open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    // Subject: the attempt, so a test can hold the first one alone while it removes the parent.
    VS_TRY(fault_point("root:parent-opened", std::to_string(attempt)));
    const std::string name = path.substr(parent.size() + (parent == "/" ? 0 : 1));
    RootKind kind = RootKind::Directory;
    if (VS_TRY(btrfs::is_btrfs(pfd.get()))) {
        VS_TRY(btrfs::create_subvolume(pfd.get(), name, path));
        kind = RootKind::BtrfsSubvolume;
    } else if (::mkdirat(pfd.get(), name.c_str(), 0755) < 0) {
        return errno_error(fmt::format("mkdir \"{}\"", path));
    }
    // Both take the umask off the mode; a guest root is 0755 whatever the caller's umask.
    if (::fchmodat(pfd.get(), name.c_str(), 0755, 0) < 0)
        return errno_error(fmt::format("chmod \"{}\"", path));
    return kind;
}

}  // namespace

Result<RootKind> create_root(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos || slash + 1 >= path.size())
        return make_error(EINVAL, "guest root \"{}\" is not an absolute path", path);
    std::string parent = slash == 0 ? std::string("/") : path.substr(0, slash);
    // A concurrent remover can take the parent between its mkdir and the root's: a build into
    // the same new roots dir that fails removes the dirs it made (build.cpp's make_parent),
    // ours too while they are still empty. ENOENT then: the steps run again, a bounded number
    // of times, since each retry needs another such removal to race it.
    constexpr int kAttempts = 5;
    for (int attempt = 1;; ++attempt) {
        auto r = create_root_once(parent, path, attempt);
        if (r || r.error().code != ENOENT || attempt == kAttempts) return r;
        log::debug("guest root \"{}\": its parent was removed meanwhile: again", path);
    }
}

namespace {
// A file system without xattrs (vfat, some network ones) keeps no marks: delete then goes by
// the roots directory alone, and a killed build's root is left for the admin.
Status set_mark(const std::string& path, const char* name, const std::string& value) {
    auto r = sys::set_xattr(path, name, value);
    if (!r && (r.error().code == ENOTSUP || r.error().code == EOPNOTSUPP)) return ok();
    return std::move(r).wrap("mark the guest root");
}
}  // namespace

Status mark_root(const std::string& path, const std::string& name) {
    return set_mark(path, kRootMarker, name);
}

Status mark_building(const std::string& path) {
    return set_mark(path, kBuildingMarker, std::to_string(::getpid()));
}

Status clear_building(const std::string& path) {
    if (::lremovexattr(path.c_str(), kBuildingMarker) < 0 && errno != ENODATA && errno != ENOTSUP)
        return errno_error(fmt::format("removexattr \"{}\" {}", path, kBuildingMarker));
    return ok();
}

bool built_by_dead_process(const std::string& path) {
    auto v = sys::get_xattr(path, kBuildingMarker);
    if (!v) return false;
    auto pid = str::parse_u64(*v);
    // kill(pid, 0) fails with ESRCH only when no such process exists (kill(2)).
    return pid && *pid > 0 && ::kill(static_cast<pid_t>(*pid), 0) < 0 && errno == ESRCH;
}

Result<RootOwner> root_owner(const std::string& path, const std::string& name,
                             const std::string& roots_dir) {
    RootOwner o;
    auto real = real_path(path);
    if (!real) {
        if (real.error().code == ENOENT) return o;  // nothing there
        return std::move(real).error();
    }
    o.exists = true;
    o.real = *real;
    if (!sys::is_dir(o.real) || o.real == "/") {
        o.why_not = o.real == "/" ? "it is the host's /" : "it is not a directory";
        return o;
    }
    if (auto m = sys::get_xattr(o.real, kRootMarker)) {
        if (*m == name) {
            o.ours = true;
        } else {
            o.why_not = fmt::format("it is marked as the root of guest \"{}\"", *m);
        }
        return o;
    }
    // Roots built before the marker existed: the ones inside the configured roots directory.
    auto base = real_path(roots_dir);
    if (base && o.real != *base && str::starts_with(o.real, *base + "/")) {
        o.ours = true;
        return o;
    }
    o.why_not = fmt::format("it is outside {} and not marked as made by build", roots_dir);
    return o;
}

Status check_root_mounts(const std::string& path, RootMounts policy) {
    auto real = real_path(path);
    if (!real) return real.error().code == ENOENT ? ok() : Status(std::move(real).error());
    std::vector<std::string> refused, detachable;
    for (auto& m : VS_TRY(fs::mounts_below(*real))) {
        if (policy == RootMounts::DetachPseudo && fs::is_pseudo_fs(m))
            detachable.push_back(m.mount_point);
        else
            refused.push_back(m.describe());
    }
    if (!refused.empty())
        return make_error(EBUSY, "\"{}\" has {} mounted inside, not vserver-ng's: {}; unmount {}",
                          *real, refused.size() == 1 ? "a file system" : "file systems",
                          str::join(refused, "; "), refused.size() == 1 ? "it" : "them");
    for (auto& mp : detachable) {
        if (::umount2(mp.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
            errno != ENOENT)
            return errno_error(fmt::format("unmount \"{}\"", mp));
    }
    return ok();
}

Status remove_root(const std::string& path, RootMounts policy) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) {
        if (errno == ENOENT) return ok();
        return errno_error(fmt::format("stat \"{}\"", path));
    }
    if (!S_ISDIR(st.st_mode)) return fs::remove_path(path);
    VS_TRY(check_root_mounts(path, policy));
    if (VS_TRY(btrfs::is_subvolume(path))) return btrfs::delete_subvolume(path);
    // Anything mounted after the check is still never entered: the walk stays on one mount.
    return fs::remove_path(path);
}

}  // namespace vs::store
