// copy_local(): lock the source, check, stage the root (snapshot or clone), commit.
#include "transfer/copy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <functional>

#include "base/log.hpp"
#include "base/sys.hpp"
#include "cgroup/manager.hpp"
#include "config/legacy/legacy_file.hpp"
#include "config/vserver/tree.hpp"
#include "spec/validate.hpp"
#include "state/lock.hpp"
#include "store/layered_root.hpp"
#include "store/btrfs.hpp"
#include "store/copy_tree.hpp"
#include "transfer/host_names.hpp"
#include "transfer/new_guest.hpp"
#include "transfer/progress.hpp"
#include "transfer/tree_reader.hpp"

namespace vs::transfer {

namespace cv = config::vserver;

namespace {

// A snapshot needs the source root to be a subvolume and the roots dir to be on btrfs; one on
// another btrfs file system makes the snapshot ioctl fail (EXDEV) and the copy falls back to a
// clone.
bool can_snapshot(const std::string& src_root, const std::string& roots_dir) {
    if (!store::btrfs::is_subvolume(src_root).value_or(false)) return false;
    auto fd = sys::open(roots_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd && store::btrfs::is_btrfs(fd->get()).value_or(false);
}

}  // namespace

const char* copy_method_name(CopyMethod m) {
    return m == CopyMethod::Snapshot ? "btrfs-snapshot" : "clone";
}

Result<bool> guest_running(const config::Paths& paths, const std::string& name) {
    cgroup::Options co;
    co.root = paths.cgroup_root;
    co.parent = paths.cgroup_parent;
    co.name = name;
    auto cg = VS_TRY(cgroup::open(co));
    if (!cg->exists()) return false;
    auto pids = cg->pids();
    return pids && !pids->empty();
}

Result<CopyResult> copy_local(const config::Paths& paths, const std::string& src,
                              const std::string& dest, const CopyOptions& opt) {
    const int64_t t0 = monotonic_ns();
    VS_TRY(spec::validate_name(src));
    VS_TRY(spec::validate_name(dest));
    if (src == dest) return make_error(EINVAL, "copy {}: the copy needs another name", src);
    if (!sys::is_dir(paths.guest_config(src))) return config::legacy::missing_guest(paths, src);
    const std::string dest_root = opt.rootdir.empty() ? "" : opt.rootdir + "/" + dest;
    VS_TRY(check_name_free(paths, dest, dest_root));
    if (!opt.domain.empty()) VS_TRY(validate_domain(opt.domain));
    auto lock = VS_TRY(state::GuestLock::acquire(paths.guest_run(src)).wrap("copy {}", src));
    auto loaded = VS_TRY(cv::load(paths, src).wrap("copy {}", src));
    if (VS_TRY(guest_running(paths, src).wrap("copy {}", src)))
        return make_error(EBUSY, "copy {}: the guest is running; stop it first", src);
    // A layered guest's files are seen through its overlay (mounted again after a reboot).
    VS_TRY(store::ensure_root_mounted(loaded.spec, store::RootUse::Owners).wrap("copy {}", src));

    CopyResult res;
    res.name = dest;
    res.dropped = loaded.unknown;
    for (auto& u : loaded.unknown)
        log::warn("copy {}: config file \"{}\" is no known key; not copied", src, u);
    spec::GuestSpec s = loaded.spec;
    const std::string src_root = s.root;
    Identity id{dest, src, opt.interfaces.value_or(std::vector<spec::Interface>{})};
    VS_TRY(rewrite_identity(paths, s, id).wrap("copy {}", src));
    if (!dest_root.empty()) s.root = dest_root;
    // A copy does not join the source's autostart group: two guests from one tree started at
    // boot (util-vserver's vserver-copy wrote ONBOOT=no). The admin sets the mark when it is
    // wanted.
    if (!s.init.mark.empty()) {
        log::info("copy {}: the copy is in no autostart group (apps/init/mark \"{}\" not copied)",
                  src, s.init.mark);
        s.init.mark.clear();
    }
    std::string address;
    if (!opt.domain.empty()) address = VS_TRY(first_address(s.interfaces).wrap("copy {}", src));

    const std::string roots_dir = s.root.substr(0, s.root.rfind('/'));
    VS_TRY(sys::mkdir_p(roots_dir, 0755));
    bool snap = can_snapshot(src_root, roots_dir);
    if (opt.verbose)
        log::info("copy {}: {} to {} ({}), context {}", src, src_root, s.root,
                  snap ? "btrfs snapshot" : "clone", s.context.value_or(0));
    auto stage = VS_TRY(GuestStage::create(paths, dest, !snap, s.root).wrap("copy {}", src));
    if (snap) {
        auto r = store::btrfs::snapshot_subvolume(src_root, stage.root(), false);
        if (!r && r.error().code != EXDEV)
            return std::move(r).error().wrap(fmt::format("copy {}", src));
        snap = r.has_value();
        if (!snap) {
            VS_TRY(store::create_root(stage.root()).wrap("copy {}", src));
            VS_TRY(store::mark_building(stage.root()).wrap("copy {}", src));
        }
    }
    if (snap) {
        res.method = CopyMethod::Snapshot;
    } else {
        Progress progress(fmt::format("copy {}", src), 0, opt.progress);
        std::function<void(uint64_t)> on_bytes;
        if (opt.progress && ::isatty(STDERR_FILENO)) {
            if (auto fd = sys::open(src_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
                progress.set_total(tree_bytes(fd->get(), src_root, true));
            on_bytes = [&](uint64_t n) { progress.set(n); };
        }
        VS_TRY(store::clone_tree(src_root, stage.root(), on_bytes).wrap("copy {}", src));
        progress.finish();
        res.method = CopyMethod::Clone;
    }
    if (!opt.domain.empty()) {
        if (opt.verbose)
            log::info("copy {}: /etc/hostname {}, /etc/hosts {} {}.{}", src, dest, address, dest,
                      opt.domain);
        VS_TRY(write_host_names(stage.root(), dest, opt.domain, address).wrap("copy {}", src));
    }
    VS_TRY(stage.commit(paths, s, loaded.spec.config_dir, &res).wrap("copy {}", src));
    res.seconds = double(monotonic_ns() - t0) / 1e9;
    return res;
}

}  // namespace vs::transfer
