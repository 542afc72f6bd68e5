// seccomp: compiled programs remembered on disk, so neither a guest's start nor a vsrun create
// runs libseccomp's compile (most of their user time) for a filter compiled before.
//
// An entry holds the whole key text it was compiled from, and is used only when that text is
// byte for byte the one at hand: the file name (a hash of the key) only finds the entry, so a
// hash collision can never load another filter. An entry is trusted only in a directory and a
// file owned by the caller and closed to everyone else, with its checksum intact; anything else
// is compiled afresh and written again (tmp + rename, so readers never see a torn entry).
#include "seccomp/program_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>

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
    return program_from_bytes(prog);
}

Result<Program> cached_program(const std::string& cache_dir, const std::string& key,
                               const std::function<Result<Program>()>& compile) {
    auto dir = usable_dir(cache_dir, false);
    if (!dir) log::debug("seccomp cache not used: {}", dir.error().what());
    const std::string path = cache_dir + "/" + entry_name(key);
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
    }
    return p;
}

}  // namespace vs::seccomp
