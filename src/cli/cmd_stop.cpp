// `vserver NAME stop`, `restart`, `condrestart`.
#include "cli/lifecycle_common.hpp"
#include "runtime/runtime.hpp"

namespace vs::cli {

namespace {

int cmd_stop(GuestCommand& c) {
    int code = kOk;
    if (!no_args(c, "stop", code)) return code;
    auto spec = load_or_report(c, code);
    if (!spec) return code;
    if (auto r = runtime::stop(c.paths, *spec); !r) return report(r.error());
    return kOk;
}

int cmd_restart(GuestCommand& c) {
    int code = kOk;
    if (!no_args(c, "restart", code)) return code;
    auto spec = load_or_report(c, code);
    if (!spec) return code;
    if (auto r = runtime::restart(c.paths, *spec); !r) return report(r.error());
    return kOk;
}

int cmd_condrestart(GuestCommand& c) {
    int code = kOk;
    if (!no_args(c, "condrestart", code)) return code;
    auto spec = load_or_report(c, code);
    if (!spec) return code;
    if (auto r = runtime::condrestart(c.paths, *spec); !r) return report(r.error());
    return kOk;
}

RegisterGuestCommand reg_stop("stop",
                              {"stop the guest (apps/init/killseq, then no process is left)",
                               "usage: vserver NAME stop\n",
                               {}},
                              cmd_stop);
RegisterGuestCommand reg_restart(
    "restart", {"stop, then start the guest", "usage: vserver NAME restart\n", {}}, cmd_restart);
RegisterGuestCommand reg_cond(
    "condrestart", {"restart the guest if it is running", "usage: vserver NAME condrestart\n", {}},
    cmd_condrestart);

}  // namespace

}  // namespace vs::cli
