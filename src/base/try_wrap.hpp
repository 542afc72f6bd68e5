// VS_TRY_WRAP: VS_TRY with added context, safe where `VS_TRY(f().wrap(...))` is not.
//
// Result::wrap() && returns a Result&& to the temporary f() returned; VS_TRY binds that to a
// reference whose temporary dies at the end of the declaration, so `VS_TRY(f().wrap(...))`
// reads a destroyed object (GCC 12 reports it as maybe-uninitialized). This macro keeps the
// Result by value.
#pragma once

#include <fmt/format.h>

#include "base/result.hpp"

/// auto v = VS_TRY_WRAP(f(), "context {}", x);  -> returns Error("context x: ...") on failure.
#define VS_TRY_WRAP(expr, ...)                                                   \
    ({                                                                           \
        auto vs_tw_r_ = (expr);                                                  \
        if (!vs_tw_r_.has_value())                                               \
            return std::move(vs_tw_r_.error().wrap(fmt::format(__VA_ARGS__)));   \
        std::move(vs_tw_r_).value();                                             \
    })
