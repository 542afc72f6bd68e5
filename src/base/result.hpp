// Result<T>: a value or an Error, spelled like std::expected (which GCC 12 lacks).
#pragma once

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/error.hpp"

namespace vs {

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T v) : v_(std::in_place_index<0>, std::move(v)) {}      // NOLINT: implicit on purpose
    Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}  // NOLINT

    bool has_value() const { return v_.index() == 0; }
    explicit operator bool() const { return has_value(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    Error& error() & { return std::get<1>(v_); }
    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

    template <typename U>
    T value_or(U&& other) const& {
        return has_value() ? value() : static_cast<T>(std::forward<U>(other));
    }

    /// Adds context to the error, formatted only when there is one. Returns by value so that
    /// `VS_TRY(f().wrap(...))` binds to a lifetime-extended prvalue, not to f()'s dead temporary.
    template <typename... A>
    Result wrap(fmt::format_string<A...> f, A&&... args) && {
        if (!has_value()) error().wrap(fmt::format(f, std::forward<A>(args)...));
        return std::move(*this);
    }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error e) : e_(std::move(e)) {}  // NOLINT

    bool has_value() const { return !e_.has_value(); }
    explicit operator bool() const { return has_value(); }
    void value() const {}
    Error& error() & { return *e_; }
    const Error& error() const& { return *e_; }
    Error&& error() && { return std::move(*e_); }

    template <typename... A>
    Result wrap(fmt::format_string<A...> f, A&&... args) && {
        if (e_) e_->wrap(fmt::format(f, std::forward<A>(args)...));
        return std::move(*this);
    }

private:
    std::optional<Error> e_;
};

using Status = Result<void>;
inline Status ok() { return {}; }

}  // namespace vs

/// Evaluates a Result; returns its Error from the enclosing function, else yields the value.
/// Uses a GNU statement expression (GCC and clang) so it works as `auto x = VS_TRY(f());`.
#define VS_TRY(expr)                                                     \
    ({                                                                   \
        auto&& vs_try_r_ = (expr);                                       \
        if (!vs_try_r_.has_value()) return std::move(vs_try_r_).error(); \
        std::move(vs_try_r_).value();                                    \
    })
