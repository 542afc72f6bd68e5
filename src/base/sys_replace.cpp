// write_file_replace: tmp + rename (no fsync).
#include "base/sys_replace.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "base/sys.hpp"

namespace vs::sys {

Status write_file_replace(const std::string& path, std::string_view data, mode_t mode) {
    std::filesystem::path p(path);
    std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
    std::string tmp = fmt::format("{}/.{}.tmp.{}", dir, p.filename().string(), ::getpid());
    {
        auto fd = VS_TRY(open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode));
        if (auto r = write_all(fd.get(), data, tmp); !r) {
            ::unlink(tmp.c_str());
            return r;
        }
        if (::fchmod(fd.get(), mode) < 0) {
            Error e = errno_error(fmt::format("chmod \"{}\"", tmp));
            ::unlink(tmp.c_str());
            return e;
        }
    }
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        Error e = errno_error(fmt::format("rename \"{}\" to \"{}\"", tmp, path));
        ::unlink(tmp.c_str());
        return e;
    }
    return ok();
}

}  // namespace vs::sys
