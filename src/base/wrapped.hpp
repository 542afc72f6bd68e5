// vs::wrapped(result, fmt, ...): Result::wrap returning by value, safe inside VS_TRY.
// `VS_TRY(f().wrap(...))` binds VS_TRY's `auto&&` to the Result&& that wrap() returns, which
// refers to f()'s temporary; that temporary dies at the end of the declaration, so the macro then
// reads a dead object (GCC 12 -Wmaybe-uninitialized catches it). A prvalue is lifetime-extended.
#pragma once

#include <utility>

#include "base/result.hpp"

namespace vs {

template <typename T, typename... A>
Result<T> wrapped(Result<T> r, fmt::format_string<A...> f, A&&... args) {
    if (!r.has_value()) r.error().wrap(fmt::format(f, std::forward<A>(args)...));
    return r;
}

}  // namespace vs
