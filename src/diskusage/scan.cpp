// Scanner: fs::walk over each tree, statx per entry, FIEMAP per regular file met first.
#include "diskusage/scan.hpp"

#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "base/strings.hpp"
#include "fs/mounts.hpp"
#include "fs/resolve.hpp"
#include "fs/walk.hpp"

namespace vs::diskusage {

namespace {

// Extents past this many in one file are not kept: its blocks count as its own (st_blocks),
// which bounds the memory a guest can make the host spend on one file.
constexpr size_t kMaxFileExtents = size_t{1} << 20;

std::string fs_type_name(unsigned long magic) {
    switch (magic) {
        case BTRFS_SUPER_MAGIC:
            return "btrfs";
        case XFS_SUPER_MAGIC:
            return "xfs";
        case EXT4_SUPER_MAGIC:
            return "ext4";  // also ext2/ext3: one magic
        case TMPFS_MAGIC:
            return "tmpfs";
        case OVERLAYFS_SUPER_MAGIC:
            return "overlay";
        default:
            return fmt::format("0x{:x}", magic);
    }
}

// An overlay whose layers all sit on one filesystem (a layered guest, store/layered_root.hpp):
// that filesystem's device. Its FIEMAP addresses and, with all layers on one filesystem, its
// inode numbers are that filesystem's (overlayfs.rst, "Inode properties"), so two layered guests
// of one base share what they share. nullopt for anything else.
std::optional<dev_t> overlay_dev(int fd) {
    struct statfs sfs {};
    if (::fstatfs(fd, &sfs) < 0 || static_cast<unsigned long>(sfs.f_type) != OVERLAYFS_SUPER_MAGIC)
        return std::nullopt;
    auto id = fs::mount_id(fd);
    auto m = id ? fs::find_mount(*id) : std::nullopt;
    if (!m) return std::nullopt;
    std::optional<dev_t> dev;
    for (auto& o : str::split(m->super_options, ',')) {
        auto eq = o.find('=');
        if (eq == std::string::npos) continue;
        std::string k = o.substr(0, eq);
        if (k != "upperdir" && k != "lowerdir" && k != "lowerdir+" && k != "workdir") continue;
        auto v = fs::super_option(*m, k);
        struct stat st {};
        // One lowerdir with ':' separators would need unescaping: such an overlay is not ours.
        if (!v || k == "lowerdir" || ::stat(v->c_str(), &st) < 0) return std::nullopt;
        if (dev && *dev != st.st_dev) return std::nullopt;
        dev = st.st_dev;
    }
    return dev;
}

// The key of a tree's physical address space. FIEMAP addresses are per filesystem, but btrfs
// gives every subvolume (so every snapshot-made guest) its own st_dev and f_fsid: its
// filesystem UUID (BTRFS_IOC_FS_INFO) is what two snapshots have in common. Elsewhere st_dev
// names the block device.
Result<std::pair<std::string, std::string>> domain_of(int fd, const std::string& label) {
    struct statfs sfs {};
    if (::fstatfs(fd, &sfs) < 0) return errno_error(fmt::format("statfs \"{}\"", label));
    std::string type = fs_type_name(static_cast<unsigned long>(sfs.f_type));
    if (static_cast<unsigned long>(sfs.f_type) == BTRFS_SUPER_MAGIC) {
        struct btrfs_ioctl_fs_info_args info {};
        if (::ioctl(fd, BTRFS_IOC_FS_INFO, &info) == 0) {
            std::string key = "btrfs:";
            for (auto b : info.fsid) key += fmt::format("{:02x}", b);
            return std::make_pair(key, type);
        }
    }
    struct stat st {};
    if (::fstat(fd, &st) < 0) return errno_error(fmt::format("stat \"{}\"", label));
    if (auto under = overlay_dev(fd))
        return std::make_pair(fmt::format("dev:{}:{}", major(*under), minor(*under)), type);
    return std::make_pair(fmt::format("dev:{}:{}", major(st.st_dev), minor(st.st_dev)), type);
}

class Visitor final : public fs::Visitor {
public:
    Visitor(Scanner& s, uint32_t tree, const std::string& label, bool keep)
        : s_(s), tree_(tree), label_(label), keep_(keep) {}
    Result<fs::Action> visit(const fs::Entry& e) override {
        s_.add_entry(tree_, e.dirfd, e.name, e.path, e.stx, keep_);
        return fs::Action::Descend;
    }
    Status mount_point(const fs::Entry& e) override {
        s_.note(fmt::format("{}: skipped mount point /{} (another filesystem is not the guest's)",
                            label_, e.path));
        return ok();
    }

private:
    Scanner& s_;
    uint32_t tree_;
    const std::string& label_;
    bool keep_;
};

}  // namespace

bool InodeRec::any_shared_extent() const {
    return std::any_of(extents.begin(), extents.end(), [](const Extent& e) { return e.shared; });
}

void Scanner::skip(const std::string& label) {
    labels_.push_back(label);
    tree_domain_.push_back(0);
    tree_fstype_.emplace_back();
    tree_inode_dev_.push_back(0);
}

Status Scanner::scan(int rootfd, const std::string& label, const ScanOptions& opt) {
    auto dom = domain_of(rootfd, label);
    if (!dom) {
        skip(label);
        return std::move(dom).error();
    }
    auto& [key, type] = *dom;
    auto it = std::find(domains_.begin(), domains_.end(), key);
    const auto domain = static_cast<uint32_t>(it - domains_.begin());
    if (it == domains_.end()) domains_.push_back(key);
    const auto tree = static_cast<uint32_t>(labels_.size());
    labels_.push_back(label);
    tree_domain_.push_back(domain);
    tree_fstype_.push_back(type);
    tree_inode_dev_.push_back(overlay_dev(rootfd).value_or(0));
    Visitor v(*this, tree, label, opt.keep_paths);
    if (auto st = fs::walk(rootfd, label, v); !st) {
        // The tree is the last one scanned, so its links are the last of each inode's list.
        for (auto& r : inodes_) {
            if (!r.links.empty() && r.links.back().tree == tree) {
                if (opt.keep_paths) r.paths.resize(r.paths.size() - r.links.back().count);
                r.links.pop_back();
            }
        }
        return st;
    }
    return ok();
}

void Scanner::add_entry(uint32_t tree, int dirfd, const std::string& name, const std::string& path,
                        const struct statx& stx, bool keep_path) {
    // A layered guest's inode is the underlying filesystem's, whichever overlay shows it.
    const uint64_t dev = tree_inode_dev_[tree] ? tree_inode_dev_[tree]
                                               : makedev(stx.stx_dev_major, stx.stx_dev_minor);
    auto [it, fresh] =
        index_.try_emplace({dev, stx.stx_ino}, static_cast<uint32_t>(inodes_.size()));
    if (fresh) inodes_.emplace_back();
    InodeRec& r = inodes_[it->second];
    // Trees are scanned one after the other, so the tree being scanned is always the last.
    if (r.links.empty() || r.links.back().tree != tree) r.links.push_back({tree, 0});
    r.links.back().count++;
    if (keep_path) r.paths.push_back("/" + path);
    if (!fresh) return;

    r.mode = stx.stx_mode;
    r.nlink = stx.stx_nlink;
    r.size = stx.stx_size;
    r.domain = tree_domain_[tree];
    const uint64_t blocks = (stx.stx_mask & STATX_BLOCKS) ? stx.stx_blocks * 512 : 0;
    if (!S_ISREG(stx.stx_mode)) {
        // Directories, symlinks (btrfs and ext4 keep short targets in the inode: 0 blocks),
        // device nodes, FIFOs and sockets: what st_blocks says, never opened.
        r.private_bytes = blocks;
        return;
    }
    auto fd = fs::open_regular(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOATIME);
    if (!fd && fd.error().code == EPERM)  // O_NOATIME needs ownership or CAP_FOWNER
        fd = fs::open_regular(dirfd, name, O_RDONLY | O_NONBLOCK);
    struct stat st {};
    if (!fd || ::fstat(fd->get(), &st) < 0 || st.st_ino != stx.stx_ino ||
        st.st_dev != makedev(stx.stx_dev_major, stx.stx_dev_minor)) {
        // Gone or replaced between statx and open: counted by what statx saw.
        r.private_bytes = blocks;
        return;
    }
    auto ext = file_extents(fd->get(), name);
    if (!ext || ext->size() > kMaxFileExtents) {
        if (!ext && ext.error().code != EOPNOTSUPP)
            note(fmt::format("{}: /{}: {}; its st_blocks counted as its own", labels_[tree], path,
                             ext.error().what()));
        else if (ext)
            note(fmt::format("{}: /{}: {} extents; its st_blocks counted as its own", labels_[tree],
                             path, ext->size()));
        r.private_bytes = blocks;
        return;
    }
    for (auto& e : *ext) {
        if (e.addressable)
            r.extents.push_back(e);
        else
            r.private_bytes += e.length;
    }
}

}  // namespace vs::diskusage
