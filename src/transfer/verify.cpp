// verify(): the archive's root members and the guest's root reduced to the same digests
// (metadata text, a content hash that is blind to where holes are, hard-link groups).
#include <xxhash.h>

#include <fcntl.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>

#include "base/sys.hpp"
#include "config/legacy/legacy_file.hpp"
#include "config/vserver/tree.hpp"
#include "store/layered_root.hpp"
#include "spec/validate.hpp"
#include "transfer/archive_reader.hpp"
#include "transfer/layout.hpp"
#include "transfer/restore.hpp"
#include "transfer/tree_reader.hpp"

namespace vs::transfer {

namespace cv = config::vserver;

namespace {

// Hashes a file's logical contents in 64 KiB blocks, leaving out blocks that are all zero: a
// hole and written zeros hash alike, so a sparse and a dense copy of a file compare equal.
class BlockHasher {
public:
    BlockHasher() : st_(XXH3_createState()), blk_(kBlock, 0) { XXH3_64bits_reset(st_); }
    ~BlockHasher() { XXH3_freeState(st_); }
    BlockHasher(const BlockHasher&) = delete;
    BlockHasher& operator=(const BlockHasher&) = delete;

    void feed(int64_t off, const char* buf, size_t len) {
        while (len > 0) {
            const int64_t bi = off / int64_t(kBlock);
            if (bi != cur_) {
                flush();
                cur_ = bi;
            }
            const size_t in = size_t(off % int64_t(kBlock));
            const size_t n = std::min(len, kBlock - in);
            std::memcpy(blk_.data() + in, buf, n);
            dirty_ = true;
            off += int64_t(n);
            buf += n;
            len -= n;
        }
    }
    uint64_t digest() {
        flush();
        return XXH3_64bits_digest(st_);
    }

private:
    static constexpr size_t kBlock = 64 * 1024;
    void flush() {
        if (!dirty_) return;
        static const std::vector<char> zero(kBlock, 0);
        if (std::memcmp(blk_.data(), zero.data(), kBlock) != 0) {
            XXH3_64bits_update(st_, &cur_, sizeof cur_);
            XXH3_64bits_update(st_, blk_.data(), kBlock);
        }
        std::fill(blk_.begin(), blk_.end(), 0);
        dirty_ = false;
    }
    XXH3_state_t* st_;
    std::vector<char> blk_;
    int64_t cur_ = -1;
    bool dirty_ = false;
};

struct Digest {
    std::string meta;
    uint64_t content = 0;
    std::string link;  // hard-link target as given (resolved to a group later)
};

std::string meta_of(archive_entry* e) {
    const mode_t type = archive_entry_filetype(e);
    std::string m =
        fmt::format("type {:o} mode {:04o} uid {} gid {} mtime {}.{:09}", type,
                    archive_entry_perm(e) & 07777, archive_entry_uid(e), archive_entry_gid(e),
                    archive_entry_mtime(e), archive_entry_mtime_nsec(e));
    if (type == AE_IFREG) m += fmt::format(" size {}", archive_entry_size(e));
    if (type == AE_IFLNK)
        m += fmt::format(" -> {}", archive_entry_symlink(e) ? archive_entry_symlink(e) : "");
    if (type == AE_IFCHR || type == AE_IFBLK)
        m += fmt::format(" dev {}:{}", archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
    std::vector<std::string> xs;
    const char* name;
    const void* val;
    size_t len;
    archive_entry_xattr_reset(e);
    while (archive_entry_xattr_next(e, &name, &val, &len) == ARCHIVE_OK)
        xs.push_back(fmt::format("{}={:016x}/{}", name, XXH3_64bits(val, len), len));
    std::sort(xs.begin(), xs.end());
    for (auto& x : xs) m += " xattr " + x;
    // ACL entries by number: the archive's carry the id as a name too, the tree's do not.
    std::vector<std::string> acl;
    if (archive_entry_acl_reset(e, ARCHIVE_ENTRY_ACL_TYPE_POSIX1E) > 0) {
        int atype, perm, tag, qual;
        const char* qname;
        while (archive_entry_acl_next(e, ARCHIVE_ENTRY_ACL_TYPE_POSIX1E, &atype, &perm, &tag, &qual,
                                      &qname) == ARCHIVE_OK)
            acl.push_back(fmt::format("{}:{}:{}:{:o}", atype, tag, qual, perm));
    }
    std::sort(acl.begin(), acl.end());
    for (auto& a : acl) m += " acl " + a;
    if (const char* ff = archive_entry_fflags_text(e); ff && *ff) m += fmt::format(" flags {}", ff);
    return m;
}

using DigestMap = std::map<std::string, Digest>;

class DigestSink : public EntrySink {
public:
    DigestMap out;
    Status put(archive_entry* e, int fd, const std::string& path) override {
        auto rel = member_of(archive_entry_pathname(e), kRootPrefix);
        if (!rel || rel->empty()) return ok();
        Digest d;
        d.meta = meta_of(e);
        if (const char* h = archive_entry_hardlink(e)) {
            d.link = member_of(h, kRootPrefix).value_or(h);
        } else if (fd >= 0) {
            BlockHasher bh;
            VS_TRY(read_data(fd, e, path, [&](int64_t off, const char* buf, size_t len) {
                bh.feed(off, buf, len);
                return ok();
            }));
            d.content = bh.digest();
        }
        out[*rel] = std::move(d);
        return ok();
    }
};

Result<DigestMap> archive_digests(const std::string& file) {
    auto r = VS_TRY(Reader::open(file));
    DigestMap out;
    archive_entry* e = nullptr;
    for (;;) {
        int rc = archive_read_next_header(r.a.get(), &e);
        if (rc == ARCHIVE_EOF) break;
        if (rc < ARCHIVE_WARN) return make_error(EIO, "archive \"{}\": {}", file, r.error());
        auto rel = member_of(archive_entry_pathname(e), kRootPrefix);
        if (!rel || rel->empty()) continue;
        Digest d;
        d.meta = meta_of(e);
        if (const char* h = archive_entry_hardlink(e)) {
            d.link = member_of(h, kRootPrefix).value_or(h);
            // A hard link's metadata is its target's: tar stores it once.
            d.meta.clear();
        } else if (archive_entry_filetype(e) == AE_IFREG) {
            BlockHasher bh;
            const void* buf;
            size_t len;
            la_int64_t off;
            for (;;) {
                int d2 = archive_read_data_block(r.a.get(), &buf, &len, &off);
                if (d2 == ARCHIVE_EOF) break;
                if (d2 < ARCHIVE_WARN)
                    return make_error(EIO, "archive \"{}\": read \"{}\": {}", file, *rel,
                                      r.error());
                bh.feed(off, static_cast<const char*>(buf), len);
            }
            d.content = bh.digest();
        }
        out[*rel] = std::move(d);
    }
    return out;
}

// Each hard link takes its group's metadata and contents, and the group's smallest name,
// so the two sides compare equal whichever name each met first.
void resolve_links(DigestMap& m) {
    std::map<std::string, std::string> rep;  // name -> first name of its group
    for (auto& [p, d] : m) {
        std::string r = d.link.empty() ? p : d.link;
        for (int hops = 0; hops < 64 && m.count(r) && !m[r].link.empty(); ++hops) r = m[r].link;
        rep[p] = r;
    }
    std::map<std::string, std::string> smallest;
    std::map<std::string, int> members;
    for (auto& [p, r] : rep) {
        if (!smallest.count(r) || p < smallest[r]) smallest[r] = p;
        ++members[r];
    }
    for (auto& [p, d] : m) {
        const std::string& r = rep[p];
        if (!d.link.empty() && m.count(r) && m[r].link.empty()) {
            d.meta = m[r].meta;
            d.content = m[r].content;
        }
    }
    for (auto& [p, d] : m) d.link = members[rep[p]] > 1 ? smallest[rep[p]] : "";
}

}  // namespace

Result<std::vector<std::string>> verify(const config::Paths& paths, const std::string& file,
                                        const std::string& name) {
    VS_TRY(spec::validate_name(name).wrap("verify"));
    if (!sys::is_dir(paths.guest_config(name))) return config::legacy::missing_guest(paths, name);
    auto loaded = VS_TRY(cv::load(paths, name).wrap("verify"));
    VS_TRY(store::ensure_root_mounted(loaded.spec, store::RootUse::Owners).wrap("verify"));
    auto want = VS_TRY(archive_digests(file).wrap("verify"));
    auto rootfd = VS_TRY(sys::open(loaded.spec.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    DigestSink sink;
    TreeReader reader;
    VS_TRY(reader.read(rootfd.get(), loaded.spec.root, kRootPrefix, sink).wrap("verify"));
    DigestMap have = std::move(sink.out);
    resolve_links(want);
    resolve_links(have);
    std::vector<std::string> diffs;
    for (auto& [p, d] : want) {
        auto it = have.find(p);
        if (it == have.end()) {
            diffs.push_back(fmt::format("missing in the tree: {}", p));
            continue;
        }
        if (it->second.meta != d.meta)
            diffs.push_back(fmt::format("{}: archive [{}] tree [{}]", p, d.meta, it->second.meta));
        else if (it->second.content != d.content)
            diffs.push_back(fmt::format("{}: contents differ", p));
        else if (it->second.link != d.link)
            diffs.push_back(
                fmt::format("{}: hard-linked with \"{}\" in the archive, \"{}\" in "
                            "the tree",
                            p, d.link, it->second.link));
    }
    for (auto& [p, d] : have)
        if (!want.count(p)) diffs.push_back(fmt::format("not in the archive: {}", p));
    return diffs;
}

}  // namespace vs::transfer
