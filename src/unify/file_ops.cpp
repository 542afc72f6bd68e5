// File-level steps of unification (file_ops.hpp).
#include "unify/file_ops.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "base/fault.hpp"

namespace vs::unify {

namespace {

constexpr size_t kBuf = 1 << 20;

}  // namespace

Result<Xattrs> read_xattrs(int fd, const std::string& what, bool* marked) {
    return fs::read_xattrs(fd, what, kSharedMark, marked);
}

bool has_shared_mark(int fd) { return ::fgetxattr(fd, kSharedMark, nullptr, 0) >= 0; }

Result<bool> same_bytes(int a, int b, uint64_t size, const std::string& what) {
    std::unique_ptr<char[]> ba(new char[kBuf]), bb(new char[kBuf]);
    uint64_t off = 0;
    while (off < size) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(kBuf, size - off));
        ssize_t na = ::pread(a, ba.get(), want, static_cast<off_t>(off));
        if (na < 0) return errno_error(fmt::format("read \"{}\"", what));
        ssize_t nb = ::pread(b, bb.get(), want, static_cast<off_t>(off));
        if (nb < 0) return errno_error(fmt::format("read \"{}\"", what));
        if (na != nb || na == 0) return false;
        if (std::memcmp(ba.get(), bb.get(), static_cast<size_t>(na)) != 0) return false;
        off += static_cast<uint64_t>(na);
    }
    return true;
}

Result<XXH128_hash_t> copy_data(int src, int dst, uint64_t size, const std::string& what) {
    std::unique_ptr<char[]> buf(new char[kBuf]);
    XXH3_state_t* st = XXH3_createState();
    if (!st) return make_error(ENOMEM, "copy \"{}\"", what);
    XXH3_128bits_reset(st);
    auto fail = [&](std::string op) {
        auto e = errno_error(fmt::format("{} \"{}\"", op, what));
        XXH3_freeState(st);
        return e;
    };
    static const char zeros[4096] = {};
    uint64_t off = 0;
    while (off < size) {
        // The next data region; what lies before it is a hole, hashed as the zeros it reads as.
        off_t data = ::lseek(src, static_cast<off_t>(off), SEEK_DATA);
        uint64_t d = data < 0 ? size : std::min<uint64_t>(static_cast<uint64_t>(data), size);
        for (uint64_t z = off; z < d;) {
            size_t k = static_cast<size_t>(std::min<uint64_t>(sizeof zeros, d - z));
            XXH3_128bits_update(st, zeros, k);
            z += k;
        }
        off = d;
        if (off >= size) break;
        off_t hole = ::lseek(src, static_cast<off_t>(off), SEEK_HOLE);
        uint64_t end = hole < 0 ? size : std::min<uint64_t>(static_cast<uint64_t>(hole), size);
        while (off < end) {
            size_t want = static_cast<size_t>(std::min<uint64_t>(kBuf, end - off));
            ssize_t n = ::pread(src, buf.get(), want, static_cast<off_t>(off));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return fail("read");
            if (n == 0) {
                XXH3_freeState(st);
                return make_error(EAGAIN, "copy \"{}\": it shrank while being copied", what);
            }
            for (ssize_t w = 0; w < n;) {
                ssize_t k = ::pwrite(dst, buf.get() + w, static_cast<size_t>(n - w),
                                     static_cast<off_t>(off + static_cast<uint64_t>(w)));
                if (k < 0 && errno == EINTR) continue;
                if (k < 0) return fail("write copy of");
                w += k;
            }
            XXH3_128bits_update(st, buf.get(), static_cast<size_t>(n));
            off += static_cast<uint64_t>(n);
        }
    }
    if (::ftruncate(dst, static_cast<off_t>(size)) < 0) return fail("truncate copy of");
    XXH128_hash_t h = XXH3_128bits_digest(st);
    XXH3_freeState(st);
    return h;
}

Status copy_meta(int fd, const struct statx& st, const Xattrs& x, const std::string& what) {
    if (::fchown(fd, st.stx_uid, st.stx_gid) < 0)
        return errno_error(fmt::format("chown copy of \"{}\"", what));
    if (::fchmod(fd, st.stx_mode & 07777) < 0)
        return errno_error(fmt::format("chmod copy of \"{}\"", what));
    for (const auto& [name, value] : x)
        if (::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0) < 0)
            return errno_error(fmt::format("setxattr {} on copy of \"{}\"", name, what));
    struct timespec ts[2] = {{st.stx_atime.tv_sec, st.stx_atime.tv_nsec},
                             {st.stx_mtime.tv_sec, st.stx_mtime.tv_nsec}};
    if (::futimens(fd, ts) < 0)
        return errno_error(fmt::format("set times of copy of \"{}\"", what));
    return ok();
}

Result<bool> is_immutable(int fd, const std::string& what) {
    int flags = 0;
    if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0) {
        if (errno == ENOTTY || errno == EOPNOTSUPP) return false;
        return errno_error(fmt::format("get flags of \"{}\"", what));
    }
    return (flags & FS_IMMUTABLE_FL) != 0;
}

Status set_immutable(int fd, bool on, const std::string& what) {
    int flags = 0;
    if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
        return errno_error(fmt::format("get flags of \"{}\"", what));
    int want = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
    if (want == flags) return ok();
    if (::ioctl(fd, FS_IOC_SETFLAGS, &want) < 0)
        return errno_error(fmt::format("{} immutable flag of \"{}\"", on ? "set" : "clear", what));
    return ok();
}

Status link_fd(int fd, int dirfd, const std::string& tmp, const std::string& what) {
    std::string self = fmt::format("/proc/self/fd/{}", fd);
    if (::linkat(AT_FDCWD, self.c_str(), dirfd, tmp.c_str(), AT_SYMLINK_FOLLOW) < 0)
        return errno_error(fmt::format("link \"{}\" for sharing", what));
    return ok();
}

bool unchanged(const struct statx& a, const struct statx& b) {
    return a.stx_ino == b.stx_ino && a.stx_dev_major == b.stx_dev_major &&
           a.stx_dev_minor == b.stx_dev_minor && a.stx_size == b.stx_size &&
           a.stx_mtime.tv_sec == b.stx_mtime.tv_sec && a.stx_mtime.tv_nsec == b.stx_mtime.tv_nsec &&
           a.stx_ctime.tv_sec == b.stx_ctime.tv_sec && a.stx_ctime.tv_nsec == b.stx_ctime.tv_nsec;
}

Result<struct statx> fstatx(int fd, const std::string& what) {
    struct statx st {};
    if (::statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &st) < 0)
        return errno_error(fmt::format("statx \"{}\"", what));
    return st;
}

Result<bool> swap_in(int dirfd, const std::string& tmp, const std::string& name,
                     const struct statx& expect, const std::string& what, struct statx* old_out) {
    auto drop_tmp = [&] { ::unlinkat(dirfd, tmp.c_str(), 0); };
    if (auto f = fault_point("unify:exchange", what); !f) {
        drop_tmp();
        return std::move(f).error();
    }
    struct statx now {};
    if (::statx(dirfd, name.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &now) < 0 ||
        !unchanged(now, expect)) {
        drop_tmp();
        return false;
    }
    if (::renameat2(dirfd, tmp.c_str(), dirfd, name.c_str(), RENAME_EXCHANGE) < 0) {
        auto e = errno_error(fmt::format("exchange \"{}\" with its shared copy", what));
        drop_tmp();
        return e;
    }
    // The old inode is now at tmp: it must be the one compared, else the guest replaced the
    // name in between and its new file goes back. (The exchange itself updated its ctime.)
    struct statx old {};
    if (::statx(dirfd, tmp.c_str(), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &old) < 0 ||
        old.stx_ino != expect.stx_ino || old.stx_dev_major != expect.stx_dev_major ||
        old.stx_dev_minor != expect.stx_dev_minor || old.stx_size != expect.stx_size ||
        old.stx_mtime.tv_sec != expect.stx_mtime.tv_sec ||
        old.stx_mtime.tv_nsec != expect.stx_mtime.tv_nsec) {
        if (::renameat2(dirfd, tmp.c_str(), dirfd, name.c_str(), RENAME_EXCHANGE) < 0)
            return errno_error(fmt::format("put back \"{}\" after a concurrent change", what));
        drop_tmp();
        return false;
    }
    if (old_out) *old_out = old;
    return true;
}

Status finish_swap(int dirfd, const std::string& tmp, const std::string& what) {
    if (::unlinkat(dirfd, tmp.c_str(), 0) < 0)
        return errno_error(fmt::format("remove the old copy of \"{}\"", what));
    return ok();
}

Status swap_back(int dirfd, const std::string& tmp, const std::string& name,
                 const std::string& what) {
    if (::renameat2(dirfd, tmp.c_str(), dirfd, name.c_str(), RENAME_EXCHANGE) < 0)
        return errno_error(fmt::format("put back \"{}\"", what));
    if (::unlinkat(dirfd, tmp.c_str(), 0) < 0)
        return errno_error(fmt::format("remove the shared copy's name beside \"{}\"", what));
    return ok();
}

Result<bool> replace_name(int dirfd, const std::string& tmp, const std::string& name,
                          const struct statx& expect, const std::string& what) {
    if (!VS_TRY(swap_in(dirfd, tmp, name, expect, what))) return false;
    VS_TRY(finish_swap(dirfd, tmp, what));
    return true;
}

std::string temp_name() {
    uint64_t r = 0;
    if (::getrandom(&r, sizeof r, 0) != sizeof r) r = static_cast<uint64_t>(::getpid()) << 20;
    return fmt::format("{}{:016x}", kTempPrefix, r);
}

}  // namespace vs::unify
