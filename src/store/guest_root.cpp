// Guest root creation (directory or btrfs subvolume) and mount-aware removal.
#include "store/guest_root.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "store/btrfs.hpp"

namespace vs::store {

namespace {

// mountinfo escapes blanks, tabs, newlines and backslashes as \ooo (proc(5)).
std::string unescape(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            bool octal = true;
            int v = 0;
            for (size_t k = 1; k <= 3; ++k) {
                if (s[i + k] < '0' || s[i + k] > '7')
                    octal = false;
                else
                    v = v * 8 + (s[i + k] - '0');
            }
            if (octal) {
                out.push_back(static_cast<char>(v));
                i += 3;
                continue;
            }
        }
        out.push_back(s[i]);
    }
    return out;
}

Result<std::vector<std::string>> mounts_below(const std::string& path) {
    auto text = VS_TRY(sys::read_file("/proc/self/mountinfo"));
    std::vector<std::string> out;
    for (auto& line : str::split(text, '\n')) {
        auto f = str::split(line, ' ');
        if (f.size() < 5) continue;
        std::string mp = unescape(f[4]);
        if (mp == path || str::starts_with(mp, path + "/")) out.push_back(mp);
    }
    // Deepest first, so children go before their parents.
    std::sort(out.begin(), out.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    return out;
}

}  // namespace

Result<RootKind> create_root(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos || slash + 1 >= path.size())
        return make_error(EINVAL, "guest root \"{}\" is not an absolute path", path);
    std::string parent = slash == 0 ? std::string("/") : path.substr(0, slash);
    // A new parent (/var/lib/vservers) is root-only, util-vserver's barrier: host users must not
    // reach a guest's setuid binaries or its world-writable directories.
    VS_TRY(sys::mkdir_p(parent, 0700));
    auto pfd = VS_TRY(sys::open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (VS_TRY(btrfs::is_btrfs(pfd.get()))) {
        VS_TRY(btrfs::create_subvolume(path));
        if (::chmod(path.c_str(), 0755) < 0) return errno_error(fmt::format("chmod \"{}\"", path));
        return RootKind::BtrfsSubvolume;
    }
    if (::mkdir(path.c_str(), 0755) < 0) return errno_error(fmt::format("mkdir \"{}\"", path));
    if (::chmod(path.c_str(), 0755) < 0) return errno_error(fmt::format("chmod \"{}\"", path));
    return RootKind::Directory;
}

Status remove_root(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) {
        if (errno == ENOENT) return ok();
        return errno_error(fmt::format("stat \"{}\"", path));
    }
    if (!S_ISDIR(st.st_mode)) return sys::remove_if_exists(path);
    for (auto& mp : VS_TRY(mounts_below(path))) {
        if (::umount2(mp.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
            errno != ENOENT)
            return errno_error(fmt::format("unmount \"{}\"", mp));
    }
    if (VS_TRY(btrfs::is_subvolume(path))) return btrfs::delete_subvolume(path);
    return sys::remove_tree(path);
}

}  // namespace vs::store
