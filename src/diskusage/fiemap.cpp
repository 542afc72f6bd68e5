// file_extents(): FS_IOC_FIEMAP in batches until the extent flagged FIEMAP_EXTENT_LAST.
#include "diskusage/fiemap.hpp"

#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <memory>

namespace vs::diskusage {

namespace {

// Extents fetched per ioctl: a fragmented file needs several calls, a small buffer keeps each
// one cheap (the kernel copies out only what it fills).
constexpr unsigned kBatch = 256;
// A file the guest keeps fragmenting while it is measured must not hold the walk forever.
constexpr size_t kMaxExtents = size_t{1} << 24;

struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
};

}  // namespace

Result<std::vector<Extent>> file_extents(int fd, const std::string& name) {
    const size_t bytes = sizeof(struct fiemap) + kBatch * sizeof(struct fiemap_extent);
    std::unique_ptr<struct fiemap, FreeDeleter> fm(
        static_cast<struct fiemap*>(std::calloc(1, bytes)));
    if (!fm) return make_error(ENOMEM, "fiemap \"{}\"", name);
    std::vector<Extent> out;
    uint64_t start = 0;
    for (;;) {
        *fm = {};
        fm->fm_start = start;
        fm->fm_length = std::numeric_limits<uint64_t>::max() - start;
        fm->fm_extent_count = kBatch;
        if (::ioctl(fd, FS_IOC_FIEMAP, fm.get()) < 0)
            return errno_error(fmt::format("fiemap \"{}\"", name));
        if (fm->fm_mapped_extents == 0) break;
        bool last = false;
        for (unsigned i = 0; i < fm->fm_mapped_extents; ++i) {
            const auto& fe = fm->fm_extents[i];
            Extent e;
            e.logical = fe.fe_logical;
            e.physical = fe.fe_physical;
            e.length = fe.fe_length;
            e.shared = fe.fe_flags & FIEMAP_EXTENT_SHARED;
            e.addressable = !(fe.fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
                                             FIEMAP_EXTENT_DATA_INLINE | FIEMAP_EXTENT_DATA_TAIL));
            out.push_back(e);
            if (fe.fe_flags & FIEMAP_EXTENT_LAST) last = true;
        }
        const auto& tail = fm->fm_extents[fm->fm_mapped_extents - 1];
        const uint64_t next = tail.fe_logical + tail.fe_length;
        // The file can shrink or change between calls; a reply that does not move forward ends
        // the loop rather than repeating it.
        if (last || next <= start) break;
        if (out.size() > kMaxExtents)
            return make_error(EFBIG, "fiemap \"{}\": more than {} extents", name, kMaxExtents);
        start = next;
    }
    return out;
}

}  // namespace vs::diskusage
