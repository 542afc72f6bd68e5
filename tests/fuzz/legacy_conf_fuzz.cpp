// Fuzz target: util-vserver's legacy NAME.conf (config/legacy/). The text is parsed, never run:
// every assignment has a shell name, a line inside the file and no NUL, each name is kept once
// (the last assignment wins, as in sh); a conversion writes only relative, ".."-free key paths.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "base/strings.hpp"
#include "config/legacy/convert.hpp"
#include "config/legacy/shell_vars.hpp"
#include "fuzz_check.hpp"

namespace lg = vs::config::legacy;

namespace {

bool shell_name(const std::string& n) {
    if (n.empty() || (n[0] >= '0' && n[0] <= '9')) return false;
    for (char c : n)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto vars = lg::parse_shell_vars(text, "fuzz.conf");
    if (!vars) return 0;
    const size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    std::set<std::string> seen;
    for (const auto& a : *vars) {
        FUZZ_CHECK(shell_name(a.name), "not a shell name: \"{}\"", a.name);
        FUZZ_CHECK(seen.insert(a.name).second, "\"{}\" kept twice", a.name);
        FUZZ_CHECK(a.line >= 1 && static_cast<size_t>(a.line) <= lines, "{} at line {} of {}",
                   a.name, a.line, lines);
        FUZZ_CHECK(a.value.find('\0') == std::string::npos, "NUL in the value of {}", a.name);
    }
    auto conv = lg::convert(*vars, "fuzz.conf");
    if (!conv) return 0;
    for (const auto& [path, content] : conv->files) {
        FUZZ_CHECK(!path.empty() && path.front() != '/', "key path \"{}\"", path);
        for (const auto& part : vs::str::split(path, '/', false))
            FUZZ_CHECK(!part.empty() && part != "." && part != "..", "key path \"{}\"", path);
        FUZZ_CHECK(content.find('\0') == std::string::npos, "NUL in \"{}\"", path);
    }
    return 0;
}
