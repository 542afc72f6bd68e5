// Fuzz target: the value syntax shared by every key parser (config/vserver/values.cpp): limits and
// byte sizes format back to text that parses to the same number, list files keep their entries
// through one_per_line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/vserver/values.hpp"
#include "fuzz_check.hpp"

using namespace vs::config::vserver;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)scalar(text);
    (void)required_scalar(text, "value");
    (void)parse_bool(text);
    (void)argv_lines(text);
    if (auto v = parse_int(text, -1000000, 1000000, "number"))
        FUZZ_CHECK(*v >= -1000000 && *v <= 1000000, "{} out of range", *v);
    if (auto v = parse_limit(text)) {
        auto back = parse_limit(format_limit(*v));
        FUZZ_CHECK(back && *back == *v, "limit {} -> \"{}\"", *v, format_limit(*v));
    }
    for (bool allow_zero : {false, true}) {
        if (auto v = parse_bytes_or_max(text, allow_zero)) {
            FUZZ_CHECK(*v == -1 || *v > 0 || (allow_zero && *v == 0), "size {}", *v);
            auto back = parse_bytes_or_max(format_bytes_or_max(*v), allow_zero);
            FUZZ_CHECK(back && *back == *v, "size {} -> \"{}\"", *v, format_bytes_or_max(*v));
        }
    }
    auto lines = list_lines(text);
    FUZZ_CHECK(list_lines(one_per_line(lines)) == lines, "list of {} entries changed",
               lines.size());
    return 0;
}
