// fmt's compiled part inside the vserver binary (VS_STATIC_DEPS): Debian ships libfmt only as a
// shared library, and libfmt.so pulls libstdc++.so in. With the few out-of-line functions our
// objects call emitted here, vserver links libstdc++ statically and the loader maps neither
// (every `vserver` run saves that loading and relocation; bench/README.md).
#undef FMT_SHARED
#define FMT_HEADER_ONLY
#include <fmt/format.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace vs::fmt_static {

namespace {

template <typename F>
void* addr(F* f) {
    return reinterpret_cast<void*>(f);
}

}  // namespace

// Taking a function's address makes the compiler emit its out-of-line definition: those are
// the symbols that objects compiled against the library's API (FMT_SHARED) refer to. The list
// is what `nm -D --undefined-only bin/vserver | grep fmt` showed with the shared library.
[[gnu::used]] void* const kEmitted[] = {
    addr<std::string(fmt::string_view, fmt::format_args)>(&fmt::vformat),
    addr<void(fmt::string_view, fmt::format_args)>(&fmt::vprint),
    addr<void(std::FILE*, fmt::string_view, fmt::format_args)>(&fmt::vprint),
    addr<bool(uint32_t)>(&fmt::detail::is_printable),
    addr<void(const char*)>(&fmt::detail::throw_format_error),
    addr(&fmt::detail::dragonbox::to_decimal<double>),
    addr(&fmt::detail::dragonbox::to_decimal<float>),
    addr(&fmt::detail::decimal_point_impl<char>),
    addr(&fmt::detail::thousands_sep_impl<char>),
};

// format_error's destructor (its key function, so also its vtable and typeinfo).
[[gnu::used]] void emit_format_error() { fmt::format_error e("unused"); }

}  // namespace vs::fmt_static
