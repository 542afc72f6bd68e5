// Lifecycle CLI helpers.
#include "cli/lifecycle_common.hpp"

#include "base/log.hpp"
#include "runtime/runtime.hpp"

namespace vs::cli {

std::optional<spec::GuestSpec> load_or_report(GuestCommand& c, int& exit_code) {
    auto s = runtime::load_guest(c.paths, c.guest);
    if (!s) {
        log::error("{}", s.error().what());
        exit_code = kUsage;
        return std::nullopt;
    }
    return std::move(*s);
}

int report(const Error& err) {
    log::error("{}", err.what());
    return kFail;
}

bool no_args(const GuestCommand& c, const char* cmd, int& exit_code) {
    if (c.args.empty()) return true;
    log::error("{} {}: unexpected argument \"{}\"", c.guest, cmd, c.args[0]);
    exit_code = kUsage;
    return false;
}

}  // namespace vs::cli
