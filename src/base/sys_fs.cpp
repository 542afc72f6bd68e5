// Directory, xattr and statfs wrappers with errors that name the operation and the path.
#include "base/sys_fs.hpp"

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

namespace vs::sys {

Result<bool> mkdir_one(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) == 0) return true;
    if (errno == EEXIST) {
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return false;
        return make_error(ENOTDIR, "mkdir \"{}\": exists and is not a directory", path);
    }
    return errno_error(fmt::format("mkdir \"{}\"", path));
}

Status rmdir(const std::string& path) {
    if (::rmdir(path.c_str()) < 0) return errno_error(fmt::format("rmdir \"{}\"", path));
    return ok();
}

Result<long> statfs_type(const std::string& path) {
    struct statfs sf {};
    if (::statfs(path.c_str(), &sf) < 0) return errno_error(fmt::format("statfs \"{}\"", path));
    return static_cast<long>(sf.f_type);
}

Status set_xattr(const std::string& path, const std::string& name, const std::string& value) {
    if (::setxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0) < 0)
        return errno_error(fmt::format("setxattr \"{}\" {}", path, name));
    return ok();
}

Result<std::string> get_xattr(const std::string& path, const std::string& name) {
    char buf[256];
    ssize_t n = ::getxattr(path.c_str(), name.c_str(), buf, sizeof buf);
    if (n < 0) return errno_error(fmt::format("getxattr \"{}\" {}", path, name));
    return std::string(buf, static_cast<size_t>(n));
}

}  // namespace vs::sys
