// Loading guests for unification and printing its result (unify_common.hpp).
#include "cli/unify_common.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "base/log.hpp"
#include "config/vserver/tree.hpp"
#include "runtime/runtime.hpp"
#include "store/layered_root.hpp"
#include "spec/validate.hpp"
#include "cli/registry.hpp"

namespace vs::cli {

bool take_unify_option(const std::string& a, UnifyRun& r) {
    if (a == "--undo")
        r.undo = true;
    else if (a == "-n" || a == "--dry-run")
        r.dry_run = true;
    else if (a == "--json")
        r.json = true;
    else if (a == "--hardlink")
        r.hardlink = true;
    else
        return false;
    return true;
}

Result<unify::GuestTree> load_tree(const config::Paths& paths, const std::string& name,
                                   bool write) {
    VS_TRY(spec::validate_name(name));
    VS_TRY(runtime::guest_exists(paths, name));
    auto loaded = VS_TRY(config::vserver::load(paths, name));
    // A layered guest's files are seen through its overlay (mounted again after a reboot).
    VS_TRY(store::ensure_root_mounted(loaded.spec,
                                      write ? store::RootUse::Write : store::RootUse::Read));
    unify::GuestTree t;
    t.name = name;
    t.root = loaded.spec.root;
    t.config_dir =
        loaded.spec.config_dir.empty() ? paths.guest_config(name) : loaded.spec.config_dir;
    t.cache_dir = loaded.spec.cache_dir;
    return t;
}

Result<std::vector<unify::GuestTree>> other_guests(const config::Paths& paths,
                                                   const std::string& but) {
    std::vector<unify::GuestTree> out;
    for (const auto& n : VS_TRY(config::vserver::list_guests(paths))) {
        if (n == but) continue;
        auto t = load_tree(paths, n);
        if (!t) {
            log::warn("not using guest {} as a source: {}", n, t.error().what());
            continue;
        }
        if (::access(t->root.c_str(), F_OK) != 0) continue;  // configured, never built
        t->reference = true;
        out.push_back(std::move(*t));
    }
    return out;
}

int run_unify(const config::Paths& paths, std::vector<unify::GuestTree> trees, const UnifyRun& r) {
    unify::Options opt;
    opt.defaults_dir = paths.config_dir + "/.defaults";
    opt.dry_run = r.dry_run;
    opt.allow_hardlink = r.hardlink;
    opt.progress = !r.json && ::isatty(STDERR_FILENO);
    Result<unify::Summary> s = make_error(EINVAL, "nothing to do");
    if (r.undo) {
        for (const auto& t : trees)
            if (!t.reference) {
                s = unify::undo(t, opt);
                break;
            }
    } else {
        s = unify::hashify(trees, opt);
    }
    if (!s) {
        log::error("{}", s.error().what());
        return s.error().code == EINVAL ? kUsage : kFail;
    }
    bool errors = false;
    for (const auto& g : s->guests) {
        for (const auto& c : g.changed)
            log::warn("{}: skipped \"{}\": it changed while being hashed or shared", g.name, c);
        for (const auto& e : g.errors) log::error("{}: {}", g.name, e);
        errors = errors || !g.errors.empty();
    }
    if (r.json)
        fmt::print("{}", unify::summary_json(*s));
    else if (::isatty(STDOUT_FILENO))
        fmt::print("{}", unify::summary_text(*s));
    return errors ? kFail : kOk;
}

}  // namespace vs::cli
