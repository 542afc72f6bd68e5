// `vserver NAME delete [--force]`: asks y/N on the terminal unless --force (or --silent).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/log.hpp"
#include "cli/lifecycle_common.hpp"
#include "runtime/runtime.hpp"

namespace vs::cli {

namespace {

int cmd_delete(GuestCommand& c) {
    bool force =
        std::getenv("VSERVER_QUIET") != nullptr;  // util-vserver: --silent skips the question
    for (auto& a : c.args) {
        if (a == "--force" || a == "-f") {
            force = true;
        } else {
            log::error("{} delete: unexpected argument \"{}\" (usage: delete [--force])", c.guest,
                       a);
            return kUsage;
        }
    }
    int code = kOk;
    auto spec = load_or_report(c, code);
    if (!spec) return code;
    if (!force) {
        if (!::isatty(STDIN_FILENO)) {
            log::error("delete guest \"{}\": no terminal to ask on; use --force", c.guest);
            return kUsage;
        }
        std::fprintf(stderr, "Delete guest '%s' with its root \"%s\" and config \"%s\"? [y/N] ",
                     c.guest.c_str(), spec->root.c_str(), spec->config_dir.c_str());
        std::fflush(stderr);
        char buf[16] = {};
        if (!std::fgets(buf, sizeof buf, stdin) || (buf[0] != 'y' && buf[0] != 'Y')) {
            std::fprintf(stderr, "not deleted\n");
            return kFail;
        }
    }
    if (auto r = runtime::remove(c.paths, *spec); !r) return report(r.error());
    return kOk;
}

RegisterGuestCommand reg(
    "delete", "stop and remove the guest: root, config, cache, run dir (--force: no question)",
    cmd_delete);

}  // namespace

}  // namespace vs::cli
