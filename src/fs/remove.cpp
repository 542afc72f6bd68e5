// remove_contents, remove_at, remove_path: a post-order walk that unlinks as it leaves.
#include "fs/remove.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "fs/mounts.hpp"
#include "fs/resolve.hpp"
#include "fs/walk.hpp"

namespace vs::fs {

namespace {

class Remover : public Visitor {
public:
    explicit Remover(const std::string& top) : top_(top) {}

    Result<Action> visit(const Entry& e) override {
        if (e.is_dir()) return Action::Descend;
        if (::unlinkat(e.dirfd, e.name.c_str(), 0) < 0 && errno != ENOENT)
            return errno_error(fmt::format("unlink \"{}/{}\"", top_, e.path));
        return Action::Descend;
    }

    Status leave(const Entry& e, int) override {
        if (::unlinkat(e.dirfd, e.name.c_str(), AT_REMOVEDIR) == 0 || errno == ENOENT) return ok();
        // A directory that still holds a mount point cannot be empty; that mount is reported.
        if (errno == ENOTEMPTY && !busy_.empty()) return ok();
        return errno_error(fmt::format("rmdir \"{}/{}\"", top_, e.path));
    }

    Status mount_point(const Entry& e) override {
        auto m = find_mount(e.stx.stx_mnt_id);
        busy_.push_back(m ? m->describe()
                          : fmt::format("{}/{} (mount id {})", top_, e.path, e.stx.stx_mnt_id));
        return ok();
    }

    Status result() const {
        if (busy_.empty()) return ok();
        std::string list;
        for (auto& b : busy_) list += (list.empty() ? "" : "; ") + b;
        return make_error(EBUSY, "remove \"{}\": {} mounted inside, not removed: {}", top_,
                          busy_.size() == 1 ? "a file system is" : "file systems are", list);
    }

private:
    const std::string& top_;
    std::vector<std::string> busy_;
};

// The visitor of sweep(): removes what `dead` names, descends elsewhere unless `skip` says no.
class Sweeper : public Visitor {
public:
    Sweeper(const std::string& top, const std::function<bool(const Entry&)>& dead,
            const std::function<bool(const Entry&)>& skip)
        : top_(top), dead_(dead), skip_(skip) {}
    Result<Action> visit(const Entry& e) override {
        if (dead_(e)) {
            if (remove_at(e.dirfd, e.name, top_ + "/" + e.path))
                log::debug("removed the leftover \"{}/{}\"", top_, e.path);
            return Action::Skip;
        }
        return skip_ && skip_(e) ? Action::Skip : Action::Descend;
    }
    Status mount_point(const Entry&) override { return ok(); }

private:
    const std::string& top_;
    const std::function<bool(const Entry&)>& dead_;
    const std::function<bool(const Entry&)>& skip_;
};

}  // namespace

void sweep(const std::string& dir, const std::function<bool(const Entry&)>& dead,
           const std::function<bool(const Entry&)>& skip, int max_depth) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    UniqueFd owned(fd);
    Sweeper s(dir, dead, skip);
    WalkOptions opt;
    opt.max_depth = max_depth;
    if (auto r = walk(fd, dir, s, opt); !r) log::debug("sweep \"{}\": {}", dir, r.error().what());
}

Status remove_contents(int dirfd, const std::string& path) {
    Remover r(path);
    VS_TRY(walk(dirfd, path, r));
    return r.result();
}

Status remove_at(int parentfd, const std::string& name, const std::string& path) {
    struct statx stx {};
    if (::statx(parentfd, name.c_str(), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
                STATX_TYPE | STATX_MNT_ID, &stx) < 0) {
        if (errno == ENOENT) return ok();
        return errno_error(fmt::format("statx \"{}\"", path));
    }
    if (!S_ISDIR(stx.stx_mode)) {
        if (::unlinkat(parentfd, name.c_str(), 0) < 0 && errno != ENOENT)
            return errno_error(fmt::format("unlink \"{}\"", path));
        return ok();
    }
    auto fd = open_child(parentfd, name, O_RDONLY | O_DIRECTORY);
    if (!fd) {
        if (fd.error().code == ENOENT) return ok();
        if (fd.error().code == EXDEV) {
            auto m = find_mount(stx.stx_mnt_id);
            return make_error(EBUSY, "remove \"{}\": it is a mount point{}", path,
                              m ? ": " + m->describe() : std::string());
        }
        return std::move(fd).error().wrap(fmt::format("remove \"{}\"", path));
    }
    VS_TRY(remove_contents(fd->get(), path));
    if (::unlinkat(parentfd, name.c_str(), AT_REMOVEDIR) < 0 && errno != ENOENT)
        return errno_error(fmt::format("rmdir \"{}\"", path));
    return ok();
}

Status remove_path(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (path.empty() || path[0] != '/' || slash + 1 >= path.size())
        return make_error(EINVAL, "remove \"{}\": not an absolute path to an entry", path);
    std::string name = path.substr(slash + 1);
    if (name == "." || name == "..")
        return make_error(EINVAL, "remove \"{}\": not an absolute path to an entry", path);
    std::string parent = slash == 0 ? "/" : path.substr(0, slash);
    int pfd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0) {
        if (errno == ENOENT) return ok();
        return errno_error(fmt::format("open \"{}\"", parent));
    }
    UniqueFd owned(pfd);
    return remove_at(pfd, name, path);
}

}  // namespace vs::fs
