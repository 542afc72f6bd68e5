// The build transaction: prepare (no side effects) -> stage -> fill -> commit (renames).
#include "store/build.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>

#include "base/log.hpp"
#include "base/scope_exit.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "config/vserver/context_alloc.hpp"
#include "config/vserver/new_config.hpp"
#include "config/vserver/registry.hpp"
#include "config/vserver/tree.hpp"
#include "fs/remove.hpp"
#include "spec/validate.hpp"
#include "store/copy_tree.hpp"
#include "store/debootstrap.hpp"
#include "store/guest_root.hpp"
#include "store/idmap_check.hpp"
#include "store/leftovers.hpp"
#include "store/skeleton.hpp"
#include "store/template_extract.hpp"

namespace vs::store {

namespace {

namespace cv = config::vserver;

// util-vserver's shipped default fstab (distrib/misc/fstab).
std::vector<spec::FstabEntry> default_fstab() {
    return {{"none", "/proc", "proc", "defaults"},
            {"none", "/tmp", "tmpfs", "size=16m,mode=1777"},
            {"none", "/dev/pts", "devpts", "gid=5,mode=620"}};
}

// Runs the registry's parser for every file the spec renders, into a fresh spec: exactly what
// `load` will do with the written tree, but in memory, before anything exists.
Status validate_through_registry(const spec::GuestSpec& s) {
    spec::GuestSpec t;
    t.name = s.name;
    t.config_dir = s.config_dir;
    t.root = s.root;
    t.cache_dir = s.cache_dir;
    cv::apply_defaults(t);
    cv::LoadState st;
    st.dir = s.config_dir;
    for (auto& f : cv::render(s)) {
        if (f.type == cv::OutFile::Type::Keep) continue;
        cv::KeyFile k{f.rel, s.config_dir + "/" + f.rel, {}, f.content};
        const cv::Key* key = cv::find_key(f.rel, &k.parts);
        if (!key) return make_error(EINVAL, "internal: rendered file {} has no key", f.rel);
        VS_TRY(key->parse(t, st, k).wrap("{}", f.rel));
    }
    VS_TRY(cv::finalize(t, st));
    return spec::validate(t);
}

// --flags is read by the cflags key's own parser, on top of the default flags, so the error can
// name the option and the result is what `load` will see (the writer stores only differences
// from the defaults, so a spec without them would be saved as "every default negated").
Result<std::vector<std::string>> resolve_flags(const spec::GuestSpec& s) {
    spec::GuestSpec t;
    t.name = s.name;
    cv::apply_defaults(t);
    if (s.flags.names.empty()) return t.flags.names;
    const cv::Key* key = cv::find_key("cflags");
    if (!key) return make_error(EINVAL, "internal: no cflags key");
    cv::LoadState st;
    cv::KeyFile k{"cflags", "--flags", {}, str::join(s.flags.names, "\n") + "\n"};
    VS_TRY(key->parse(t, st, k).wrap("build: --flags \"{}\"", str::join(s.flags.names, ",")));
    return t.flags.names;
}

// The context file of every other guest: --context must not collide (it names the cgroup id
// and the disk-quota project).
Status check_context_free(const config::Paths& paths, const std::string& self, uint32_t ctx) {
    for (auto& g : VS_TRY(cv::list_guests(paths))) {
        if (g == self) continue;
        auto t = sys::read_file(paths.guest_config(g) + "/context");
        if (!t) continue;
        auto v = str::parse_u64(str::trim(*t));
        if (v && *v == ctx)
            return make_error(EEXIST, "build: --context {}: already used by guest {}", ctx, g);
    }
    return ok();
}

bool inside(const std::string& path, const std::string& dir) {
    return path == dir || str::starts_with(path, dir + "/");
}

// apps/init/style for methods that copy someone else's tree: sysv when it has /etc/init.d/rc,
// plain when it has /sbin/init, else reaper (our PID 1 only).
Result<spec::InitStyle> detect_style(const std::string& root) {
    auto rfd = VS_TRY(sys::open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    auto has = [&](const char* p) {
        return sys::open_in_root(rfd.get(), p, O_PATH | O_CLOEXEC).has_value();
    };
    if (has("/etc/init.d/rc")) return spec::InitStyle::Sysv;
    if (has("/sbin/init")) return spec::InitStyle::Plain;
    return spec::InitStyle::Reaper;
}

Status rename2(const std::string& from, const std::string& to, unsigned flags) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), flags) < 0)
        return errno_error(fmt::format("rename \"{}\" to \"{}\"", from, to));
    return ok();
}

std::string parent_of(const std::string& p) {
    auto s = p.find_last_of('/');
    return s == 0 ? "/" : p.substr(0, s);
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

}  // namespace

Status prepare_build(const config::Paths& paths, BuildRequest& req) {
    VS_TRY(spec::validate_name(req.spec.name).wrap("build"));
    // The new guest starts from what `load` would start from (util-vserver's defaults and
    // .defaults/), and the command line's settings go on top: the writer stores differences
    // from those defaults, so anything else would be saved as a change.
    const spec::GuestSpec& cmd = req.spec;
    spec::GuestSpec s = VS_TRY(cv::base_spec(paths, cmd.name));
    s.context = cmd.context;
    if (!cmd.nodename.empty()) s.nodename = cmd.nodename;
    s.interfaces = cmd.interfaces;
    if (!cmd.default_dev.empty()) s.default_dev = cmd.default_dev;
    if (cmd.default_prefix != -1) s.default_prefix = cmd.default_prefix;
    s.root = (req.rootdir.empty() ? paths.vdir_base : req.rootdir) + "/" + cmd.name;
    if (s.fstab.empty()) s.fstab = default_fstab();
    if (req.initstyle_given)
        s.init.style = cmd.init.style;
    else if (req.method == Method::Skeleton)
        s.init.style = kSkeletonInitStyle;
    else if (req.method == Method::Debootstrap)
        s.init.style = spec::InitStyle::Sysv;
    s.flags.names = cmd.flags.names;
    s.flags.names = VS_TRY(resolve_flags(s));
    // New guests are user-namespaced unless --no-userns: the only root-safe mode
    // (docs/security.md). Their range follows from the context, unique per guest, so a map
    // inherited from .defaults (shared by every guest) is not kept.
    s.ns.user = req.userns.value_or(true);
    s.idmap.reset();
    req.spec = std::move(s);
    auto& sp = req.spec;
    if (sp.context) VS_TRY(check_context_free(paths, sp.name, *sp.context));
    if (sp.ns.user && sp.context)
        VS_TRY(check_id_range_free(paths, sp.name, *sp.context).wrap("build"));
    if (sp.ns.user) VS_TRY(check_idmap_support(sp.root).wrap("build"));

    switch (req.method) {
        case Method::Skeleton:
            VS_TRY(check_static_elf(busybox_path()).wrap("build -m skeleton"));
            break;
        case Method::Template:
            for (auto& a : req.template_args.archives)
                VS_TRY(check_archive(a).wrap("build -m template: -t \"{}\"", a));
            break;
        case Method::Debootstrap:
            VS_TRY(prepare_debootstrap(req.debootstrap_args).wrap("build"));
            break;
        case Method::Clone: {
            const std::string given = req.copy_args.source;
            req.copy_args.source =
                VS_TRY(resolve_clone_source(paths, req.copy_args.source).wrap("build"));
            // A clone of a guest boots the way that guest does.
            if (!req.initstyle_given && given.find('/') == std::string::npos &&
                sys::exists(paths.guest_config(given))) {
                if (auto src = cv::load(paths, given)) {
                    sp.init.style = src->spec.init.style;
                    req.initstyle_given = true;
                }
            }
            break;
        }
        case Method::Rsync:
            VS_TRY(check_rsync_opts(req.copy_args.rsync_opts).wrap("build"));
            req.copy_args.source = VS_TRY(resolve_rsync_source(req.copy_args.source).wrap("build"));
            break;
    }
    if (req.method == Method::Clone || req.method == Method::Rsync) {
        const auto& src = req.copy_args.source;
        if (src.front() == '/' && (inside(sp.root, src) || inside(src, sp.root)))
            return make_error(EINVAL, "build -m {}: --source \"{}\" overlaps the new root \"{}\"",
                              method_name(req.method), src, sp.root);
        if (src.front() == '/')
            VS_TRY(check_no_submounts(src).wrap("build -m {}", method_name(req.method)));
    }
    return validate_through_registry(sp).wrap("build: invalid configuration");
}

Result<BuildResult> build(const config::Paths& paths, BuildRequest req) {
    VS_TRY(prepare_build(paths, req));
    return build_prepared(paths, std::move(req));
}

Result<BuildResult> build_prepared(const config::Paths& paths, BuildRequest req) {
    auto& s = req.spec;
    const std::string cfg = s.config_dir, root = s.root;
    const bool cfg_exists = sys::exists(cfg), root_exists = sys::exists(root);
    if ((cfg_exists || root_exists) && !req.force)
        return make_error(EEXIST, "build: guest {} already exists ({}); use --force to replace it",
                          s.name, cfg_exists ? cfg : root);
    // A build or write of this guest that was killed left its staging dirs and temporaries.
    sweep_leftovers(paths, s.name, root);
    if (req.force && sys::exists(paths.guest_run(s.name) + "/pid"))
        log::debug("build: {} has run state; replacing only its files", s.name);

    Rollback undo;
    // The root's staging name lives next to it so the commit is a rename on one file system.
    const std::string tag = fmt::format(".build-{}-{}", s.name, ::getpid());
    const std::string root_stage = parent_of(root) + "/" + tag;
    bool root_parent_existed = sys::exists(parent_of(root));
    auto kind = VS_TRY(create_root(root_stage));
    undo.add([root_stage, root, root_parent_existed] {
        warn_if(remove_root(root_stage, RootMounts::DetachPseudo), "build: clean up");
        if (!root_parent_existed) ::rmdir(parent_of(root).c_str());
    });

    log::info("building {} with method {} in {}", s.name, method_name(req.method), root);
    switch (req.method) {
        case Method::Skeleton:
            VS_TRY(fill_skeleton(root_stage, s).wrap("build -m skeleton"));
            break;
        case Method::Template:
            for (auto& a : req.template_args.archives)
                VS_TRY(extract_archive(a, root_stage).wrap("build -m template"));
            break;
        case Method::Debootstrap:
            VS_TRY(run_debootstrap(req.debootstrap_args, root_stage,
                                   s.init.style == spec::InitStyle::Sysv)
                       .wrap("build -m debootstrap"));
            break;
        case Method::Clone:
            VS_TRY(clone_tree(req.copy_args.source, root_stage).wrap("build -m clone"));
            break;
        case Method::Rsync:
            VS_TRY(rsync_tree(req.copy_args.source, root_stage, req.copy_args.rsync_opts)
                       .wrap("build -m rsync"));
            break;
    }
    VS_TRY(mark_root(root_stage, s.name).wrap("build"));
    // The root dir itself is the guest's "/": 0755 root-owned whatever the source had.
    if (::chmod(root_stage.c_str(), 0755) < 0)
        return errno_error(fmt::format("chmod \"{}\"", root_stage));
    if (!req.initstyle_given && req.method != Method::Skeleton && req.method != Method::Debootstrap)
        s.init.style = VS_TRY(detect_style(root_stage));

    if (!s.context) {
        s.context = VS_TRY(cv::allocate_context(paths).wrap("build"));
        if (s.ns.user) VS_TRY(check_id_range_free(paths, s.name, *s.context).wrap("build"));
    }

    // The whole config dir, staged beside its place and loaded back (the check start makes).
    auto cfg_new = VS_TRY(cv::NewConfig::stage(paths, s).wrap("build"));

    // Commit. The cache dir first (harmless if it stays), then the root, then the config dir:
    // a guest exists once its config dir does, and by then its root is complete.
    bool cache_created = false;
    if (!sys::exists(s.cache_dir)) {
        VS_TRY(sys::mkdir_p(s.cache_dir, 0700));
        cache_created = true;
    }
    undo.add([cache = s.cache_dir, cache_created] {
        if (cache_created) warn_if(fs::remove_path(cache), "build: clean up");
    });
    if (root_exists) {
        VS_TRY(rename2(root_stage, root, RENAME_EXCHANGE).wrap("build"));
        undo.add([root_stage, root] {
            warn_if(rename2(root_stage, root, RENAME_EXCHANGE), "build: undo");
        });
    } else {
        VS_TRY(rename2(root_stage, root, RENAME_NOREPLACE).wrap("build"));
        undo.add([root_stage, root] {
            warn_if(rename2(root, root_stage, RENAME_NOREPLACE), "build: undo");
        });
    }
    std::string old_root;
    if (cfg_exists)
        if (auto l = sys::readlink(cfg + "/vdir")) old_root = *l;
    VS_TRY(cfg_new.commit(cfg_exists).wrap("build"));
    undo.commit();

    // Only the replaced guest's leftovers remain in the staging names now (the replaced config
    // goes with cfg_new).
    warn_if(remove_root(root_stage, RootMounts::DetachPseudo), "build: remove the replaced root");
    if (!old_root.empty() && old_root != root) remove_replaced_root(paths, s.name, old_root);

    BuildResult r;
    r.config_dir = cfg;
    r.root = root;
    r.context = s.context.value_or(0);
    r.subvolume = kind == RootKind::BtrfsSubvolume;
    return r;
}

}  // namespace vs::store
