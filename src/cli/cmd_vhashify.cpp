// vhashify [--all | GUEST...] and `vserver NAME hashify`: share identical files between guests;
// --undo gives a guest private copies again.
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>

#include "base/log.hpp"
#include "cli/registry.hpp"
#include "cli/unify_common.hpp"
#include "config/vserver/tree.hpp"

namespace vs::cli {

namespace {

constexpr const char* kHelp =
    "usage: vhashify [-n|--dry-run] [--json] [--hardlink] (--all | GUEST...)\n"
    "       vhashify --undo [-n] [--json] GUEST\n"
    "  shares files that are identical in the guests: extent dedupe on btrfs and XFS (each\n"
    "  guest keeps its own inode; a write copies only what it changes), an immutable hard\n"
    "  link elsewhere, only with --hardlink (the guest then cannot upgrade or remove a\n"
    "  shared file: docs/unification.md). One GUEST is shared against every other guest,\n"
    "  whose files are only read; several, or --all (every guest with a root), are shared\n"
    "  with each other. Exclude lists: the guest's apps/vunify/exclude,\n"
    "  .defaults/apps/vunify/exclude, then the shipped default (/etc, /var, /home...);\n"
    "  dpkg conffiles are never shared. --undo: private copies again.\n"
    "  A progress line on a terminal; --json prints a summary (docs/unification.md).\n";

// Parses the options; the rest goes to `names`. kOk, or kUsage on an unknown option.
int parse(std::vector<std::string>& args, UnifyRun& r, bool& all, std::vector<std::string>& names,
          const char* tool, bool allow_all) {
    for (const auto& a : args) {
        if (take_unify_option(a, r)) {
            continue;
        } else if (a == "--all" && allow_all) {
            all = true;
        } else if (!a.empty() && a[0] == '-') {
            log::error("{}: unknown option \"{}\" (try --help)", tool, a);
            return kUsage;
        } else {
            names.push_back(a);
        }
    }
    return kOk;
}

int vhashify_main(std::vector<std::string>& args) {
    config::Paths paths = config::Paths::from_env();
    UnifyRun r;
    bool all = false;
    std::vector<std::string> names;
    if (int p = parse(args, r, all, names, "vhashify", true); p != kOk) return p;
    if (all == !names.empty()) {
        log::error("vhashify: give guest names or --all (try --help)");
        return kUsage;
    }
    if (r.undo && (all || names.size() != 1)) {
        log::error("vhashify --undo: give exactly one guest");
        return kUsage;
    }
    if (all) {
        auto list = config::vserver::list_guests(paths);
        if (!list) {
            log::error("{}", list.error().what());
            return kFail;
        }
        names = *list;
    }
    std::vector<unify::GuestTree> trees;
    for (const auto& n : names) {
        auto t = load_tree(paths, n, r.undo);
        if (!t) {
            log::error("{}", t.error().what());
            return kUsage;
        }
        if (all && ::access(t->root.c_str(), F_OK) != 0 && errno == ENOENT) {
            log::warn("vhashify --all: guest {} has no root \"{}\" (never built): left out", n,
                      t->root);
            continue;
        }
        trees.push_back(std::move(*t));
    }
    if (trees.size() == 1 && !r.undo) {
        auto others = other_guests(paths, trees[0].name);
        if (!others) {
            log::error("{}", others.error().what());
            return kFail;
        }
        trees.insert(trees.end(), others->begin(), others->end());
    }
    return run_unify(paths, std::move(trees), r);
}

int cmd_hashify(GuestCommand& c) {
    std::vector<std::string> args = c.args;
    args.push_back(c.guest);
    return vhashify_main(args);
}

RegisterTool tool("vhashify",
                  {"share files that are identical in several guests",
                   kHelp,
                   {"--all", "--undo", "-n", "--dry-run", "--json", "--hardlink"}},
                  vhashify_main);
RegisterGuestCommand reg("hashify",
                         {"share the guest's files with the other guests (vhashify); --undo",
                          "usage: vserver NAME hashify [--undo] [-n|--dry-run] [--json] "
                          "[--hardlink]\n"
                          "  shares NAME's files that are identical in the other guests (whose\n"
                          "  files are only read); --undo gives NAME private copies again.\n",
                          {"--undo", "-n", "--dry-run", "--json", "--hardlink"}},
                         cmd_hashify);

}  // namespace

}  // namespace vs::cli
