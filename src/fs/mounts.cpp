// mount_id, read_mountinfo, mounts_below: the mount table as the walks and delete need it.
#include "fs/mounts.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "base/strings.hpp"
#include "base/sys.hpp"

namespace vs::fs {

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

}  // namespace

std::string MountEntry::describe() const {
    std::string out = fmt::format("{} ({} {}", mount_point, fstype, source);
    if (root != "/") out += fmt::format(", bind of {}", root);
    return out + ")";
}

Result<uint64_t> mount_id(int fd) {
    struct statx stx {};
    if (::statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &stx) < 0)
        return errno_error("statx");
    if (!(stx.stx_mask & STATX_MNT_ID)) return make_error(ENOSYS, "statx: no mount id");
    return static_cast<uint64_t>(stx.stx_mnt_id);
}

Result<std::vector<MountEntry>> read_mountinfo(const std::string& file) {
    auto text = VS_TRY(sys::read_file(file));
    std::vector<MountEntry> out;
    for (auto& line : str::split(text, '\n')) {
        // ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS
        auto f = str::split(line, ' ');
        if (f.size() < 5) continue;
        MountEntry m;
        auto id = str::parse_u64(f[0]);
        if (!id) continue;
        m.id = *id;
        m.dev = f[2];
        m.root = unescape(f[3]);
        m.mount_point = unescape(f[4]);
        auto dash = std::find(f.begin() + 5, f.end(), "-");
        if (f.end() - dash >= 3) {
            m.fstype = unescape(*(dash + 1));
            m.source = unescape(*(dash + 2));
            if (f.end() - dash >= 4) m.super_options = std::string(*(dash + 3));
        }
        out.push_back(std::move(m));
    }
    return out;
}

std::optional<std::string> super_option(const MountEntry& m, std::string_view name) {
    // A value's own commas are escaped (octal), so a split on ',' finds the options.
    for (auto& o : str::split(m.super_options, ',')) {
        std::string_view v(o);
        if (v.size() > name.size() && v.substr(0, name.size()) == name && v[name.size()] == '=')
            return unescape(v.substr(name.size() + 1));
    }
    return std::nullopt;
}

std::optional<MountEntry> find_mount(uint64_t id) {
    auto all = read_mountinfo();
    if (!all) return std::nullopt;
    for (auto& m : *all)
        if (m.id == id) return m;
    return std::nullopt;
}

Result<std::vector<MountEntry>> mounts_below(const std::string& path) {
    std::vector<MountEntry> out;
    for (auto& m : VS_TRY(read_mountinfo()))
        if (m.mount_point == path || str::starts_with(m.mount_point, path + "/"))
            out.push_back(std::move(m));
    // Deepest first; mounts stacked on one point come upper (later in mountinfo) first.
    std::reverse(out.begin(), out.end());
    std::stable_sort(out.begin(), out.end(), [](const MountEntry& a, const MountEntry& b) {
        return a.mount_point.size() > b.mount_point.size();
    });
    return out;
}

bool is_pseudo_fs(const MountEntry& m) {
    static const char* const kPseudo[] = {"proc", "sysfs", "devpts", "binfmt_misc", "mqueue"};
    for (auto* t : kPseudo)
        if (m.fstype == t) return true;
    return false;
}

}  // namespace vs::fs
