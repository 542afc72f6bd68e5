// btrfs subvolume and qgroup ioctls (linux/btrfs.h), and the qgroup sysfs view.
#include "store/btrfs.hpp"

#include <fcntl.h>
#include <linux/btrfs_tree.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstring>

#include "base/strings.hpp"
#include "base/sys.hpp"

namespace vs::store::btrfs {

namespace {

struct Split {
    std::string parent, leaf;
};

Status check_leaf(const std::string& leaf, const std::string& path) {
    if (leaf.empty() || leaf == "." || leaf == ".." || leaf.size() > BTRFS_PATH_NAME_MAX ||
        leaf.find('/') != std::string::npos)
        return make_error(EINVAL, "btrfs: bad subvolume name in \"{}\"", path);
    return ok();
}

Result<Split> split_path(const std::string& path) {
    std::string p = path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    auto slash = p.rfind('/');
    if (slash == std::string::npos) return Split{".", p};
    Split s{slash == 0 ? "/" : p.substr(0, slash), p.substr(slash + 1)};
    VS_TRY(check_leaf(s.leaf, path));
    return s;
}

std::string uuid_text(const uint8_t* u) {
    return fmt::format(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
        "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
        u[14], u[15]);
}

Result<uint64_t> read_u64(const std::string& path) {
    auto t = VS_TRY(sys::read_file(path));
    auto v = str::parse_u64(t);
    if (!v) return make_error(EINVAL, "read \"{}\": not a number: \"{}\"", path, str::trim(t));
    return *v;
}

}  // namespace

Result<bool> is_btrfs(int fd) {
    struct statfs sf {};
    if (::fstatfs(fd, &sf) < 0) return errno_error("statfs");
    return static_cast<unsigned long>(sf.f_type) == BTRFS_SUPER_MAGIC;
}

Result<bool> is_subvolume(int fd) {
    if (!VS_TRY(is_btrfs(fd))) return false;
    struct stat st {};
    if (::fstat(fd, &st) < 0) return errno_error("stat");
    return st.st_ino == BTRFS_FIRST_FREE_OBJECTID;
}

Result<bool> is_subvolume(const std::string& path) {
    auto fd = VS_TRY(sys::open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    return is_subvolume(fd.get()).wrap("\"{}\"", path);
}

Status create_subvolume(const std::string& path) {
    auto s = VS_TRY(split_path(path));
    auto dir = VS_TRY(sys::open(s.parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    return create_subvolume(dir.get(), s.leaf, path);
}

Status create_subvolume(int parent_fd, const std::string& name, const std::string& path) {
    VS_TRY(check_leaf(name, path));
    btrfs_ioctl_vol_args args{};
    std::memcpy(args.name, name.data(), name.size());
    if (::ioctl(parent_fd, BTRFS_IOC_SUBVOL_CREATE, &args) < 0)
        return errno_error(fmt::format("create btrfs subvolume \"{}\"", path));
    return ok();
}

Status snapshot_subvolume(const std::string& source, const std::string& path, bool readonly) {
    auto src = VS_TRY(sys::open(source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    return snapshot_subvolume(src.get(), source, path, readonly);
}

Status snapshot_subvolume(int source_fd, const std::string& source, const std::string& path,
                          bool readonly) {
    auto s = VS_TRY(split_path(path));
    auto dir = VS_TRY(sys::open(s.parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    btrfs_ioctl_vol_args_v2 args{};
    args.fd = source_fd;
    if (readonly) args.flags = BTRFS_SUBVOL_RDONLY;
    std::memcpy(args.name, s.leaf.data(), s.leaf.size());
    if (::ioctl(dir.get(), BTRFS_IOC_SNAP_CREATE_V2, &args) < 0)
        return errno_error(fmt::format("snapshot btrfs subvolume \"{}\" as \"{}\"", source, path));
    return ok();
}

Status delete_subvolume(const std::string& path) {
    auto s = VS_TRY(split_path(path));
    auto dir = VS_TRY(sys::open(s.parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    btrfs_ioctl_vol_args args{};
    std::memcpy(args.name, s.leaf.data(), s.leaf.size());
    if (::ioctl(dir.get(), BTRFS_IOC_SNAP_DESTROY, &args) < 0)
        return errno_error(fmt::format("delete btrfs subvolume \"{}\"", path));
    return ok();
}

btrfs_ioctl_qgroup_limit_args make_qgroup_limit(uint64_t max_referenced_bytes) {
    btrfs_ioctl_qgroup_limit_args a{};
    a.qgroupid = 0;  // the subvolume the ioctl's fd lives in
    a.lim.flags = BTRFS_QGROUP_LIMIT_MAX_RFER;
    // (u64)-1 is btrfs' "no limit" for a set flag (btrfs qgroup limit none).
    a.lim.max_rfer = max_referenced_bytes ? max_referenced_bytes : UINT64_MAX;
    return a;
}

Status limit_subvolume(const std::string& subvol, uint64_t max_referenced_bytes) {
    auto fd = VS_TRY(sys::open(subvol, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    btrfs_ioctl_quota_ctl_args ctl{};
    ctl.cmd = BTRFS_QUOTA_CTL_ENABLE;
    if (::ioctl(fd.get(), BTRFS_IOC_QUOTA_CTL, &ctl) < 0)
        return errno_error(fmt::format("enable btrfs quota on \"{}\"", subvol));
    // Enabling starts a rescan; until it ends the referenced counts (and so the limit) are off.
    if (::ioctl(fd.get(), BTRFS_IOC_QUOTA_RESCAN_WAIT, 0) < 0)
        return errno_error(fmt::format("wait for btrfs quota rescan on \"{}\"", subvol));
    auto lim = make_qgroup_limit(max_referenced_bytes);
    if (::ioctl(fd.get(), BTRFS_IOC_QGROUP_LIMIT, &lim) < 0)
        return errno_error(
            fmt::format("set btrfs qgroup limit {} on \"{}\"", max_referenced_bytes, subvol));
    return ok();
}

Result<QgroupUsage> qgroup_usage(const std::string& subvol) {
    auto fd = VS_TRY(sys::open(subvol, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    btrfs_ioctl_fs_info_args info{};
    if (::ioctl(fd.get(), BTRFS_IOC_FS_INFO, &info) < 0)
        return errno_error(fmt::format("btrfs fs info \"{}\"", subvol));
    btrfs_ioctl_ino_lookup_args look{};
    look.treeid = 0;  // 0: the tree (subvolume) of this fd, returned in treeid
    look.objectid = BTRFS_FIRST_FREE_OBJECTID;
    if (::ioctl(fd.get(), BTRFS_IOC_INO_LOOKUP, &look) < 0)
        return errno_error(fmt::format("btrfs subvolume id of \"{}\"", subvol));
    std::string dir = fmt::format("/sys/fs/btrfs/{}/qgroups/0_{}", uuid_text(info.fsid),
                                  static_cast<unsigned long long>(look.treeid));
    QgroupUsage u;
    u.referenced = VS_TRY(read_u64(dir + "/referenced"));
    u.exclusive = VS_TRY(read_u64(dir + "/exclusive"));
    auto m = sys::read_file(dir + "/max_referenced");
    if (m) {
        auto v = str::parse_u64(*m);
        u.max_referenced = (v && *v != UINT64_MAX) ? *v : 0;
    }
    return u;
}

}  // namespace vs::store::btrfs
