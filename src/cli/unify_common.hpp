// What vhashify, vunify and `vserver NAME hashify` share: loading guests as unify::GuestTree and
// running a unification with the common output options.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "unify/unify.hpp"

namespace vs::cli {

struct UnifyRun {
    bool undo = false, dry_run = false, json = false, hardlink = false;
};

/// When `a` is an option every unify command takes (--undo, -n|--dry-run, --json, --hardlink),
/// records it in `r` and returns true.
bool take_unify_option(const std::string& a, UnifyRun& r);

/// Loads the guest's config (validated name, existing config dir): root, config and cache dir.
/// `write`: the run creates files in the guest's root (--undo's private copies).
Result<unify::GuestTree> load_tree(const config::Paths& paths, const std::string& name,
                                   bool write = false);

/// Every guest with a config dir, except `but`, loaded as references.
Result<std::vector<unify::GuestTree>> other_guests(const config::Paths& paths,
                                                   const std::string& but);

/// Runs hashify (or undo of the one non-reference guest), prints the summary (JSON with --json;
/// text on a terminal only) and the skipped files and errors on stderr; the exit code.
int run_unify(const config::Paths& paths, std::vector<unify::GuestTree> trees, const UnifyRun& r);

}  // namespace vs::cli
