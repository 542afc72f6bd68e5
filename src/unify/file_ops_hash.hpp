// hash_fd's template body (file_ops.hpp), kept out of the declarations.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <memory>

namespace vs::unify {

template <typename F>
Result<XXH128_hash_t> hash_fd(int fd, uint64_t size, const std::string& what, F&& on_bytes) {
    constexpr size_t kBuf = 1 << 20;
    std::unique_ptr<char[]> buf(new char[kBuf]);
    XXH3_state_t* st = XXH3_createState();
    if (!st) return make_error(ENOMEM, "hash \"{}\"", what);
    XXH3_128bits_reset(st);
    if (size > kBuf) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);  // one read does the rest
    uint64_t off = 0;
    while (off < size) {
        ssize_t n =
            ::pread(fd, buf.get(), std::min<uint64_t>(kBuf, size - off), static_cast<off_t>(off));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            auto e = errno_error(fmt::format("read \"{}\"", what));
            XXH3_freeState(st);
            return e;
        }
        if (n == 0) break;  // shrank: the caller's before/after check reports it
        XXH3_128bits_update(st, buf.get(), static_cast<size_t>(n));
        off += static_cast<uint64_t>(n);
        on_bytes(static_cast<uint64_t>(n));
    }
    XXH128_hash_t h = XXH3_128bits_digest(st);
    XXH3_freeState(st);
    return h;
}

}  // namespace vs::unify
