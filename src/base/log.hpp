// Logging to stderr, separate from errors: VSERVER_DEBUG=1 turns on debug lines.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace vs::log {

enum class Level { Debug, Info, Warn, Error };

bool enabled(Level l);
void write(Level l, std::string_view msg);
/// The program name printed in front of every line ("vserver", "vps", ...).
void set_program(std::string_view name);

template <typename... A>
void debug(fmt::format_string<A...> f, A&&... a) {
    if (enabled(Level::Debug)) write(Level::Debug, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void info(fmt::format_string<A...> f, A&&... a) {
    if (enabled(Level::Info)) write(Level::Info, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void warn(fmt::format_string<A...> f, A&&... a) {
    write(Level::Warn, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void error(fmt::format_string<A...> f, A&&... a) {
    write(Level::Error, fmt::format(f, std::forward<A>(a)...));
}

}  // namespace vs::log
