// list_subdirs, list_entries: readdir with d_type.
#include "base/sys_subdirs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/error.hpp"

namespace vs::sys {

Result<std::vector<std::string>> list_subdirs(const std::string& path) {
    DIR* d = ::opendir(path.c_str());
    if (!d) return errno_error(fmt::format("opendir \"{}\"", path));
    std::vector<std::string> out;
    while (auto* e = ::readdir(d)) {
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
        bool dir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN) {
            struct stat st {};
            dir = ::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                  S_ISDIR(st.st_mode);
        }
        if (dir) out.emplace_back(e->d_name);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

Result<std::vector<DirEntry>> list_entries(const std::string& path) {
    DIR* d = ::opendir(path.c_str());
    if (!d) return errno_error(fmt::format("opendir \"{}\"", path));
    std::vector<DirEntry> out;
    while (auto* e = ::readdir(d)) {
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
        unsigned char t = e->d_type;
        if (t == DT_UNKNOWN) {
            struct stat st {};
            if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                t = S_ISDIR(st.st_mode)   ? DT_DIR
                    : S_ISLNK(st.st_mode) ? DT_LNK
                    : S_ISREG(st.st_mode) ? DT_REG
                                          : DT_UNKNOWN;
        }
        EntryType type = t == DT_DIR   ? EntryType::Dir
                         : t == DT_LNK ? EntryType::Link
                         : t == DT_REG ? EntryType::File
                                       : EntryType::Other;
        out.push_back({e->d_name, type});
    }
    ::closedir(d);
    std::sort(out.begin(), out.end(),
              [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    return out;
}

}  // namespace vs::sys
