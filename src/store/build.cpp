// The build transaction: the phases of Build (stage the root, fill it, finish it, stage the
// config, commit with renames, remove what was replaced) on a request build_prepare.cpp checked.
#include "store/build.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <vector>

#include "base/fault.hpp"
#include "base/log.hpp"
#include "base/scope_exit.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "config/legacy/legacy_file.hpp"
#include "config/vserver/context_alloc.hpp"
#include "config/vserver/new_config.hpp"
#include "config/vserver/tree.hpp"
#include "fs/remove.hpp"
#include "fs/resolve.hpp"
#include "store/btrfs.hpp"
#include "store/copy_tree.hpp"
#include "store/debootstrap.hpp"
#include "store/guest_root.hpp"
#include "store/idmap_check.hpp"
#include "store/layered_root.hpp"
#include "store/leftovers.hpp"
#include "store/skeleton.hpp"
#include "store/template_extract.hpp"

namespace vs::store {

namespace {

namespace cv = config::vserver;

// apps/init/style for methods that copy someone else's tree: sysv when it has /etc/init.d/rc,
// plain when it has /sbin/init, else reaper (our PID 1 only).
Result<spec::InitStyle> detect_style(const std::string& root) {
    auto rfd = VS_TRY(sys::open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    auto has = [&](const char* p) { return fs::open_in_root(rfd.get(), p, O_PATH).has_value(); };
    // systemd-sysv makes /sbin/init a link to systemd (read through an O_PATH|O_NOFOLLOW fd
    // found inside the root, never following the tree's links outside it).
    if (auto l = fs::open_in_root(rfd.get(), "/sbin/init", O_PATH | O_NOFOLLOW)) {
        char buf[256];
        ssize_t n = ::readlinkat(l->get(), "", buf, sizeof buf);
        std::string_view text(buf, n > 0 ? static_cast<size_t>(n) : 0);
        if (text.size() >= 8 && text.substr(text.size() - 8) == "/systemd")
            return spec::InitStyle::Systemd;
    }
    if (has("/etc/init.d/rc")) return spec::InitStyle::Sysv;
    if (has("/sbin/init")) return spec::InitStyle::Plain;
    return spec::InitStyle::Reaper;
}

Status rename2(const std::string& from, const std::string& to, unsigned flags) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), flags) < 0)
        return errno_error(fmt::format("rename \"{}\" to \"{}\"", from, to));
    return ok();
}

void warn_if(const Status& s, std::string_view what) {
    if (!s) log::warn("{}: {}", what, s.error().what());
}

// The root the replaced config's vdir named, removed only when it was that guest's own (see
// root_owner): a vdir pointing at an admin's directory leaves it in place.
void remove_replaced_root(const config::Paths& paths, const std::string& name,
                          const std::string& old_root) {
    auto owner = root_owner(old_root, name, paths.vdir_base);
    if (!owner) return warn_if(Status(std::move(owner).error()), "build: the replaced root");
    if (!owner->exists) return;
    if (!owner->ours)
        return log::warn("build: left the replaced root \"{}\" in place: {}", owner->real,
                         owner->why_not);
    warn_if(remove_root(owner->real, RootMounts::DetachPseudo), "build: remove the replaced root");
}

// One build as a list of phases (build_prepared). The root's staging name lives next to it,
// so the commit is a rename on one file system; every step that makes something registers its
// undo, which runs unless the commit completes.
class Build {
public:
    Build(const config::Paths& paths, BuildRequest& req)
        : root(req.spec.root),
          paths_(paths),
          req_(req),
          s_(req.spec),
          cfg_(req.spec.config_dir),
          root_stage_(str::parent_dir(root) + "/" +
                      fmt::format(".build-{}-{}", s_.name, ::getpid())) {}

    const std::string root;

    /// An existing guest (config dir or root) is replaced only with --force.
    Status check_target() {
        cfg_exists_ = sys::exists(cfg_);
        root_exists_ = sys::exists(root);
        if ((cfg_exists_ || root_exists_) && !req_.force)
            return make_error(EEXIST,
                              "build: guest {} already exists ({}); use --force to replace it",
                              s_.name, cfg_exists_ ? cfg_ : root);
        // A guest of util-vserver's legacy format is converted, not shadowed by a new one.
        std::string legacy = config::legacy::legacy_file(paths_, s_.name);
        struct stat st {};
        if (!cfg_exists_ && !req_.force && ::lstat(legacy.c_str(), &st) == 0 && S_ISREG(st.st_mode))
            return make_error(EEXIST,
                              "build: guest {} exists in the legacy config \"{}\": convert it "
                              "with `vserver {} import-legacy` (--force builds a new guest)",
                              s_.name, legacy, s_.name);
        // A layered root is a mount point, which no rename moves: delete that guest first.
        if (req_.force && cfg_exists_)
            if (auto old = cv::load(paths_, s_.name); old && old->spec.layered)
                return make_error(EBUSY,
                                  "build: guest {} has a layered root; --force cannot replace "
                                  "it: delete it first",
                                  s_.name);
        if (req_.force && sys::exists(paths_.guest_run(s_.name) + "/pid"))
            log::debug("build: {} has run state; replacing only its files", s_.name);
        return ok();
    }

    /// The staging root (a subvolume on btrfs), marked as being built by this process, so a
    /// killed build's root is recognised and removed (leftovers.hpp).
    Status stage_root() {
        VS_TRY(make_parent());
        if (VS_TRY(snapshot_source()))
            kind_ = RootKind::BtrfsSubvolume;
        else
            kind_ = VS_TRY(create_root(root_stage_));
        undo_.add([stage = root_stage_] {
            warn_if(remove_root(stage, RootMounts::DetachPseudo), "build: clean up");
        });
        return mark_building(root_stage_).wrap("build");
    }

    /// The roots dir and any missing dir above it, root-only (create_root's barrier). Its undo
    /// is registered first, so whatever fails after (even mkdir_p half-way) leaves none of the
    /// dirs this build made. Only what mkdir_p made itself is undone: a concurrent build into
    /// the same new roots dir may make it first (EEXIST, a directory), and it is theirs.
    Status make_parent() {
        auto made = std::make_shared<std::vector<std::string>>();  // outermost first
        undo_.add([made] {
            for (auto d = made->rbegin(); d != made->rend(); ++d) ::rmdir(d->c_str());
        });
        return sys::mkdir_p(str::parent_dir(root), 0700, made.get());
    }

    /// build -m clone of a btrfs subvolume into the same btrfs: a snapshot, which shares every
    /// extent and metadata block with the source (a reflink copy shares the data only: inline
    /// files, inodes and directories are written again). False: no snapshot possible here (not
    /// btrfs, a source that is no subvolume, another filesystem), copy instead. The source is
    /// opened once: the subvolume checked is the one snapshotted.
    Result<bool> snapshot_source() {
        if (req_.method != Method::Clone || req_.copy_args.layered) return false;
        const std::string& src = req_.copy_args.source;
        auto sfd = sys::open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (!sfd || !btrfs::is_subvolume(sfd->get()).value_or(false)) return false;
        auto pfd =
            VS_TRY(sys::open(str::parent_dir(root_stage_), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!VS_TRY(btrfs::is_btrfs(pfd.get()))) return false;
        VS_TRY(fault_point("build:snapshot").wrap("build -m clone"));
        auto r = btrfs::snapshot_subvolume(sfd->get(), src, root_stage_, false);
        if (!r && r.error().code == EXDEV) return false;
        VS_TRY(std::move(r).wrap("build -m clone"));
        snapshot_ = true;
        return true;
    }

    /// The method's work: the only phase that takes long.
    Status fill_root() {
        log::info("building {} with method {} in {}", s_.name, method_name(req_.method), root);
        switch (req_.method) {
            case Method::Skeleton:
                return fill_skeleton(root_stage_, s_).wrap("build -m skeleton");
            case Method::Template:
                for (auto& a : req_.template_args.archives)
                    VS_TRY(extract_archive(a, root_stage_).wrap("build -m template"));
                return ok();
            case Method::Debootstrap:
                return run_debootstrap(req_.debootstrap_args, root_stage_,
                                       s_.init.style == spec::InitStyle::Sysv)
                    .wrap("build -m debootstrap");
            case Method::Clone:
                if (snapshot_) return ok();
                if (req_.copy_args.layered) return fill_layered();
                return clone_tree(req_.copy_args.source, root_stage_).wrap("build -m clone");
            case Method::Rsync:
                return rsync_tree(req_.copy_args.source, root_stage_, req_.copy_args.rsync_opts)
                    .wrap("build -m rsync");
        }
        return ok();
    }

    /// clone --layered: the root stays an empty mount point; the base and the guest's layer are
    /// made (or the base shared) under <rootdir>/.layers, and the kernel is asked to mount them
    /// once (a detached overlay, dropped) so a build never commits a root that cannot mount.
    Status fill_layered() {
        layers_ = VS_TRY(make_layers(str::parent_dir(root), req_.copy_args.source, s_.name, undo_)
                             .wrap("build"));
        VS_TRY(make_overlay(*layers_).wrap("build -m clone --layered"));
        return fault_point("build:layers-made");
    }

    /// The root's own marker, mode and the init style found in it.
    Status finish_root() {
        VS_TRY(mark_root(root_stage_, s_.name).wrap("build"));
        // Through the overlay the root dir is the upper's: marked too, so delete knows it.
        if (layers_) VS_TRY(mark_root(layers_->upper, s_.name).wrap("build"));
        // The root dir itself is the guest's "/": 0755 root-owned whatever the source had.
        if (::chmod(root_stage_.c_str(), 0755) < 0)
            return errno_error(fmt::format("chmod \"{}\"", root_stage_));
        if (!req_.initstyle_given && req_.method != Method::Skeleton) {
            // debootstrap keeps sysv unless the suite installed systemd as /sbin/init.
            auto found = VS_TRY(detect_style(layers_ ? layers_->lower : root_stage_));
            if (req_.method != Method::Debootstrap || found == spec::InitStyle::Systemd)
                s_.init.style = found;
        }
        return ok();
    }

    /// The context (and, user-namespaced, its free id range), then the whole config dir, staged
    /// beside its place and loaded back (the check start makes).
    Status stage_config() {
        s_.layered = layers_;
        if (!s_.context) {
            s_.context = VS_TRY(cv::allocate_context(paths_).wrap("build"));
            if (s_.ns.user) VS_TRY(check_id_range_free(paths_, s_.name, *s_.context).wrap("build"));
        }
        cfg_new_.emplace(VS_TRY(cv::NewConfig::stage(paths_, s_).wrap("build")));
        return ok();
    }

    /// The cache dir first (harmless if it stays), then the root, then the config dir: a guest
    /// exists once its config dir does, and by then its root is complete. A build killed
    /// between the two renames leaves a root still marked as being built, without a config:
    /// the next operation on the name removes it.
    Status commit() {
        bool cache_created = false;
        if (!sys::exists(s_.cache_dir)) {
            VS_TRY(sys::mkdir_p(s_.cache_dir, 0700));
            cache_created = true;
        }
        undo_.add([cache = s_.cache_dir, cache_created] {
            if (cache_created) warn_if(fs::remove_path(cache), "build: clean up");
        });
        const unsigned how = root_exists_ ? RENAME_EXCHANGE : RENAME_NOREPLACE;
        VS_TRY(rename2(root_stage_, root, how).wrap("build"));
        undo_.add([stage = root_stage_, r = root, how] {
            if (how == RENAME_EXCHANGE)
                warn_if(rename2(stage, r, RENAME_EXCHANGE), "build: undo");
            else
                warn_if(rename2(r, stage, RENAME_NOREPLACE), "build: undo");
        });
        VS_TRY(fault_point("build:between-renames"));
        if (cfg_exists_)
            if (auto l = sys::readlink(cfg_ + "/vdir")) old_root_ = *l;
        VS_TRY(cfg_new_->commit(cfg_exists_).wrap("build"));
        undo_.commit();
        warn_if(clear_building(root), "build");
        if (layers_) {
            warn_if(commit_layers(*layers_), "build");
            // Mounted now for the admin's look at it; start and the tools mount it anyway.
            warn_if(ensure_root_mounted(s_), "build");
        }
        return ok();
    }

    /// Only the replaced guest's leftovers remain in the staging names now (the replaced config
    /// goes with cfg_new_).
    void remove_replaced() {
        warn_if(remove_root(root_stage_, RootMounts::DetachPseudo),
                "build: remove the replaced root");
        if (!old_root_.empty() && old_root_ != root)
            remove_replaced_root(paths_, s_.name, old_root_);
    }

    BuildResult result() const {
        BuildResult r;
        r.config_dir = cfg_;
        r.root = root;
        r.context = s_.context.value_or(0);
        r.subvolume = kind_ == RootKind::BtrfsSubvolume;
        return r;
    }

private:
    const config::Paths& paths_;
    BuildRequest& req_;
    spec::GuestSpec& s_;
    const std::string cfg_, root_stage_;
    bool cfg_exists_ = false, root_exists_ = false;
    RootKind kind_ = RootKind::Directory;
    bool snapshot_ = false;  ///< the root is a btrfs snapshot of the clone's source
    std::optional<spec::LayeredRoot> layers_;  ///< clone --layered: the overlay's layers
    std::string old_root_;
    Rollback undo_;
    // Destroyed first: an uncommitted staged config goes, then undo_ rolls the root back; the
    // two never touch the same files.
    std::optional<cv::NewConfig> cfg_new_;
};

}  // namespace

Result<BuildResult> build(const config::Paths& paths, BuildRequest req) {
    VS_TRY(prepare_build(paths, req));
    return build_prepared(paths, std::move(req));
}

Result<BuildResult> build_prepared(const config::Paths& paths, BuildRequest req) {
    Build b(paths, req);
    // A build or write of this guest that was killed left its staging dirs and temporaries,
    // or a root without a config: they go before the target is looked at.
    sweep_leftovers(paths, req.spec.name, b.root);
    VS_TRY(b.check_target());
    VS_TRY(b.stage_root());
    VS_TRY(fault_point("build:after-stage"));
    VS_TRY(b.fill_root());
    VS_TRY(fault_point("build:after-fill"));
    VS_TRY(b.finish_root());
    VS_TRY(b.stage_config());
    VS_TRY(fault_point("build:after-config"));
    VS_TRY(b.commit());
    b.remove_replaced();
    return b.result();
}

}  // namespace vs::store
