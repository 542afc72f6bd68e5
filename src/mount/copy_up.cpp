// tmpcopyup's copy, done by fds: the source is the container's own tree, so nothing in it is
// followed or opened but directories and regular files, each checked after it was opened.
#include "mount/copy_up.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/unique_fd.hpp"

namespace vs::mount {

namespace {

constexpr int kMaxDepth = 128;

Status fail_with(int err, const std::string& what, const std::string& rel, const char* op) {
    return Error(err, fmt::format("tmpcopyup \"{}\": {} \"{}\"", what, op, rel));
}

Status fail(const std::string& what, const std::string& rel, const char* op) {
    return fail_with(errno, what, rel, op);
}

/// Owner, mode and times of the copy `fd` (or of the symlink `name` in `dir`).
Status keep_meta(int fd, const struct stat& st, const std::string& what, const std::string& rel) {
    if (::fchown(fd, st.st_uid, st.st_gid) < 0) return fail(what, rel, "chown");
    if (::fchmod(fd, st.st_mode & 07777) < 0) return fail(what, rel, "chmod");
    struct timespec t[2] = {st.st_atim, st.st_mtim};
    if (::futimens(fd, t) < 0) return fail(what, rel, "set the times of");
    return ok();
}

Status copy_file(int sdir, int ddir, const char* name, const struct stat& st,
                 const std::string& what, const std::string& rel) {
    // O_NONBLOCK: should a FIFO have replaced the file since the stat, the open cannot hang;
    // the fstat below then refuses it.
    int s = ::openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (s < 0) return fail(what, rel, "open");
    UniqueFd src(s);
    struct stat now {};
    if (::fstat(s, &now) < 0) return fail(what, rel, "stat");
    if (!S_ISREG(now.st_mode) || now.st_ino != st.st_ino || now.st_dev != st.st_dev)
        return make_error(EAGAIN, "tmpcopyup \"{}\": \"{}\" changed while it was copied", what,
                          rel);
    int d = ::openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (d < 0) return fail(what, rel, "create");
    UniqueFd dst(d);
    for (;;) {
        ssize_t n = ::sendfile(d, s, nullptr, 1 << 20);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail(what, rel, "copy");
        if (n == 0) break;
    }
    return keep_meta(d, now, what, rel);
}

Status copy_dir(int sdir, int ddir, dev_t dev, const std::string& what, const std::string& rel,
                int depth) {
    if (depth > kMaxDepth)
        return make_error(ELOOP, "tmpcopyup \"{}\": \"{}\" is nested too deep", what, rel);
    int r = ::openat(sdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r < 0) return fail(what, rel, "open");
    DIR* d = ::fdopendir(r);
    if (!d) {
        ::close(r);
        return fail(what, rel, "read");
    }
    std::vector<std::string> names;
    errno = 0;
    while (auto* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(std::move(n));
    }
    int err = errno;
    ::closedir(d);
    if (err) return fail_with(err, what, rel, "read");
    for (const auto& n : names) {
        std::string sub = rel == "." ? n : rel + "/" + n;
        struct stat st {};
        if (::fstatat(sdir, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT) continue;
            return fail(what, sub, "stat");
        }
        if (S_ISREG(st.st_mode)) {
            VS_TRY(copy_file(sdir, ddir, n.c_str(), st, what, sub));
        } else if (S_ISLNK(st.st_mode)) {
            std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
            ssize_t len = ::readlinkat(sdir, n.c_str(), target.data(), target.size());
            if (len < 0) return fail(what, sub, "readlink");
            target.resize(static_cast<size_t>(len));
            if (::symlinkat(target.c_str(), ddir, n.c_str()) < 0) return fail(what, sub, "symlink");
            if (::fchownat(ddir, n.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                return fail(what, sub, "chown");
        } else if (S_ISDIR(st.st_mode)) {
            if (::mkdirat(ddir, n.c_str(), 0700) < 0) return fail(what, sub, "mkdir");
            int s = ::openat(sdir, n.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (s < 0) return fail(what, sub, "open");
            UniqueFd sfd(s);
            int t = ::openat(ddir, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (t < 0) return fail(what, sub, "open the copy of");
            UniqueFd tfd(t);
            struct stat now {};
            if (::fstat(s, &now) < 0) return fail(what, sub, "stat");
            // Another mount below: its mount point is copied, not what is mounted there.
            if (now.st_dev == dev) VS_TRY(copy_dir(s, t, dev, what, sub, depth + 1));
            VS_TRY(keep_meta(t, now, what, sub));
        }
        // FIFOs, sockets and device nodes are not copied: nothing of them is data, and a device
        // node would be one the container did not get through linux.devices.
    }
    return ok();
}

}  // namespace

Status copy_up(int from, int to, const std::string& what) {
    struct stat st {};
    if (::fstat(from, &st) < 0) return fail(what, ".", "stat");
    if (!S_ISDIR(st.st_mode)) return make_error(ENOTDIR, "tmpcopyup \"{}\": not a directory", what);
    VS_TRY(copy_dir(from, to, st.st_dev, what, ".", 0));
    // The tmpfs's root takes the covered directory's owner and mode, as the copy's others do.
    int t = ::openat(to, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (t < 0) return fail(what, ".", "open the copy of");
    UniqueFd tfd(t);
    return keep_meta(t, st, what, ".");
}

}  // namespace vs::mount
