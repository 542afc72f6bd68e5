// read_xattrs (xattrs.hpp).
#include "fs/xattrs.hpp"

#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>

namespace vs::fs {

namespace {

// One value; a value that keeps changing size between the two calls (ERANGE) is asked again.
Result<std::string> get_x(int fd, const char* name, const std::string& what) {
    for (int i = 0; i < 4; ++i) {
        ssize_t n = ::fgetxattr(fd, name, nullptr, 0);
        if (n < 0) return errno_error(fmt::format("getxattr {} \"{}\"", name, what));
        std::string v(static_cast<size_t>(n), '\0');
        ssize_t m = n ? ::fgetxattr(fd, name, v.data(), v.size()) : 0;
        if (m >= 0) {
            v.resize(static_cast<size_t>(m));
            return v;
        }
        if (errno != ERANGE) return errno_error(fmt::format("getxattr {} \"{}\"", name, what));
    }
    return make_error(ERANGE, "getxattr {} \"{}\": keeps changing size", name, what);
}

}  // namespace

Result<Xattrs> read_xattrs(int fd, const std::string& what, std::string_view skip,
                           bool* skip_seen) {
    Xattrs out;
    if (skip_seen) *skip_seen = false;
    std::string names;
    for (int i = 0;; ++i) {
        ssize_t n = ::flistxattr(fd, nullptr, 0);
        if (n < 0) {
            if (errno == ENOTSUP) return out;
            return errno_error(fmt::format("listxattr \"{}\"", what));
        }
        names.assign(static_cast<size_t>(n), '\0');
        ssize_t m = n ? ::flistxattr(fd, names.data(), names.size()) : 0;
        if (m >= 0) {
            names.resize(static_cast<size_t>(m));
            break;
        }
        if (errno != ERANGE || i > 4) return errno_error(fmt::format("listxattr \"{}\"", what));
    }
    for (size_t p = 0; p < names.size();) {
        std::string name(names.c_str() + p);
        p += name.size() + 1;
        if (name.empty()) continue;
        if (!skip.empty() && name == skip) {
            if (skip_seen) *skip_seen = true;
            continue;
        }
        auto v = get_x(fd, name.c_str(), what);
        if (!v) {
            if (v.error().code == ENODATA) continue;  // removed meanwhile
            return std::move(v).error();
        }
        out.emplace_back(std::move(name), std::move(*v));
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace vs::fs
