// read_regular: fstatat, open without blocking or following, fstat again, bounded read.
#include "base/safe_read.hpp"

#include <fcntl.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/sys.hpp"

namespace vs::sys {

const char* file_type_name(unsigned mode) {
    switch (mode & S_IFMT) {
        case S_IFREG:
            return "a regular file";
        case S_IFDIR:
            return "a directory";
        case S_IFLNK:
            return "a symbolic link";
        case S_IFIFO:
            return "a FIFO";
        case S_IFSOCK:
            return "a socket";
        case S_IFCHR:
            return "a character device";
        case S_IFBLK:
            return "a block device";
    }
    return "not a regular file";
}

namespace {

Status check_type(const std::string& path, const struct stat& st) {
    if (S_ISREG(st.st_mode)) return ok();
    if (S_ISDIR(st.st_mode))
        return make_error(EISDIR, "\"{}\" is a directory, expected a file", path);
    if (S_ISLNK(st.st_mode))
        return make_error(ELOOP, "\"{}\" is a symbolic link, not followed here", path);
    return make_error(EINVAL, "\"{}\" is {}, not a regular file", path, file_type_name(st.st_mode));
}

Status check_size(const std::string& path, uint64_t size, size_t max) {
    if (size <= max) return ok();
    return make_error(EFBIG, "\"{}\" is too large: {} bytes, at most {}", path, size, max);
}

}  // namespace

Result<std::string> read_regular_at(int dirfd, const std::string& path, const SafeRead& opt) {
    // The type is looked at before the open so a device's open routine never runs.
    struct stat st {};
    int nofollow = opt.follow_link ? 0 : AT_SYMLINK_NOFOLLOW;
    if (::fstatat(dirfd, path.c_str(), &st, nofollow) < 0)
        return errno_error(fmt::format("stat \"{}\"", path));
    VS_TRY(check_type(path, st));
    VS_TRY(check_size(path, static_cast<uint64_t>(st.st_size), opt.max_bytes));
    int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | (opt.follow_link ? 0 : O_NOFOLLOW);
    auto fd = open_at(dirfd, path, flags);
    if (!fd) {
        if (fd.error().code == ELOOP)
            return make_error(ELOOP, "\"{}\" is a symbolic link, not followed here", path);
        return std::move(fd).error();
    }
    struct stat now {};
    if (::fstat(fd->get(), &now) < 0) return errno_error(fmt::format("stat \"{}\"", path));
    VS_TRY(check_type(path, now));
    if (now.st_dev != st.st_dev || now.st_ino != st.st_ino)
        return make_error(EAGAIN, "\"{}\" was replaced while being opened", path);
    // Bounded by the cap, not by st_size: a file growing under us still ends at max_bytes + 1.
    // The buffer starts at the file's size (plus a margin) and grows towards the cap only if the
    // file does: a large cap costs nothing for a small file.
    std::string out;
    out.resize(std::min<uint64_t>(opt.max_bytes, static_cast<uint64_t>(now.st_size) + 4096) + 1);
    size_t got = 0;
    for (;;) {
        if (got == out.size()) {
            if (out.size() > opt.max_bytes) break;
            out.resize(std::min<size_t>(opt.max_bytes + 1, out.size() * 2));
        }
        ssize_t n = ::read(fd->get(), out.data() + got, out.size() - got);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error(fmt::format("read \"{}\"", path));
        }
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    if (got > opt.max_bytes)
        return make_error(EFBIG, "\"{}\" is too large: more than {} bytes", path, opt.max_bytes);
    out.resize(got);
    return out;
}

Result<std::string> read_regular(const std::string& path, const SafeRead& opt) {
    return read_regular_at(AT_FDCWD, path, opt);
}

}  // namespace vs::sys
