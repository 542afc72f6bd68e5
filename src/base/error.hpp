// Error: an errno plus a message chain, outermost context first (DESIGN.md §3).
#pragma once

#include <fmt/format.h>

#include <string>
#include <utility>

namespace vs {

struct Error {
    int code = 0;         ///< errno, or 0 when the failure is not a system call's
    std::string message;  ///< "start guest web1: write \"/sys/...\""

    Error() = default;
    Error(int c, std::string m) : code(c), message(std::move(m)) {}

    /// Adds an outer context: "ctx: <old message>".
    Error& wrap(std::string_view ctx) {
        message = message.empty() ? std::string(ctx) : fmt::format("{}: {}", ctx, message);
        return *this;
    }

    /// The printable text: message plus strerror(code) when code is set.
    std::string what() const;
};

/// Builds an Error from a format string: make_error(EINVAL, "bad ip {}", ip).
template <typename... A>
Error make_error(int code, fmt::format_string<A...> f, A&&... args) {
    return Error(code, fmt::format(f, std::forward<A>(args)...));
}

/// Same, for a failed system call: takes errno at the call site.
Error errno_error(std::string message);

}  // namespace vs
