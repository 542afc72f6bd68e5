// HashCache: a line-oriented file, one entry a line, under the guest's cache dir.
#include "unify/hash_cache.hpp"

#include <fmt/format.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <charconv>

#include "base/log.hpp"
#include "base/safe_read.hpp"
#include "base/sys.hpp"

namespace vs::unify {

namespace {

constexpr const char* kMagic = "vserver-ng unify hash cache 1";
constexpr size_t kMaxBytes = size_t{1} << 30;

bool same(const FileKey& a, const FileKey& b) {
    return a.dev == b.dev && a.ino == b.ino && a.size == b.size && a.mtime_ns == b.mtime_ns &&
           a.ctime_ns == b.ctime_ns;
}

}  // namespace

FileKey key_of(const struct statx& s) {
    return {makedev(s.stx_dev_major, s.stx_dev_minor), s.stx_ino, s.stx_size,
            s.stx_mtime.tv_sec * 1000000000ll + s.stx_mtime.tv_nsec,
            s.stx_ctime.tv_sec * 1000000000ll + s.stx_ctime.tv_nsec};
}

HashCache HashCache::load(const std::string& file) {
    HashCache c;
    auto text = sys::read_regular(file, {.max_bytes = kMaxBytes});
    if (!text) {
        if (text.error().code != ENOENT) log::warn("hash cache dropped: {}", text.error().what());
        return c;
    }
    // Parsed in place (string views, std::from_chars): a rerun over unchanged trees does little
    // but walk and read its caches, one line per file.
    std::string_view rest = *text;
    auto next_line = [&rest]() {
        size_t nl = rest.find('\n');
        std::string_view l = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        return l;
    };
    if (next_line() != kMagic) {
        log::warn("hash cache \"{}\" dropped: not a cache of this version", file);
        return c;
    }
    c.old_.reserve(static_cast<size_t>(std::count(rest.begin(), rest.end(), '\n')) + 1);
    for (size_t n = 2; !rest.empty(); ++n) {
        std::string_view l = next_line();
        if (l.empty()) continue;
        uint64_t v[9];
        size_t j = 0;
        bool good = true;
        for (size_t p = 0; good && p < l.size();) {
            if (l[p] == ' ' || l[p] == '\t') {
                ++p;
                continue;
            }
            size_t e = l.find_first_of(" \t", p);
            std::string_view f = l.substr(p, e == std::string_view::npos ? l.size() - p : e - p);
            p += f.size();
            const bool hex = j == 5 || j == 6;
            good = j < 9 && (!hex || f.size() == 16);
            if (!good) break;
            auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), v[j], hex ? 16 : 10);
            good = ec == std::errc() && end == f.data() + f.size();
            ++j;
        }
        if (!good || j != 9) {
            log::warn("hash cache \"{}\" dropped: line {} is damaged", file, n);
            return HashCache{};
        }
        CachedHash h;
        h.key = {v[0], v[1], v[2], static_cast<int64_t>(v[3]), static_cast<int64_t>(v[4])};
        h.hash.high64 = v[5];
        h.hash.low64 = v[6];
        h.leader_dev = v[7];
        h.leader_ino = v[8];
        c.old_.emplace(id(h.key.dev, h.key.ino), h);
    }
    return c;
}

const CachedHash* HashCache::find(const FileKey& k) const {
    auto [b, e] = old_.equal_range(id(k.dev, k.ino));
    for (auto it = b; it != e; ++it)
        if (same(it->second.key, k)) return &it->second;
    return nullptr;
}

void HashCache::put(const CachedHash& h) {
    const CachedHash* was = find(h.key);
    if (!was || !XXH128_isEqual(was->hash, h.hash) || was->leader_dev != h.leader_dev ||
        was->leader_ino != h.leader_ino)
        changed_ = true;
    auto [b, e] = now_.equal_range(id(h.key.dev, h.key.ino));
    for (auto it = b; it != e; ++it)
        if (it->second.key.dev == h.key.dev && it->second.key.ino == h.key.ino) {
            it->second = h;
            return;
        }
    now_.emplace(id(h.key.dev, h.key.ino), h);
}

Status HashCache::save(const std::string& file) const {
    if (!changed_ && now_.size() == old_.size()) return ok();
    std::string out = std::string(kMagic) + "\n";
    out.reserve(now_.size() * 96);
    for (const auto& [_, h] : now_)
        fmt::format_to(std::back_inserter(out), "{} {} {} {} {} {:016x} {:016x} {} {}\n", h.key.dev,
                       h.key.ino, h.key.size, static_cast<uint64_t>(h.key.mtime_ns),
                       static_cast<uint64_t>(h.key.ctime_ns), h.hash.high64, h.hash.low64,
                       h.leader_dev, h.leader_ino);
    auto slash = file.rfind('/');
    if (slash != std::string::npos) VS_TRY(sys::mkdir_p(file.substr(0, slash), 0700));
    return sys::write_file_atomic(file, out, 0600);
}

}  // namespace vs::unify
