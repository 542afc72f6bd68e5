// Guest root checks.
#include "mount/root_check.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "fs/resolve.hpp"

namespace vs::mount {

bool symlink_escapes(const std::string& link_path, const std::string& target) {
    if (target.empty()) return false;
    if (target[0] == '/') return true;
    // Depth of the directory holding the link: "/dev/null" -> 1.
    long depth = static_cast<long>(str::split(link_path, '/').size()) - 1;
    for (auto& c : str::split(target, '/')) {
        if (c == "..") {
            if (--depth < 0) return true;
        } else if (c != ".") {
            ++depth;
        }
    }
    return false;
}

namespace {
Result<std::string> link_text(int fd) {
    char buf[4096];
    ssize_t n = ::readlinkat(fd, "", buf, sizeof buf - 1);
    if (n < 0) return errno_error("readlink");
    return std::string(buf, static_cast<size_t>(n));
}
}  // namespace

Status check_root(const std::string& root) {
    if (root.empty() || root[0] != '/')
        return make_error(EINVAL, "guest root \"{}\" is not an absolute path", root);
    auto rootfd = VS_TRY(sys::open(root, O_PATH | O_DIRECTORY).wrap("guest root"));
    struct stat st {
    }, host{};
    if (::fstat(rootfd.get(), &st) < 0 || ::stat("/", &host) < 0)
        return errno_error(fmt::format("stat guest root \"{}\"", root));
    if (st.st_dev == host.st_dev && st.st_ino == host.st_ino)
        return make_error(EINVAL, "guest root \"{}\" is the host's root", root);

    for (const char* dir : {"dev", "proc", "sys"}) {
        auto fd = fs::open_in_root(rootfd.get(), dir, O_PATH | O_NOFOLLOW);
        if (!fd) {
            if (fd.error().code == ENOENT) continue;  // created at start
            return std::move(fd).error().wrap(fmt::format("guest root \"{}\"", root));
        }
        struct stat s {};
        if (::fstat(fd->get(), &s) < 0)
            return errno_error(fmt::format("stat \"{}/{}\"", root, dir));
        if (S_ISLNK(s.st_mode)) {
            auto text = link_text(fd->get()).value_or("?");
            return make_error(
                ELOOP, "guest root \"{}\": /{} is a symlink to \"{}\"{}; refusing to start", root,
                dir, text,
                symlink_escapes(std::string("/") + dir, text) ? " outside the guest" : "");
        }
        if (!S_ISDIR(s.st_mode))
            return make_error(
                ENOTDIR, "guest root \"{}\": /{} is not a directory; refusing to start", root, dir);
    }
    auto null = fs::open_in_root(rootfd.get(), "dev/null", O_PATH | O_NOFOLLOW);
    if (null) {
        struct stat s {};
        if (::fstat(null->get(), &s) == 0 && S_ISLNK(s.st_mode)) {
            auto text = link_text(null->get()).value_or("?");
            if (symlink_escapes("/dev/null", text))
                return make_error(ELOOP,
                                  "guest root \"{}\": /dev/null is a symlink to \"{}\" outside the "
                                  "guest; refusing to start",
                                  root, text);
        }
    }
    return ok();
}

}  // namespace vs::mount
