// Fuzz target: fstab text (config/vserver/fstab.cpp). A parsed table formats back to text that
// parses to the same entries, no field holds a NUL, and every target stays absolute without a
// ".." component.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/strings.hpp"
#include "config/vserver/fstab.hpp"
#include "fuzz_check.hpp"

namespace cv = vs::config::vserver;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = cv::parse_fstab(text);
    if (!parsed) return 0;
    for (const auto& e : *parsed) {
        for (const std::string* f : {&e.source, &e.target, &e.fstype, &e.options})
            FUZZ_CHECK(f->find('\0') == std::string::npos, "NUL in field \"{}\"", *f);
        FUZZ_CHECK(!e.target.empty() && e.target.front() == '/', "target \"{}\"", e.target);
        for (const auto& part : vs::str::split(e.target, '/'))
            FUZZ_CHECK(part != "..", "target \"{}\"", e.target);
    }
    const std::string out = cv::format_fstab(*parsed);
    auto again = cv::parse_fstab(out);
    FUZZ_CHECK(again.has_value(), "formatted table does not parse: {}\n{}", again.error().what(),
               out);
    FUZZ_CHECK(again->size() == parsed->size(), "{} entries became {}", parsed->size(),
               again->size());
    for (size_t i = 0; i < parsed->size(); ++i) {
        const auto &a = (*parsed)[i], &b = (*again)[i];
        FUZZ_CHECK(a.source == b.source && a.target == b.target && a.fstype == b.fstype &&
                       a.options == b.options,
                   "entry {} changed: \"{}\" \"{}\" \"{}\" \"{}\" -> \"{}\" \"{}\" \"{}\" \"{}\"",
                   i, a.source, a.target, a.fstype, a.options, b.source, b.target, b.fstype,
                   b.options);
    }
    return 0;
}
