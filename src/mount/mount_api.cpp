// New mount API wrappers.
#include "mount/mount_api.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>

#include "base/strings.hpp"

namespace vs::mount {

namespace {
// fsconfig(2) failures leave the kernel's explanation in the fs context ("e proc: ..."); add it
// to the error so the admin sees the kernel's reason, not only EINVAL.
std::string fs_log(int fsfd) {
    std::string out;
    char buf[512];
    for (;;) {
        ssize_t n = ::read(fsfd, buf, sizeof buf - 1);
        if (n <= 0) break;
        if (!out.empty()) out += "; ";
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}
}  // namespace

Result<UniqueFd> new_fs(const std::string& fstype, const std::string& source,
                        const std::vector<std::pair<std::string, std::string>>& params,
                        uint64_t attrs) {
    auto fs = VS_TRY(fs_context(fstype, source, {}, params));
    return create_fs(fs.get(), fstype, attrs);
}

Result<UniqueFd> fs_context(const std::string& fstype, const std::string& source,
                            const std::vector<std::pair<std::string, int>>& fd_params,
                            const std::vector<std::pair<std::string, std::string>>& params) {
    int f = ::fsopen(fstype.c_str(), FSOPEN_CLOEXEC);
    if (f < 0) return errno_error(fmt::format("fsopen \"{}\"", fstype));
    UniqueFd fs(f);
    if (!source.empty() &&
        ::fsconfig(fs.get(), FSCONFIG_SET_STRING, "source", source.c_str(), 0) < 0)
        return errno_error(fmt::format("fsconfig {} source \"{}\"", fstype, source));
    for (auto& [k, fd] : fd_params) {
        if (::fsconfig(fs.get(), FSCONFIG_SET_FD, k.c_str(), nullptr, fd) < 0) {
            Error e = errno_error(fmt::format("{} option \"{}\" (a file descriptor)", fstype, k));
            if (auto l = fs_log(fs.get()); !l.empty()) e.message += " (" + l + ")";
            return e;
        }
    }
    for (auto& [k, v] : params) {
        int r = v.empty() ? ::fsconfig(fs.get(), FSCONFIG_SET_FLAG, k.c_str(), nullptr, 0)
                          : ::fsconfig(fs.get(), FSCONFIG_SET_STRING, k.c_str(), v.c_str(), 0);
        if (r < 0) {
            Error e = errno_error(
                fmt::format("{} option \"{}{}{}\"", fstype, k, v.empty() ? "" : "=", v));
            if (auto l = fs_log(fs.get()); !l.empty()) e.message += " (" + l + ")";
            return e;
        }
    }
    return fs;
}

Result<UniqueFd> create_fs(int fs_fd, const std::string& fstype, uint64_t attrs) {
    if (::fsconfig(fs_fd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
        Error e = errno_error(fmt::format("create {} filesystem", fstype));
        if (auto l = fs_log(fs_fd); !l.empty()) e.message += " (" + l + ")";
        return e;
    }
    int m = ::fsmount(fs_fd, FSMOUNT_CLOEXEC, static_cast<unsigned>(attrs));
    if (m < 0) return errno_error(fmt::format("fsmount {}", fstype));
    return UniqueFd(m);
}

Result<UniqueFd> clone_tree(int dirfd, const std::string& path, bool recursive) {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0u);
    if (path.empty()) flags |= AT_EMPTY_PATH;
    int t = ::open_tree(dirfd, path.c_str(), flags);
    if (t < 0) return errno_error(fmt::format("open_tree \"{}\"", path.empty() ? "(fd)" : path));
    return UniqueFd(t);
}

Status set_attrs(int mount_fd, uint64_t attrs, bool recursive, const std::string& what) {
    struct mount_attr a {};
    a.attr_set = attrs;
    unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0u);
    if (::mount_setattr(mount_fd, "", flags, &a, sizeof a) < 0)
        return errno_error(fmt::format("mount_setattr \"{}\" {:#x}", what, attrs));
    return ok();
}

Status change_attrs(int mount_fd, uint64_t set, uint64_t clr, bool recursive,
                    const std::string& what) {
    if (!set && !clr) return ok();
    struct mount_attr a {};
    a.attr_set = set;
    a.attr_clr = clr;
    unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0u);
    if (::mount_setattr(mount_fd, "", flags, &a, sizeof a) < 0)
        return errno_error(
            fmt::format("mount_setattr \"{}\" set {:#x} clear {:#x}", what, set, clr));
    return ok();
}

Status set_propagation(int mount_fd, unsigned long flags, const std::string& what) {
    struct mount_attr a {};
    a.propagation = flags & ~static_cast<unsigned long>(MS_REC);
    unsigned at = AT_EMPTY_PATH | ((flags & MS_REC) ? AT_RECURSIVE : 0u);
    if (::mount_setattr(mount_fd, "", at, &a, sizeof a) < 0)
        return errno_error(fmt::format("mount_setattr \"{}\" propagation {:#x}", what, flags));
    return ok();
}

Status attach(int mount_fd, int target_fd, const std::string& what) {
    if (::move_mount(mount_fd, "", target_fd, "",
                     MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return errno_error(fmt::format("move_mount onto \"{}\"", what));
    return ok();
}

}  // namespace vs::mount
