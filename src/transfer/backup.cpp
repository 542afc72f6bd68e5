// backup(): consistency (lock, freeze, snapshot), then the manifest, config and root trees.
#include "base/strings.hpp"
#include "transfer/backup.hpp"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "base/fault.hpp"
#include "base/log.hpp"
#include "base/scope_exit.hpp"
#include "base/sys.hpp"
#include "cgroup/manager.hpp"
#include "config/legacy/legacy_file.hpp"
#include "config/vserver/tree.hpp"
#include "spec/validate.hpp"
#include "state/lock.hpp"
#include "store/layered_root.hpp"
#include "store/btrfs.hpp"
#include "transfer/archive_writer.hpp"
#include "transfer/progress.hpp"
#include "transfer/tree_reader.hpp"

namespace vs::transfer {

namespace cv = config::vserver;

namespace {

// True when `path` (resolved) lies in `dir` (resolved).
bool inside(const std::string& dir, const std::string& path) {
    char a[PATH_MAX], b[PATH_MAX];
    if (!::realpath(dir.c_str(), a) || !::realpath(path.c_str(), b)) return false;
    std::string d(a), p(b);
    return p == d || (p.size() > d.size() && p.compare(0, d.size(), d) == 0 && p[d.size()] == '/');
}

}  // namespace

const char* consistency_name(Consistency c) {
    switch (c) {
        case Consistency::Stopped:
            return "stopped";
        case Consistency::Snapshot:
            return "btrfs-snapshot";
        case Consistency::Frozen:
            return "frozen";
    }
    return "?";
}

Result<BackupResult> backup(const config::Paths& paths, const std::string& name,
                            const std::string& file, const BackupOptions& opt) {
    VS_TRY(spec::validate_name(name).wrap("backup"));
    if (!sys::is_dir(paths.guest_config(name))) return config::legacy::missing_guest(paths, name);
    auto loaded = VS_TRY(cv::load(paths, name).wrap("backup {}", name));
    const spec::GuestSpec& s = loaded.spec;
    (void)VS_TRY(compression_for(file));
    if (inside(s.root, str::parent_dir(file)))
        return make_error(EINVAL, "backup {}: archive \"{}\" would lie inside the guest's root",
                          name, file);

    BackupResult res;
    res.file = file;
    const int64_t t0 = monotonic_ns();
    auto lock = VS_TRY(state::GuestLock::acquire(paths.guest_run(name)).wrap("backup {}", name));
    // A layered guest's files are seen through its overlay (mounted again after a reboot).
    VS_TRY(store::ensure_root_mounted(s, store::RootUse::Owners).wrap("backup {}", name));

    cgroup::Options co;
    co.root = paths.cgroup_root;
    co.parent = paths.cgroup_parent;
    co.name = name;
    auto cg = VS_TRY(cgroup::open(co).wrap("backup {}", name));
    bool running = false;
    if (cg->exists())
        if (auto pids = cg->pids(); pids && !pids->empty()) running = true;

    std::string root = s.root;
    std::string snapshot;
    bool thaw = false;
    int64_t frozen_at = 0;
    ScopeExit cleanup([&] {
        if (thaw) {
            if (auto r = cg->freeze(false); !r)
                log::error("backup {}: thaw: {}", name, r.error().what());
        }
        if (!snapshot.empty()) {
            if (auto r = store::btrfs::delete_subvolume(snapshot); !r)
                log::warn("backup {}: remove the snapshot: {}", name, r.error().what());
        }
    });
    if (running) {
        // Frozen, the guest's tasks run nothing: a snapshot (or the archive) taken meanwhile is
        // one instant of its files. A btrfs snapshot keeps the freeze to milliseconds.
        const bool subvol = store::btrfs::is_subvolume(s.root).value_or(false);
        frozen_at = monotonic_ns();
        VS_TRY(cg->freeze(true).wrap("backup {}: freeze", name));
        thaw = true;
        if (subvol) {
            std::string snap =
                fmt::format("{}/.backup-{}-{}", str::parent_dir(s.root), name, ::getpid());
            VS_TRY(store::btrfs::snapshot_subvolume(s.root, snap, true).wrap("backup {}", name));
            snapshot = snap;
            VS_TRY(cg->freeze(false).wrap("backup {}: thaw", name));
            thaw = false;
            res.frozen_seconds = double(monotonic_ns() - frozen_at) / 1e9;
            root = snap;
            res.consistency = Consistency::Snapshot;
            lock.release();
        } else {
            res.consistency = Consistency::Frozen;
        }
    }

    auto cfgfd = VS_TRY(sys::open(s.config_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    auto rootfd = VS_TRY(sys::open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    auto w = VS_TRY(ArchiveWriter::create(file).wrap("backup {}", name));
    res.compression = w->compression();

    nlohmann::json manifest = {
        {"format", kFormatVersion},
        {"name", name},
        {"context", s.context ? nlohmann::json(*s.context) : nlohmann::json(nullptr)},
        {"created", int64_t(::time(nullptr))},
        {"consistency", consistency_name(res.consistency)},
    };
    VS_TRY(w->put_file(kManifest, manifest.dump(2) + "\n"));

    Progress progress(fmt::format("backup {}", name), 0, opt.progress);
    if (opt.progress && ::isatty(STDERR_FILENO))
        progress.set_total(tree_bytes(rootfd.get(), s.root));
    TreeReader reader;
    VS_TRY(
        reader.read(cfgfd.get(), s.config_dir, kConfigPrefix, *w, nullptr).wrap("backup {}", name));
    VS_TRY(fault_point("backup:between-trees"));
    VS_TRY(reader.read(rootfd.get(), s.root, kRootPrefix, *w, &progress).wrap("backup {}", name));
    progress.finish();
    VS_TRY(fault_point("backup:before-commit"));
    VS_TRY(w->commit().wrap("backup {}", name));
    res.archive_bytes = w->written();
    if (thaw) {
        thaw = false;
        VS_TRY(cg->freeze(false).wrap("backup {}: thaw", name));
        res.frozen_seconds = double(monotonic_ns() - frozen_at) / 1e9;
    }
    res.entries = reader.stats().entries;
    res.bytes = reader.stats().bytes;
    res.skipped = reader.stats().skipped;
    res.seconds = double(monotonic_ns() - t0) / 1e9;
    return res;
}

}  // namespace vs::transfer
