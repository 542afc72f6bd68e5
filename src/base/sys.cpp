// System-call wrappers with errors that name the operation and the path.
#include "base/sys.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/fault.hpp"

namespace vs::sys {

Result<UniqueFd> open(const std::string& path, int flags, mode_t mode) {
    return open_at(AT_FDCWD, path, flags, mode);
}

Result<UniqueFd> open_at(int dirfd, const std::string& path, int flags, mode_t mode) {
    int fd = ::openat(dirfd, path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0) return errno_error(fmt::format("open \"{}\"", path));
    return UniqueFd(fd);
}

Result<std::string> read_all(int fd, const std::string& what, size_t max) {
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error(fmt::format("read \"{}\"", what));
        }
        if (n == 0) break;
        if (static_cast<size_t>(n) > max - out.size())
            return make_error(EFBIG, "\"{}\" is larger than {} bytes", what, max);
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

Status write_all(int fd, std::string_view data, const std::string& what) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error(fmt::format("write \"{}\"", what));
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return ok();
}

Result<std::string> read_file(const std::string& path) { return read_file_at(AT_FDCWD, path); }

Result<std::string> read_file_at(int dirfd, const std::string& path) {
    auto fd = VS_TRY(open_at(dirfd, path, O_RDONLY));
    return read_all(fd.get(), path);
}

Status write_file(const std::string& path, std::string_view data) {
    return write_file_at(AT_FDCWD, path, data);
}

Status write_file_at(int dirfd, const std::string& path, std::string_view data) {
    auto fd = VS_TRY(open_at(dirfd, path, O_WRONLY | O_TRUNC));
    // Kernel knobs want the value in one write(2); report it with the value for the admin.
    ssize_t n;
    do {
        n = ::write(fd.get(), data.data(), data.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) return errno_error(fmt::format("write \"{}\" = \"{}\"", path, data));
    if (static_cast<size_t>(n) != data.size()) return make_error(EIO, "short write \"{}\"", path);
    return ok();
}

namespace {

/// tmp + rename in the same directory: readers see the old or the new content, never a torn
/// file. `durable` adds the fsyncs of the data and of the directory (the rename itself).
Status replace_file(const std::string& path, std::string_view data, mode_t mode, bool durable) {
    std::filesystem::path p(path);
    std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
    std::string tmp = fmt::format("{}/.{}.tmp.{}", dir, p.filename().string(), ::getpid());
    {
        auto fd = VS_TRY(open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode));
        if (auto r = write_all(fd.get(), data, tmp); !r) {
            ::unlink(tmp.c_str());
            return r;
        }
        if (::fchmod(fd.get(), mode) < 0 || (durable && ::fsync(fd.get()) < 0)) {
            Error e = errno_error(fmt::format("{} \"{}\"", durable ? "chmod/fsync" : "chmod", tmp));
            ::unlink(tmp.c_str());
            return e;
        }
    }
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        Error e = errno_error(fmt::format("rename \"{}\" to \"{}\"", tmp, path));
        ::unlink(tmp.c_str());
        return e;
    }
    // fsync the directory so the rename itself survives a crash (rename(2), fsync(2) NOTES).
    if (durable)
        if (auto dfd = open(dir, O_RDONLY | O_DIRECTORY)) ::fsync(dfd->get());
    return ok();
}

}  // namespace

Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode) {
    return replace_file(path, data, mode, true);
}

Status write_file_replace(const std::string& path, std::string_view data, mode_t mode) {
    return replace_file(path, data, mode, false);
}

Status mkdir_p(const std::string& path, mode_t mode, std::vector<std::string>* made) {
    if (path.empty()) return make_error(EINVAL, "mkdir: empty path");
    // Usually the directory is there already (a guest's run dir, at every start and stop): one
    // stat then, and the parents are made (the same way) only when it is missing.
    struct stat st {};
    if (::stat(path.c_str(), &st) < 0) {
        if (errno != ENOENT) return errno_error(fmt::format("stat \"{}\"", path));
        auto slash = path.find_last_of('/');
        // ENOENT from the mkdir: the parent, made or found just before, was removed meanwhile
        // (a concurrent undo of the empty dirs it made); it is made again, a bounded number of
        // times, since each retry needs another removal to race it.
        for (int attempt = 1;; ++attempt) {
            if (slash != std::string::npos && slash > 0)
                VS_TRY(mkdir_p(path.substr(0, slash), mode, made));
            // Subject: this level, so a test can hold it and remove the parent just made.
            VS_TRY(fault_point("mkdir:parent-ready", path));
            if (::mkdir(path.c_str(), mode) == 0) {
                if (made) made->push_back(path);
                break;
            }
            if (errno == EEXIST) break;
            if (errno != ENOENT || attempt == 5)
                return errno_error(fmt::format("mkdir \"{}\"", path));
        }
        if (::stat(path.c_str(), &st) < 0) return errno_error(fmt::format("stat \"{}\"", path));
    }
    if (!S_ISDIR(st.st_mode)) return make_error(ENOTDIR, "mkdir \"{}\": not a directory", path);
    return ok();
}

Status remove_if_exists(const std::string& path) {
    if (::unlink(path.c_str()) == 0 || errno == ENOENT) return ok();
    if (errno == EISDIR || errno == EPERM) {
        if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return ok();
    }
    return errno_error(fmt::format("remove \"{}\"", path));
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

bool is_dir(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<std::vector<std::string>> list_dir(const std::string& path) {
    DIR* d = ::opendir(path.c_str());
    if (!d) return errno_error(fmt::format("opendir \"{}\"", path));
    std::vector<std::string> out;
    while (auto* e = ::readdir(d)) {
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
        out.emplace_back(e->d_name);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

Status symlink(const std::string& target, const std::string& linkpath) {
    if (::symlink(target.c_str(), linkpath.c_str()) < 0)
        return errno_error(fmt::format("symlink \"{}\" -> \"{}\"", linkpath, target));
    return ok();
}

Result<std::string> readlink(const std::string& path) {
    char buf[4096];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf - 1);
    if (n < 0) return errno_error(fmt::format("readlink \"{}\"", path));
    return std::string(buf, static_cast<size_t>(n));
}

}  // namespace vs::sys
