// btrfs_extents(): the EXTENT_DATA items of one inode (btrfs_tree.h), read with
// BTRFS_IOC_TREE_SEARCH_V2 on the file's own fd (tree 0: the subvolume holding that inode).
#include "unify/btrfs_extents.hpp"

#include <endian.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

namespace vs::unify {

namespace {

// Set once the search is refused for want of CAP_SYS_ADMIN: every later file goes to FIEMAP
// without asking again.
std::atomic<bool> g_refused{false};

// No item is larger than a tree block (64 KiB at most): when a search leaves more room than
// that unused, the next item, had there been one, would have fitted, so the key range is done.
constexpr size_t kMaxItem = 64 << 10;
constexpr size_t kBuf = 2 * kMaxItem;

// btrfs_file_extent_item's fields, at their on-disk (packed, little-endian) offsets.
constexpr size_t kType = 20, kDiskBytenr = 21, kOffset = 37, kNumBytes = 45, kRegularSize = 53;
constexpr size_t kCompression = 16, kEncryption = 17, kOtherEncoding = 18, kRamBytes = 8;

uint64_t le64(const unsigned char* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return le64toh(v);
}

using None = std::optional<Extents>;

}  // namespace

Result<std::optional<Extents>> btrfs_extents(int fd, const struct statx& st,
                                             const std::string& what, size_t max) {
    if (g_refused.load(std::memory_order_relaxed)) return None();
    // The filesystems (st_dev) this thread found without the search (XFS, an overlay).
    thread_local std::vector<std::pair<uint32_t, uint32_t>> other;
    const std::pair<uint32_t, uint32_t> dev{st.stx_dev_major, st.stx_dev_minor};
    for (const auto& d : other)
        if (d == dev) return None();
    const uint64_t ino = st.stx_ino;
    // The arguments and the buffer the items are copied to, one per thread.
    thread_local std::unique_ptr<unsigned char[]> mem;
    if (!mem) mem = std::make_unique<unsigned char[]>(sizeof(btrfs_ioctl_search_args_v2) + kBuf);
    auto& a = *reinterpret_cast<btrfs_ioctl_search_args_v2*>(mem.get());
    const unsigned char* const items = mem.get() + sizeof(btrfs_ioctl_search_args_v2);
    Extents out;
    uint64_t from = 0, end = 0, bytes = 0;
    size_t seen = 0;
    for (uint32_t want = 1;; want = static_cast<uint32_t>(max + 1)) {
        // The first search asks for one item: it stops right after it, where a larger count
        // would read the rest of the tree block for more; most files have one extent.
        std::memset(&a, 0, sizeof a);
        a.key.tree_id = 0;
        a.key.min_objectid = a.key.max_objectid = ino;
        a.key.min_type = a.key.max_type = BTRFS_EXTENT_DATA_KEY;
        a.key.min_offset = from;
        a.key.max_offset = UINT64_MAX;
        a.key.max_transid = UINT64_MAX;
        a.key.nr_items = want;
        a.buf_size = kBuf;
        if (::ioctl(fd, BTRFS_IOC_TREE_SEARCH_V2, &a) < 0) {
            if (errno == EPERM) g_refused.store(true, std::memory_order_relaxed);
            if (errno == ENOTTY || errno == EOPNOTSUPP) other.push_back(dev);
            if (errno == EPERM || errno == ENOTTY || errno == EOPNOTSUPP) return None();
            return errno_error(fmt::format("search the extents of \"{}\"", what));
        }
        size_t used = 0;
        for (uint32_t i = 0; i < a.key.nr_items; ++i) {
            btrfs_ioctl_search_header h;
            if (used + sizeof h > kBuf)
                return make_error(EIO, "extents of \"{}\": bad search", what);
            std::memcpy(&h, items + used, sizeof h);
            used += sizeof h;
            if (h.len > kBuf - used)
                return make_error(EIO, "extents of \"{}\": bad search item", what);
            const unsigned char* it = items + used;
            used += h.len;
            ++seen;
            if (h.objectid != ino || h.type != BTRFS_EXTENT_DATA_KEY || h.len <= kType) {
                out.placed = false;
                continue;
            }
            from = h.offset + 1;
            const uint8_t type = it[kType];
            if (type == BTRFS_FILE_EXTENT_INLINE) {
                out.inline_data = true;
                out.placed = false;  // as FIEMAP says (not aligned): no place to share
                out.list.push_back({h.offset, 0, le64(it + kRamBytes)});
                bytes += le64(it + kRamBytes);
                end = std::max<uint64_t>(end, h.offset + le64(it + kRamBytes));
                continue;
            }
            if (h.len < kRegularSize ||
                (type != BTRFS_FILE_EXTENT_REG && type != BTRFS_FILE_EXTENT_PREALLOC)) {
                out.placed = false;
                continue;
            }
            const Extents::One e{h.offset, le64(it + kDiskBytenr) + le64(it + kOffset),
                                 le64(it + kNumBytes)};
            end = std::max<uint64_t>(end, e.logical + e.length);
            if (le64(it + kDiskBytenr) == 0) continue;  // a hole
            bytes += e.length;
            if (type == BTRFS_FILE_EXTENT_PREALLOC || it[kCompression] || it[kEncryption] ||
                it[kOtherEncoding] || it[kOtherEncoding + 1])
                out.placed = false;
            if (!out.list.empty()) {
                Extents::One& last = out.list.back();
                if (last.physical != 0 && last.logical + last.length == e.logical &&
                    last.physical + last.length == e.physical) {
                    last.length += e.length;
                    continue;
                }
            }
            out.list.push_back(e);
        }
        if (seen > max) {
            out.placed = false;  // too many to compare: treated as unknown, as by FIEMAP
            break;
        }
        // Done when the items reach the end of the file (a preallocated extent beyond it is
        // not looked for: the bytes compared are the file's), when nothing more was found, or
        // when a search stopped short of both its item count and a full buffer (the next
        // item would have fitted).
        if (end >= st.stx_size || a.key.nr_items == 0 || from == 0 ||
            (a.key.nr_items < want && kBuf - used >= kMaxItem))
            break;
    }
    // New data not yet written back has no item yet; btrfs counts it in st_blocks beside the
    // items' bytes (btrfs_getattr), so blocks beyond those send the file to FIEMAP, which
    // reports it as delalloc.
    const uint64_t blk = std::max<uint64_t>(st.stx_blksize, 512);
    if (seen <= max && st.stx_blocks * 512 != (bytes + blk - 1) / blk * blk) return None();
    return None(std::move(out));
}

}  // namespace vs::unify
