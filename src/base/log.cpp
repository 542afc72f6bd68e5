// stderr logger.
#include "base/log.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace vs::log {
namespace {
std::string g_program = "vserver";
Level threshold() {
    static Level l = [] {
        const char* d = std::getenv("VSERVER_DEBUG");
        if (d && *d && std::string(d) != "0") return Level::Debug;
        const char* q = std::getenv("VSERVER_QUIET");
        if (q && *q && std::string(q) != "0") return Level::Warn;
        return Level::Info;
    }();
    return l;
}
}  // namespace

bool enabled(Level l) { return l >= threshold(); }

void set_program(std::string_view name) { g_program = std::string(name); }

void write(Level l, std::string_view msg) {
    const char* tag = l == Level::Debug   ? "debug: "
                      : l == Level::Warn  ? "warning: "
                      : l == Level::Error ? "error: "
                                          : "";
    std::string line = fmt::format("{}: {}{}\n", g_program, tag, msg);
    // One write(2) so lines from concurrent processes do not interleave.
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace vs::log
