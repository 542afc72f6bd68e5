// `vserver NAME delete [--force]`: asks y/N on the terminal unless --force (or --silent).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "cli/lifecycle_common.hpp"
#include "runtime/runtime.hpp"

namespace vs::cli {

namespace {

int cmd_delete(GuestCommand& c) {
    // util-vserver: --silent skips the question, --force also does what --force does below.
    const bool quiet = std::getenv("VSERVER_QUIET") != nullptr;
    bool force = false;
    for (auto& a : c.args) {
        if (a == "--force" || a == "-f") {
            force = true;
        } else {
            log::error("{} delete: unexpected argument \"{}\" (usage: delete [--force])", c.guest,
                       a);
            return kUsage;
        }
    }
    auto spec = runtime::load_guest(c.paths, c.guest);
    if (!spec) {
        // A config with invalid values must not make a guest undeletable: --force deletes it
        // from its paths and the defaults (its stop needs nothing more).
        auto fallback = force ? runtime::spec_for_delete(c.paths, c.guest) : spec;
        if (!fallback) {
            log::error("{}", spec.error().what());
            if (spec.error().code != ENOENT && runtime::spec_for_delete(c.paths, c.guest))
                log::error("{} delete: use --force to delete it with an invalid config", c.guest);
            return kUsage;
        }
        log::warn("{}; deleting guest \"{}\" anyway", spec.error().what(), c.guest);
        spec = std::move(fallback);
    }
    if (!force && !quiet) {
        if (!::isatty(STDIN_FILENO)) {
            log::error("delete guest \"{}\": no terminal to ask on; use --force", c.guest);
            return kUsage;
        }
        std::fprintf(stderr, "Delete guest '%s' with its root \"%s\" and config \"%s\"? [y/N] ",
                     c.guest.c_str(), str::escape_control(spec->root).c_str(),
                     str::escape_control(spec->config_dir).c_str());
        std::fflush(stderr);
        char buf[16] = {};
        if (!std::fgets(buf, sizeof buf, stdin) || (buf[0] != 'y' && buf[0] != 'Y')) {
            std::fprintf(stderr, "not deleted\n");
            return kFail;
        }
    }
    runtime::RemoveOptions opt;
    opt.force = force;
    if (auto r = runtime::remove(c.paths, *spec, opt); !r) return report(r.error());
    return kOk;
}

RegisterGuestCommand reg(
    "delete",
    {"stop and remove the guest: root, config, cache, run dir (--force: no question, detaches "
     "proc/sysfs/devpts left in the root, works with an invalid config)",
     "usage: vserver [--silent] NAME delete [--force]\n"
     "  --force, -f  no question; also with an invalid config\n",
     {"--force"}},
    cmd_delete);

}  // namespace

}  // namespace vs::cli
