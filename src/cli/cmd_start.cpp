// `vserver NAME start [--rescue CMD ARGS...]`.
#include "base/log.hpp"
#include "cli/lifecycle_common.hpp"
#include "runtime/runtime.hpp"

namespace vs::cli {

namespace {

int cmd_start(GuestCommand& c) {
    runtime::StartOptions opt;
    if (!c.args.empty()) {
        if (c.args[0] != "--rescue" || c.args.size() < 2) {
            log::error("{} start: unexpected argument \"{}\" (usage: start [--rescue CMD ARGS...])",
                       c.guest, c.args[0]);
            return kUsage;
        }
        opt.rescue_cmd.assign(c.args.begin() + 1, c.args.end());
    }
    int code = kOk;
    auto spec = load_or_report(c, code);
    if (!spec) return code;
    if (auto r = runtime::start(c.paths, *spec, opt); !r) return report(r.error());
    return kOk;
}

RegisterGuestCommand reg("start",
                         {"start the guest (start --rescue CMD ARGS: with CMD as PID 1)",
                          "usage: vserver NAME start [--rescue CMD ARGS...]\n"
                          "  --rescue  run CMD ARGS as the guest's PID 1 instead of its init\n",
                          {"--rescue"}},
                         cmd_start);

}  // namespace

}  // namespace vs::cli
