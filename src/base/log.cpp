// stderr logger.
#include "base/log.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "base/strings.hpp"

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
    // Messages embed strings a guest or a config file controls (names, values, command lines):
    // no control byte reaches the admin's terminal, and a message stays one line.
    // Values are cut where they are quoted (str::quote); this bound catches the rest.
    constexpr size_t kMaxLine = 4096;
    std::string text = str::escape_control(msg);
    if (text.size() > kMaxLine)
        text =
            fmt::format("{}... ({} bytes cut)", text.substr(0, kMaxLine), text.size() - kMaxLine);
    std::string line = fmt::format("{}: {}{}\n", g_program, tag, text);
    // One write(2) so lines from concurrent processes do not interleave.
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace vs::log
