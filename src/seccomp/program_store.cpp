// seccomp: compiled programs remembered on disk, so neither a guest's start nor a vsrun create
// runs libseccomp's compile (most of their user time) for a filter compiled before.
//
// An entry holds the whole key text it was compiled from, and is used only when that text is
// byte for byte the one at hand: the file name (a hash of the key) only finds the entry, so a
// hash collision can never load another filter. An entry is trusted only in a directory and a
// file owned by the caller and closed to everyone else, with its checksum intact; anything else
// is compiled afresh and written again (tmp + rename, so readers never see a torn entry).
//
// The store is bounded: each write removes the least recently used entries beyond the limit.
// Another process may be reading or writing the same directory meanwhile: a reader keeps the
// entry it opened even when it is removed, one that finds its entry gone compiles it again, and
// two pruners removing the same file see ENOENT, which is not an error.
#include "seccomp/program_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <vector>

#include "base/log.hpp"
#include "base/sys.hpp"

namespace vs::seccomp {

namespace {

constexpr std::string_view kMagic = "vs-seccomp 1\n";

struct Header {
    uint64_t key_size;
    uint64_t program_size;
    uint64_t checksum;  ///< XXH3-64 of the key and the program
};

uint64_t checksum(std::string_view key, std::string_view program) {
    XXH3_state_t* st = XXH3_createState();
    if (!st) return 0;
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, key.data(), key.size());
    XXH3_64bits_update(st, program.data(), program.size());
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

/// Owned by us and open to no one else: only then is an entry in it worth believing (or
/// writing: another user could swap it under us).
bool private_to_us(const struct stat& st) {
    return st.st_uid == ::geteuid() && (st.st_mode & 077) == 0;
}

Result<bool> usable_dir(const std::string& dir, bool make) {
    struct stat st {};
    if (::lstat(dir.c_str(), &st) < 0) {
        if (errno != ENOENT) return errno_error(fmt::format("stat \"{}\"", dir));
        if (!make) return false;
        VS_TRY(sys::mkdir_p(dir, 0700));
        if (::lstat(dir.c_str(), &st) < 0) return errno_error(fmt::format("stat \"{}\"", dir));
    }
    if (!S_ISDIR(st.st_mode) || !private_to_us(st))
        return make_error(EPERM, "\"{}\" is not a directory owned by uid {} with mode 0700", dir,
                          ::geteuid());
    return true;
}

std::string entry_name(const std::string& key) {
    XXH128_hash_t h = XXH3_128bits(key.data(), key.size());
    return fmt::format("{:016x}{:016x}.bpf", h.high64, h.low64);
}

// entry_name()'s shape: only such files are the store's to count and remove.
bool is_entry_name(std::string_view n) {
    constexpr std::string_view kSuffix = ".bpf";
    if (n.size() != 32 + kSuffix.size() || n.substr(32) != kSuffix) return false;
    return std::all_of(n.begin(), n.begin() + 32,
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// write_file_replace's temporary for an entry (".NAME.tmp.PID"), left by a writer killed
// between its open and its rename.
bool is_entry_temp(std::string_view n) {
    if (n.size() < 1 + 36 + 5 || n[0] != '.') return false;
    return is_entry_name(n.substr(1, 36)) && n.substr(37, 5) == ".tmp.";
}

// A temporary older than this is no live writer's, which renames it as soon as it is written.
constexpr time_t kStaleTempSeconds = 3600;

/// Removes the least recently used entries of `dir` beyond `max_entries`, never `keep` (the
/// one just written), and dead writers' temporaries.
void prune(const std::string& dir, const std::string& keep, size_t max_entries) {
    auto dfd = sys::open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (!dfd) {
        log::debug("seccomp cache not pruned: {}", dfd.error().what());
        return;
    }
    int listfd = ::fcntl(dfd->get(), F_DUPFD_CLOEXEC, 0);
    DIR* d = listfd < 0 ? nullptr : ::fdopendir(listfd);
    if (!d) {
        if (listfd >= 0) ::close(listfd);
        log::debug("seccomp cache not pruned: list \"{}\": {}", dir, std::strerror(errno));
        return;
    }
    struct Entry {
        struct timespec used;
        std::string name;
    };
    std::vector<Entry> entries;
    const time_t now = ::time(nullptr);
    while (auto* e = ::readdir(d)) {
        std::string_view n(e->d_name);
        const bool entry = is_entry_name(n);
        if (!entry && !is_entry_temp(n)) continue;
        struct stat st {};
        // Gone meanwhile: another pruner's, or a writer's rename.
        if (::fstatat(dfd->get(), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
        if (entry) {
            if (n != keep) entries.push_back({st.st_mtim, std::string(n)});
        } else if (st.st_mtime + kStaleTempSeconds < now) {
            ::unlinkat(dfd->get(), e->d_name, 0);
        }
    }
    ::closedir(d);
    // The kept entry counts against the limit too.
    if (entries.size() + 1 <= max_entries) return;
    const size_t drop = entries.size() + 1 - std::max<size_t>(max_entries, 1);
    std::partial_sort(entries.begin(), entries.begin() + drop, entries.end(),
                      [](const Entry& a, const Entry& b) {
                          if (a.used.tv_sec != b.used.tv_sec) return a.used.tv_sec < b.used.tv_sec;
                          return a.used.tv_nsec < b.used.tv_nsec;
                      });
    for (size_t i = 0; i < drop; ++i) {
        if (::unlinkat(dfd->get(), entries[i].name.c_str(), 0) < 0 && errno != ENOENT)
            log::debug("seccomp cache entry \"{}/{}\" not removed: {}", dir, entries[i].name,
                       std::strerror(errno));
    }
}

std::string pack(const std::string& key, const Program& p) {
    std::string_view prog(reinterpret_cast<const char*>(p.insns.data()),
                          p.insns.size() * sizeof(sock_filter));
    Header h{key.size(), prog.size(), checksum(key, prog)};
    std::string out(kMagic);
    out.append(reinterpret_cast<const char*>(&h), sizeof h);
    out += key;
    out += prog;
    return out;
}

}  // namespace

Result<Program> read_cache_entry(const std::string& path, const std::string& key) {
    auto fd = VS_TRY(sys::open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return errno_error(fmt::format("stat \"{}\"", path));
    if (!S_ISREG(st.st_mode) || !private_to_us(st))
        return make_error(EPERM, "\"{}\": not a regular file owned by uid {} with mode 0600", path,
                          ::geteuid());
    const size_t max = kMagic.size() + sizeof(Header) + key.size() + BPF_MAXINSNS * 8;
    auto bytes = VS_TRY(sys::read_all(fd.get(), path, max));
    std::string_view b(bytes);
    Header h{};
    if (b.size() < kMagic.size() + sizeof h || b.substr(0, kMagic.size()) != kMagic)
        return make_error(EINVAL, "\"{}\": not a seccomp cache entry", path);
    std::memcpy(&h, b.data() + kMagic.size(), sizeof h);
    b.remove_prefix(kMagic.size() + sizeof h);
    if (h.key_size != key.size() || h.program_size != b.size() - std::min(b.size(), key.size()))
        return make_error(EINVAL, "\"{}\": sizes do not match", path);
    std::string_view k = b.substr(0, key.size()), prog = b.substr(key.size());
    if (h.checksum != checksum(k, prog))
        return make_error(EINVAL, "\"{}\": checksum mismatch", path);
    if (k != key) return make_error(ENOENT, "\"{}\": compiled from another key", path);
    auto p = VS_TRY(program_from_bytes(prog));
    // Used now, so the last to be pruned; a store on a read-only mount just ages.
    (void)::futimens(fd.get(), nullptr);
    return p;
}

Result<Program> cached_program(const std::string& cache_dir, const std::string& key,
                               const std::function<Result<Program>()>& compile,
                               size_t max_entries) {
    auto dir = usable_dir(cache_dir, false);
    if (!dir) log::debug("seccomp cache not used: {}", dir.error().what());
    const std::string name = entry_name(key);
    const std::string path = cache_dir + "/" + name;
    if (dir && *dir) {
        auto p = read_cache_entry(path, key);
        if (p) return p;
        if (p.error().code != ENOENT)
            log::debug("seccomp cache entry ignored: {}", p.error().what());
    }
    Program p = VS_TRY(compile());
    // A cache that cannot be written only costs the compile next time.
    if (dir) {
        if (auto made = usable_dir(cache_dir, true); !made)
            log::debug("seccomp cache not written: {}", made.error().what());
        else if (auto w = sys::write_file_replace(path, pack(key, p), 0600); !w)
            log::debug("seccomp cache not written: {}", w.error().what());
        else
            prune(cache_dir, name, max_entries);
    }
    return p;
}

}  // namespace vs::seccomp
