// Dirs, open_guest and the df measure (guest_state.hpp).
#include "unify/guest_state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fs/mounts.hpp"
#include "fs/resolve.hpp"
#include "unify/method.hpp"

namespace vs::unify {

Result<int> Dirs::parent(const std::string& rel, std::string& name) {
    auto slash = rel.rfind('/');
    std::string dir = slash == std::string::npos ? "." : rel.substr(0, slash);
    name = slash == std::string::npos ? rel : rel.substr(slash + 1);
    if (!fd_ || dir != cur_) {
        fd_.reset();
        fs::Resolve how{.no_xdev = true, .nofollow_last = true};
        fd_ = VS_TRY(fs::open_in_root(rootfd_, dir, O_RDONLY | O_DIRECTORY, 0, how));
        cur_ = dir;
    }
    return fd_.get();
}

Result<UniqueFd> Dirs::open_regular(int dirfd, const std::string& name, int flags) const {
    return fs::open_regular(dirfd, name, flags, self_fds_);
}

Status open_guest(Guest& g) {
    int fd = ::open(g.tree.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno_error(fmt::format("open guest root \"{}\"", g.tree.root));
    g.root = UniqueFd(fd);
    int self = ::open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
    g.self_fds = UniqueFd(self);  // without /proc (self < 0), open_regular says why
    g.dirs = Dirs(fd, self);
    g.method = VS_TRY(detect_method(fd, g.tree.root));
    g.rep.name = g.tree.name;
    g.rep.method = method_name(g.method);
    auto id = fs::mount_id(fd);
    std::optional<fs::MountEntry> m;
    if (id) m = fs::find_mount(*id);
    if (m) {
        g.fs_id = m->fstype + ":" + m->source;
    } else {
        struct stat st {};
        if (::fstat(fd, &st) < 0) return errno_error(fmt::format("stat \"{}\"", g.tree.root));
        g.fs_id = fmt::format("dev:{}", st.st_dev);
    }
    if (!g.tree.cache_dir.empty()) g.cache_file = g.tree.cache_dir + "/unify/hashes";
    return ok();
}

std::vector<DfPoint> df(const std::vector<Guest>& guests) {
    std::vector<DfPoint> out;
    for (const auto& g : guests) {
        bool seen = false;
        for (const auto& p : out) seen = seen || p.fs_id == g.fs_id;
        if (seen) continue;
        ::syncfs(g.root.get());
        struct statvfs sv {};
        if (::fstatvfs(g.root.get(), &sv) < 0) continue;
        out.push_back({g.fs_id, static_cast<uint64_t>(sv.f_bavail) * sv.f_frsize});
    }
    return out;
}

int64_t df_gain(const std::vector<DfPoint>& before, const std::vector<DfPoint>& after) {
    int64_t gain = 0;
    for (const auto& a : after)
        for (const auto& b : before)
            if (a.fs_id == b.fs_id)
                gain += static_cast<int64_t>(a.free_bytes) - static_cast<int64_t>(b.free_bytes);
    return gain;
}

}  // namespace vs::unify
