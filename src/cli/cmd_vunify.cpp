// vunify [-R] GUEST [--ref REF]...: share a guest's files with its reference guests (the
// apps/vunify/refserver.* links, util-vserver's), never changing the references.
#include <fmt/format.h>

#include "base/log.hpp"
#include "base/sys.hpp"
#include "cli/registry.hpp"
#include "cli/unify_common.hpp"

namespace vs::cli {

namespace {

constexpr const char* kHelp =
    "usage: vunify [-R|--undo] [-n|--dry-run] [--json] [--hardlink] GUEST [--ref REFGUEST]...\n"
    "  shares GUEST's files that are identical in its reference guests: --ref, else the\n"
    "  guests the links apps/vunify/refserver.* of its config dir point to. The references'\n"
    "  files are read, never replaced. -R gives GUEST private copies again.\n";

int vunify_main(std::vector<std::string>& args) {
    config::Paths paths = config::Paths::from_env();
    UnifyRun r;
    std::vector<std::string> names, refs;
    for (size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        if (take_unify_option(a, r)) {
            continue;
        } else if (a == "-R") {  // util-vserver's spelling of --undo
            r.undo = true;
        } else if (a == "--ref") {
            if (i + 1 >= args.size()) {
                log::error("vunify: --ref needs a guest name");
                return kUsage;
            }
            refs.push_back(args[++i]);
        } else if (!a.empty() && a[0] == '-') {
            log::error("vunify: unknown option \"{}\" (try --help)", a);
            return kUsage;
        } else {
            names.push_back(a);
        }
    }
    if (names.size() != 1) {
        log::error("vunify: give exactly one guest (try --help)");
        return kUsage;
    }
    auto t = load_tree(paths, names[0], r.undo);
    if (!t) {
        log::error("{}", t.error().what());
        return kUsage;
    }
    std::vector<unify::GuestTree> trees{*t};
    if (r.undo) return run_unify(paths, std::move(trees), r);
    if (refs.empty()) {
        // util-vserver: apps/vunify/refserver.<X> -> /etc/vservers/<ref>, taken in name order.
        std::string dir = t->config_dir + "/apps/vunify";
        auto list = sys::list_dir(dir);
        if (list) {
            std::sort(list->begin(), list->end());
            for (const auto& n : *list) {
                if (n.rfind("refserver.", 0) != 0) continue;
                auto target = sys::readlink(dir + "/" + n);
                if (!target) {
                    log::error("{}", target.error().what());
                    return kUsage;
                }
                std::string s = *target;
                while (s.size() > 1 && s.back() == '/') s.pop_back();
                refs.push_back(s.substr(s.rfind('/') + 1));
            }
        }
    }
    if (refs.empty()) {
        log::error(
            "vunify: guest {} has no reference guest: give --ref REFGUEST or link "
            "{}/apps/vunify/refserver.1 to one",
            names[0], t->config_dir);
        return kUsage;
    }
    for (const auto& n : refs) {
        if (n == names[0]) {
            log::error("vunify: guest {} cannot be its own reference", n);
            return kUsage;
        }
        auto rt = load_tree(paths, n);
        if (!rt) {
            log::error("reference guest: {}", rt.error().what());
            return kUsage;
        }
        rt->reference = true;
        trees.push_back(std::move(*rt));
    }
    return run_unify(paths, std::move(trees), r);
}

RegisterTool tool("vunify",
                  {"share a guest's files with its reference guests",
                   kHelp,
                   {"-R", "--undo", "-n", "--dry-run", "--json", "--hardlink", "--ref"}},
                  vunify_main);

}  // namespace

}  // namespace vs::cli
