// detect_method, dedupe and the FIEMAP shared-extent check.
#include "unify/method.hpp"

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>

#include <memory>

#include "base/fault.hpp"
#include "base/unique_fd.hpp"
#include "fs/mounts.hpp"
#include "unify/btrfs_extents.hpp"

namespace vs::unify {

namespace {

// struct xfs_fsop_geom (v5) from xfsprogs' xfs_fs.h, which Debian ships only in xfslibs-dev:
// XFS_IOC_FSGEOMETRY fills it; bit 20 of `flags` is XFS_FSOP_GEOM_FLAGS_REFLINK.
struct XfsGeom {
    uint32_t blocksize, rtextsize, agblocks, agcount, logblocks, sectsize, inodesize, imaxpct;
    uint64_t datablocks, rtblocks, rtextents, logstart;
    unsigned char uuid[16];
    uint32_t sunit, swidth;
    int32_t version;
    uint32_t flags, logsectsize, rtsectsize, dirblocksize, logsunit, sick, checked;
    uint64_t reserved[17];
};
static_assert(sizeof(XfsGeom) == 256);
constexpr unsigned long kXfsIocFsGeometry = _IOR('X', 126, XfsGeom);
constexpr uint32_t kXfsReflink = 1u << 20;

// btrfs caps one dedupe call at 16 MiB (BTRFS_MAX_DEDUPE_LEN); larger files take several.
constexpr uint64_t kDedupeChunk = 16ull << 20;

}  // namespace

const char* method_name(Method m) { return m == Method::Dedupe ? "dedupe" : "hardlink"; }

Result<Method> detect_method(int rootfd, const std::string& root_path) {
    struct statfs sf {};
    if (::fstatfs(rootfd, &sf) < 0) return errno_error(fmt::format("statfs \"{}\"", root_path));
    if (sf.f_type == OVERLAYFS_SUPER_MAGIC) {
        // A layered guest (store/layered_root.hpp): its files live on the upper dir's
        // filesystem, which a layered build made sure reflinks; a hard link would copy up.
        auto m = fs::find_mount(VS_TRY(fs::mount_id(rootfd)));
        auto upper = m ? fs::super_option(*m, "upperdir") : std::nullopt;
        // Not a layered guest's (a read-only overlay): a hard link or a dedupe would fail on
        // every file, so say so once.
        if (!upper)
            return make_error(EOPNOTSUPP,
                              "\"{}\" is an overlay without an upper layer: nothing in it can "
                              "be shared",
                              root_path);
        int ufd = ::open(upper->c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (ufd < 0) return errno_error(fmt::format("open the upper dir \"{}\"", *upper));
        UniqueFd u(ufd);
        return detect_method(u.get(), *upper);
    }
    if (sf.f_type == BTRFS_SUPER_MAGIC) return Method::Dedupe;
    if (sf.f_type == XFS_SUPER_MAGIC) {
        XfsGeom g{};
        if (::ioctl(rootfd, kXfsIocFsGeometry, &g) == 0 && (g.flags & kXfsReflink))
            return Method::Dedupe;
    }
    return Method::HardLink;
}

Result<bool> dedupe(int src, int dst, uint64_t size, const std::string& what) {
    VS_TRY(fault_point("unify:exchange", what));
    auto buf = std::make_unique<char[]>(sizeof(file_dedupe_range) + sizeof(file_dedupe_range_info));
    auto* r = reinterpret_cast<file_dedupe_range*>(buf.get());
    uint64_t off = 0;
    while (off < size) {
        *r = {};
        r->src_offset = off;
        r->src_length = std::min(kDedupeChunk, size - off);
        r->dest_count = 1;
        r->info[0] = {};
        r->info[0].dest_fd = dst;
        r->info[0].dest_offset = off;
        if (::ioctl(src, FIDEDUPERANGE, r) < 0)
            return errno_error(fmt::format("FIDEDUPERANGE \"{}\"", what));
        if (r->info[0].status == FILE_DEDUPE_RANGE_DIFFERS) return false;
        if (r->info[0].status < 0)
            return Error(-r->info[0].status, fmt::format("FIDEDUPERANGE \"{}\"", what));
        if (r->info[0].bytes_deduped == 0)
            return make_error(EIO, "FIDEDUPERANGE \"{}\": nothing deduplicated at offset {}", what,
                              off);
        off += r->info[0].bytes_deduped;
    }
    return true;
}

namespace {

// Calls fn(extent) for each extent of `fd` in file order (FS_IOC_FIEMAP with `flags`, in batches)
// until fn returns false or the last extent was seen. Ok(false) when the filesystem has no
// FIEMAP (EOPNOTSUPP).
template <typename F>
Result<bool> each_extent(int fd, uint32_t flags, const std::string& what, F&& fn) {
    constexpr unsigned kBatch = 32;
    auto buf = std::make_unique<char[]>(sizeof(fiemap) + kBatch * sizeof(fiemap_extent));
    auto* fm = reinterpret_cast<fiemap*>(buf.get());
    uint64_t start = 0;
    for (;;) {
        *fm = {};
        fm->fm_start = start;
        fm->fm_length = FIEMAP_MAX_OFFSET - start;
        fm->fm_flags = flags;
        fm->fm_extent_count = kBatch;
        if (::ioctl(fd, FS_IOC_FIEMAP, fm) < 0) {
            if (errno == EOPNOTSUPP) return false;
            return errno_error(fmt::format("FIEMAP \"{}\"", what));
        }
        if (fm->fm_mapped_extents == 0) return true;
        for (unsigned i = 0; i < fm->fm_mapped_extents; ++i) {
            const auto& e = fm->fm_extents[i];
            if (!fn(e) || (e.fe_flags & FIEMAP_EXTENT_LAST)) return true;
            start = e.fe_logical + e.fe_length;
        }
    }
}

}  // namespace

Result<Extents> extents_of(int fd, const std::string& what, size_t max) {
    constexpr uint32_t kNotPlaced = FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
                                    FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_NOT_ALIGNED |
                                    FIEMAP_EXTENT_DATA_ENCRYPTED | FIEMAP_EXTENT_UNWRITTEN;
    Extents out;
    bool mapped = VS_TRY(each_extent(fd, 0, what, [&](const fiemap_extent& e) {
        if (e.fe_flags & (FIEMAP_EXTENT_DATA_INLINE | FIEMAP_EXTENT_DATA_TAIL))
            out.inline_data = true;
        if (e.fe_flags & kNotPlaced) out.placed = false;
        out.list.push_back({e.fe_logical, e.fe_physical, e.fe_length});
        if (out.list.size() < max || (e.fe_flags & FIEMAP_EXTENT_LAST)) return true;
        out.placed = false;  // too many to compare: treated as unknown
        return false;
    }));
    if (!mapped) out.placed = false;
    return out;
}

Result<Extents> extents_of(int fd, const struct statx& st, const std::string& what, size_t max) {
    if (auto b = VS_TRY(btrfs_extents(fd, st, what, max))) return std::move(*b);
    return extents_of(fd, what, max);
}

bool same_extents(const Extents& a, const Extents& b) {
    return a.placed && b.placed && !a.inline_data && !b.inline_data && !a.list.empty() &&
           a.list == b.list;
}

Result<bool> has_shared_extents(int fd, const std::string& what) {
    bool shared = false;
    VS_TRY(each_extent(fd, FIEMAP_FLAG_SYNC, what, [&](const fiemap_extent& e) {
        shared = (e.fe_flags & FIEMAP_EXTENT_SHARED) != 0;
        return !shared;
    }));
    return shared;
}

}  // namespace vs::unify
