// `vserver NAME console [--tty N]` (attach a terminal to the guest's console) and vs-consoled,
// the host daemon that holds every guest's console (started by `start`, not by hand).
#include <fmt/format.h>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "cli/lifecycle_common.hpp"
#include "runtime/console.hpp"
#include "spec/validate.hpp"

namespace vs::cli {

namespace {

constexpr const char* kConsoleUsage =
    "usage: vserver NAME console [--tty N]\n"
    "  attaches this terminal to the guest's /dev/console (or its tty N of apps/init/ttys);\n"
    "  Ctrl-] detaches; one terminal at a time per console\n";

int cmd_console(GuestCommand& c) {
    if (auto v = spec::validate_name(c.guest); !v) {
        log::error("{}", v.error().what());
        return kUsage;
    }
    int index = 0;
    for (size_t i = 0; i < c.args.size(); ++i) {
        const auto& a = c.args[i];
        if (a == "--tty" && i + 1 < c.args.size()) {
            auto n = str::parse_u64(c.args[++i]);
            if (!n || *n < 1 || *n > 16) {
                log::error("{} console: --tty {}: a number 1..16 expected", c.guest,
                           str::quote(c.args[i]));
                return kUsage;
            }
            index = static_cast<int>(*n);
        } else {
            log::error("{} console: unexpected argument {}", c.guest, str::quote(a));
            fmt::print(stderr, "{}", kConsoleUsage);
            return kUsage;
        }
    }
    if (auto r = runtime::console::attach(c.paths, c.guest, index); !r) return report(r.error());
    return kOk;
}

constexpr const char* kDaemonUsage =
    "usage: vs-consoled --dir DIR\n"
    "  the host daemon of every guest's console; `vserver NAME start` starts it on demand\n"
    "  with its listening socket as fd 3; not meant to be run by hand\n";

int consoled_main(std::vector<std::string>& args) {
    if (args.size() != 2 || args[0] != "--dir" || args[1].empty() || args[1][0] != '/') {
        log::error("vs-consoled: expected --dir DIR (it is started by `vserver NAME start`)");
        fmt::print(stderr, "{}", kDaemonUsage);
        return kUsage;
    }
    return runtime::console::daemon_main(3, args[1]);
}

RegisterGuestCommand reg_console("console",
                                 {"attach this terminal to the guest's console (Ctrl-] detaches)",
                                  kConsoleUsage,
                                  {"--tty"}},
                                 cmd_console);
RegisterTool reg_consoled(
    "vs-consoled", {"the host daemon holding every guest's console", kDaemonUsage, {"--dir"}},
    consoled_main);

}  // namespace

}  // namespace vs::cli
