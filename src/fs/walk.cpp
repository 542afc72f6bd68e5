// walk(): an iterative depth-first traversal on directory fds (see walk.hpp for the contract).
#include "fs/walk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/unique_fd.hpp"
#include "fs/mounts.hpp"
#include "fs/resolve.hpp"

namespace vs::fs {

namespace {

// Directories kept open along the current path; deeper ancestors are closed and reopened
// through ".." when the walk climbs back, so a tree thousands of levels deep cannot exhaust
// RLIMIT_NOFILE.
constexpr size_t kOpenDirs = 32;
// Times one entry is examined again after it changed between statx and open; a guest that
// swaps it in a loop ends the walk with an error instead of holding it.
constexpr int kRetries = 8;

constexpr unsigned kMask = STATX_TYPE | STATX_MODE | STATX_INO | STATX_MNT_ID | STATX_NLINK |
                           STATX_UID | STATX_GID | STATX_SIZE | STATX_MTIME | STATX_CTIME |
                           STATX_ATIME | STATX_BLOCKS;

struct Frame {
    UniqueFd fd;
    dev_t dev = 0;
    ino_t ino = 0;
    std::string name, path;  // this directory in its parent; "" for the top
    struct statx stx {};
    std::vector<std::string> names;
    size_t next = 0;
    int retries = 0;
};

// O_NOATIME for the directories the walk opens: reading a directory would otherwise update its
// atime (relatime does when the atime is not newer than the mtime, as tar leaves them), and on
// btrfs that rewrites the inode's metadata blocks, unsharing those a snapshot shares: a walk that
// only measures or reads must not cost disk space. It needs ownership or CAP_FOWNER (open(2));
// without either the directory is opened as usual.
template <typename Open>
auto open_noatime(Open&& open) {
    auto r = open(O_NOATIME);
    if (!r && r.error().code == EPERM) r = open(0);
    return r;
}

// The names in the directory open at `fd`, read with getdents64(2) on that very fd (a fresh fd:
// its offset is at the start; the walk uses it only for *at calls afterwards).
Result<std::vector<std::string>> read_names(int fd, const std::string& path) {
    alignas(8) char buf[32768];
    std::vector<std::string> out;
    for (;;) {
        ssize_t n = ::getdents64(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error(fmt::format("readdir \"{}\"", path));
        if (n == 0) return out;
        for (ssize_t off = 0; off < n;) {
            const auto* d = reinterpret_cast<const struct dirent64*>(buf + off);
            off += d->d_reclen;
            if (std::strcmp(d->d_name, ".") != 0 && std::strcmp(d->d_name, "..") != 0)
                out.emplace_back(d->d_name);
        }
    }
}

std::string join(const std::string& dir, const std::string& name) {
    return dir.empty() ? name : dir + "/" + name;
}

// Reopens a closed ancestor from its child through "..", which stays on the walk's mount (the
// walk never enters another one) and is checked to be the very directory that was left.
Status reopen_parent(Frame& parent, const Frame& child, const std::string& top_path) {
    int fd = ::openat(child.fd.get(), "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno_error(fmt::format("open \"{}/..\"", join(top_path, child.path)));
    UniqueFd owned(fd);
    struct stat st {};
    if (::fstat(fd, &st) < 0) return errno_error("fstat");
    if (st.st_dev != parent.dev || st.st_ino != parent.ino)
        return make_error(EAGAIN, "walk \"{}\": \"{}\" was moved during the walk", top_path,
                          parent.path.empty() ? "." : parent.path);
    parent.fd = std::move(owned);
    return ok();
}

}  // namespace

Status Visitor::leave(const Entry&, int) { return ok(); }

Status Visitor::mount_point(const Entry& e) {
    auto m = find_mount(e.stx.stx_mnt_id);
    return make_error(EXDEV, "\"{}\" is a mount point: {}", e.path,
                      m ? m->describe() : fmt::format("mount id {}", e.stx.stx_mnt_id));
}

Status walk(int top, const std::string& top_path, Visitor& v, const WalkOptions& opt) {
    std::vector<Frame> stack;
    {
        Frame f;
        auto top_fd = open_noatime([&](int noatime) -> Result<UniqueFd> {
            int fd = ::openat(top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | noatime);
            if (fd < 0) return errno_error(fmt::format("open \"{}\"", top_path));
            return UniqueFd(fd);
        });
        if (!top_fd) return std::move(top_fd).error();
        f.fd = std::move(*top_fd);
        const int fd = f.fd.get();
        struct stat st {};
        if (::fstat(fd, &st) < 0) return errno_error(fmt::format("stat \"{}\"", top_path));
        f.dev = st.st_dev;
        f.ino = st.st_ino;
        f.names = VS_TRY(read_names(fd, top_path));
        stack.push_back(std::move(f));
    }
    const uint64_t top_mnt = VS_TRY(mount_id(stack[0].fd.get()).wrap("\"{}\"", top_path));
    size_t open_dirs = 1;

    while (!stack.empty()) {
        Frame& f = stack.back();
        const size_t depth = stack.size();
        if (f.next < f.names.size()) {
            const std::string& name = f.names[f.next];
            const std::string path = join(f.path, name);
            struct statx stx {};
            if (::statx(f.fd.get(), name.c_str(), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, kMask,
                        &stx) < 0) {
                if (errno == ENOENT) {  // removed meanwhile: nothing left to visit
                    ++f.next;
                    f.retries = 0;
                    continue;
                }
                return errno_error(fmt::format("statx \"{}/{}\"", top_path, path));
            }
            Entry e{f.fd.get(), name, path, stx, depth};
            const bool other_mount = ((stx.stx_mask & STATX_MNT_ID) && stx.stx_mnt_id != top_mnt) ||
                                     ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
                                      (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT));
            if (other_mount) {
                VS_TRY(v.mount_point(e).wrap("walk \"{}\"", top_path));
                ++f.next;
                f.retries = 0;
                continue;
            }
            const Action a = VS_TRY(v.visit(e));
            if (a == Action::Stop) return ok();
            if (!e.is_dir() || a == Action::Skip) {
                ++f.next;
                f.retries = 0;
                continue;
            }
            if (opt.max_depth && depth + 1 > opt.max_depth)
                return make_error(ELOOP, "walk \"{}\": \"{}\" is deeper than {} levels", top_path,
                                  path, opt.max_depth);
            auto child = open_noatime([&](int noatime) {
                return open_child(f.fd.get(), name, O_RDONLY | O_DIRECTORY | noatime);
            });
            struct stat st {};
            bool same = child && ::fstat(child->get(), &st) == 0 && st.st_ino == stx.stx_ino &&
                        S_ISDIR(st.st_mode);
            if (!same) {
                // Gone, swapped for a symlink, a file, another directory or a mount point
                // between statx and open: look at the name again.
                int err = child ? EAGAIN : child.error().code;
                if (err == ENOENT) {
                    ++f.next;
                    f.retries = 0;
                    continue;
                }
                if (err != ELOOP && err != ENOTDIR && err != EXDEV && err != EAGAIN)
                    return std::move(child).error().wrap(fmt::format("walk \"{}\"", top_path));
                if (++f.retries > kRetries)
                    return make_error(EAGAIN, "walk \"{}\": \"{}\" keeps changing", top_path, path);
                continue;
            }
            ++f.next;
            f.retries = 0;
            Frame c;
            c.fd = std::move(*child);
            c.dev = st.st_dev;
            c.ino = st.st_ino;
            c.name = name;
            c.path = path;
            c.stx = stx;
            c.names = VS_TRY(read_names(c.fd.get(), fmt::format("{}/{}", top_path, path)));
            stack.push_back(std::move(c));
            if (++open_dirs > kOpenDirs) {
                stack[stack.size() - kOpenDirs - 1].fd.reset();
                --open_dirs;
            }
            continue;
        }
        // Every entry of f is done: leave it, in its parent.
        if (stack.size() == 1) break;
        Frame done = std::move(stack.back());
        stack.pop_back();
        Frame& parent = stack.back();
        if (!parent.fd) {
            VS_TRY(reopen_parent(parent, done, top_path));
            ++open_dirs;
        }
        Entry e{parent.fd.get(), done.name, done.path, done.stx, stack.size()};
        VS_TRY(v.leave(e, done.fd.get()));
        --open_dirs;
    }
    return ok();
}

}  // namespace vs::fs
