// prepare_build: a build request checked and completed before anything is made (method,
// name, context, config through the key registry's parsers).
#include <sys/stat.h>

#include <cerrno>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "config/legacy/legacy_file.hpp"
#include "config/vserver/context_alloc.hpp"
#include "config/vserver/read.hpp"
#include "config/vserver/registry.hpp"
#include "config/vserver/tree.hpp"
#include "spec/validate.hpp"
#include "store/build.hpp"
#include "store/copy_tree.hpp"
#include "store/debootstrap.hpp"
#include "store/idmap_check.hpp"
#include "store/layered_root.hpp"
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
        auto v = cv::peek_context(paths, g);
        if (v && *v == ctx)
            return make_error(EEXIST, "build: --context {}: already used by guest {}", ctx, g);
    }
    return ok();
}

bool inside(const std::string& path, const std::string& dir) {
    return path == dir || str::starts_with(path, dir + "/");
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
    // (docs/security.md). Their range follows from the context, which is unique per guest.
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
            if (req.copy_args.layered)
                return make_error(EINVAL, "build -m rsync: --layered is clone's option");
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
    if (req.method == Method::Clone && req.copy_args.layered) {
        VS_TRY(check_layered_fs(sp.root.substr(0, sp.root.rfind('/'))).wrap("build -m clone"));
    }
    return validate_through_registry(sp).wrap("build: invalid configuration");
}

}  // namespace vs::store
