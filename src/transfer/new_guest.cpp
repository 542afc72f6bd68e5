// New guest identity and the staged root + config commit shared by restore and copy.
#include "transfer/new_guest.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "base/fault.hpp"
#include "base/log.hpp"
#include "base/sys.hpp"
#include "config/vserver/addresses.hpp"
#include "config/vserver/context_alloc.hpp"
#include "config/vserver/new_config.hpp"
#include "fs/remove.hpp"
#include "spec/ip_address.hpp"
#include "spec/validate.hpp"
#include "store/idmap_check.hpp"
#include "store/leftovers.hpp"

namespace vs::transfer {

namespace cv = config::vserver;

Status check_name_free(const config::Paths& paths, const std::string& name,
                       const std::string& root) {
    VS_TRY(spec::validate_name(name));
    struct stat st {};
    if (::lstat(paths.guest_config(name).c_str(), &st) == 0)
        return make_error(EEXIST, "guest {} already exists ({})", name, paths.guest_config(name));
    for (const std::string& r : {paths.guest_root(name), root})
        if (!r.empty() && ::lstat(r.c_str(), &st) == 0)
            return make_error(EEXIST, "guest {} already exists ({})", name, r);
    return ok();
}

Status rewrite_identity(const config::Paths& paths, spec::GuestSpec& s, const Identity& id) {
    VS_TRY(spec::validate_name(id.name));
    auto base = VS_TRY(cv::base_spec(paths, id.name));
    s.name = id.name;
    s.root = base.root;
    s.config_dir = base.config_dir;
    s.cache_dir = base.cache_dir;
    if (s.nodename.empty() || s.nodename == id.old_name) s.nodename = id.name;
    if (id.interfaces) s.interfaces = *id.interfaces;
    // The interfaces a copy keeps (or is given) must not be another guest's.
    auto others = VS_TRY(cv::addresses_of_other_guests(paths, id.name));
    for (auto& itf : s.interfaces) {
        if (itf.disabled) continue;
        auto mine = spec::parse_ip(itf.ip);
        if (!mine) continue;
        for (auto& o : others)
            if (o.addr.family == mine->family && o.addr.bytes == mine->bytes)
                return make_error(EEXIST,
                                  "address {} is already guest {}'s (interfaces/{}); give the "
                                  "copy another with --ip or none with --no-ip",
                                  itf.ip, o.guest, o.id);
    }
    s.context = VS_TRY(cv::allocate_context(paths));
    if (s.ns.user) {
        s.idmap.reset();
        VS_TRY(store::check_id_range_free(paths, id.name, *s.context));
    }
    return ok();
}

Result<GuestStage> GuestStage::create(const config::Paths& paths, const std::string& name,
                                      bool make_root, const std::string& root) {
    GuestStage g;
    const std::string dest = root.empty() ? paths.guest_root(name) : root;
    // The stage is renamed to `dest`: it must be on the same file system, beside it.
    const auto slash = dest.rfind('/');
    g.parent_ =
        slash == 0 || slash == std::string::npos ? std::string(1, '/') : dest.substr(0, slash);
    if (!sys::exists(g.parent_)) {
        VS_TRY(sys::mkdir_p(g.parent_, 0755));
        g.made_parent_ = true;
    }
    store::sweep_leftovers(paths, name, dest);
    g.stage_ = fmt::format("{}/.build-{}-{}", g.parent_, name, ::getpid());
    if (make_root) {
        VS_TRY(store::create_root(g.stage_));
        VS_TRY(store::mark_building(g.stage_));
    }
    return g;
}

GuestStage::GuestStage(GuestStage&& o) noexcept
    : stage_(std::move(o.stage_)),
      parent_(std::move(o.parent_)),
      committed_(o.committed_),
      made_parent_(o.made_parent_) {
    o.committed_ = true;
    o.stage_.clear();
}

GuestStage::~GuestStage() {
    if (committed_ || stage_.empty()) return;
    if (sys::exists(stage_))
        if (auto r = store::remove_root(stage_, store::RootMounts::DetachPseudo); !r)
            log::warn("remove \"{}\": {}", stage_, r.error().what());
    if (made_parent_) ::rmdir(parent_.c_str());
}

Status GuestStage::sync() const {
    // O_NOFOLLOW | O_DIRECTORY: the stage is ours, but a swapped-in link is not followed.
    auto fd = VS_TRY(sys::open(stage_, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    VS_TRY(fault_point("transfer:syncfs"));
    // syncfs(2) reports writeback errors (EIO, ENOSPC) of the file system since the fd was
    // opened only from Linux 5.8 on; it writes back every dirty page of that file system, so
    // one call covers the whole tree, however many files it has.
    if (::syncfs(fd.get()) < 0) return errno_error(fmt::format("syncfs \"{}\"", stage_));
    return ok();
}

Status GuestStage::commit(const config::Paths& paths, const spec::GuestSpec& s,
                          const std::string& config_from, NewGuestResult* made) {
    VS_TRY(store::mark_building(stage_));
    VS_TRY(store::mark_root(stage_, s.name));
    if (::chmod(stage_.c_str(), 0755) < 0) return errno_error(fmt::format("chmod \"{}\"", stage_));
    // A copy, restore or receive of a layered guest holds its whole tree: the new guest's root
    // is a plain directory, never another guest's layers.
    spec::GuestSpec plain = s;
    plain.layered.reset();
    auto cfg = VS_TRY(cv::NewConfig::stage(paths, plain, config_from));
    bool cache_made = false;
    if (!sys::exists(s.cache_dir)) {
        VS_TRY(sys::mkdir_p(s.cache_dir, 0700));
        cache_made = true;
    }
    if (::renameat2(AT_FDCWD, stage_.c_str(), AT_FDCWD, s.root.c_str(), RENAME_NOREPLACE) < 0) {
        int err = errno;
        if (cache_made) ::rmdir(s.cache_dir.c_str());
        return Error(err, fmt::format("rename \"{}\" to \"{}\"", stage_, s.root));
    }
    auto undo = [&] {
        if (::renameat2(AT_FDCWD, s.root.c_str(), AT_FDCWD, stage_.c_str(), RENAME_NOREPLACE) < 0)
            log::warn("undo: rename \"{}\" back: {}", s.root, std::strerror(errno));
        if (cache_made) ::rmdir(s.cache_dir.c_str());
    };
    // The rename itself must reach the disk before the config names the root (rename(2),
    // fsync(2) NOTES).
    auto synced = [&]() -> Status {
        auto d = VS_TRY(sys::open(parent_, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (::fsync(d.get()) < 0) return errno_error(fmt::format("fsync \"{}\"", parent_));
        return ok();
    }();
    if (!synced) {
        undo();
        return synced;
    }
    if (auto f = fault_point("transfer:between-renames"); !f) {
        undo();
        return f;
    }
    if (auto c = cfg.commit(false); !c) {
        undo();
        return c;
    }
    committed_ = true;
    if (auto r = store::clear_building(s.root); !r) log::warn("{}", r.error().what());
    if (made) {
        made->root = s.root;
        made->config_dir = s.config_dir;
        made->context = s.context.value_or(0);
    }
    return ok();
}

Status GuestStage::exchange(const std::string& name, const std::string& root) {
    VS_TRY(store::mark_root(stage_, name));
    if (::chmod(stage_.c_str(), 0755) < 0) return errno_error(fmt::format("chmod \"{}\"", stage_));
    VS_TRY(fault_point("transfer:exchange"));
    if (::renameat2(AT_FDCWD, stage_.c_str(), AT_FDCWD, root.c_str(), RENAME_EXCHANGE) < 0)
        return errno_error(fmt::format("exchange \"{}\" with \"{}\"", stage_, root));
    // The exchange reaches the disk before it is reported (rename(2), fsync(2) NOTES): the
    // old root is removed next, and a refresh's undo record dropped.
    auto d = VS_TRY(sys::open(parent_, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (::fsync(d.get()) < 0) {
        int err = errno;
        if (::renameat2(AT_FDCWD, stage_.c_str(), AT_FDCWD, root.c_str(), RENAME_EXCHANGE) < 0)
            log::warn("undo: exchange \"{}\" back: {}", root, std::strerror(errno));
        return Error(err, fmt::format("fsync \"{}\"", parent_));
    }
    if (auto r = store::clear_building(root); !r) log::warn("{}", r.error().what());
    // The old root is now at stage_: the destructor removes it, as it removes an unused stage.
    return ok();
}

bool GuestStage::remove_in_background(const std::string& name) {
    if (committed_ || stage_.empty()) return false;
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return false;
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(p[0]);
        ::close(p[1]);
        return false;
    }
    if (pid == 0) {
        // Its own session, and none of the caller's descriptors: the ssh session ends when the
        // caller exits, and the guest's lock goes with the caller's last descriptor of it.
        ::setsid();
        int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        for (int fd = 0; fd < 3 && null >= 0; ++fd) ::dup2(null, fd);
        ::close_range(3, unsigned(p[1]) - 1, 0);
        ::close_range(unsigned(p[1]) + 1, ~0U, 0);
        const std::string mine = fmt::format("{}/.build-{}-{}", parent_, name, ::getpid());
        const char took = ::rename(stage_.c_str(), mine.c_str()) == 0 ? 1 : 0;
        (void)!::write(p[1], &took, 1);
        ::close(p[1]);
        if (!took) ::_exit(1);
        ::_exit(store::remove_root(mine, store::RootMounts::DetachPseudo) ? 0 : 1);
    }
    ::close(p[1]);
    char took = 0;
    ssize_t n;
    do {
        n = ::read(p[0], &took, 1);
    } while (n < 0 && errno == EINTR);
    ::close(p[0]);
    if (n != 1 || took != 1) {
        ::waitpid(pid, nullptr, 0);
        return false;
    }
    // The child is not waited for: it outlives this process and goes to init (or a
    // subreaper), which reaps it.
    committed_ = true;
    return true;
}

}  // namespace vs::transfer
