// Fuzz target: guest names (spec/validate.cpp). An accepted name is one path component that
// cannot climb out of /etc/vservers or read as an option, and its escaped form never holds a
// control byte (it goes to terminals and logs).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "spec/validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view name(reinterpret_cast<const char*>(data), size);
    const std::string shown = vs::spec::escape_name(name);
    for (unsigned char c : shown)
        FUZZ_CHECK(c >= 0x20 && c != 0x7f, "escape_name left byte 0x{:02x}", c);
    if (!vs::spec::validate_name(name)) return 0;
    FUZZ_CHECK(!name.empty() && name.size() <= 64, "length {}", name.size());
    FUZZ_CHECK(name.find('/') == std::string_view::npos, "'/' in \"{}\"", shown);
    FUZZ_CHECK(name.find("..") == std::string_view::npos, "\"..\" in \"{}\"", shown);
    FUZZ_CHECK(name != "." && name.front() != '-', "\"{}\"", shown);
    for (unsigned char c : name) FUZZ_CHECK(c >= 0x20 && c != 0x7f, "byte 0x{:02x}", c);
    // Nothing to escape in a valid name: what the user sees is the name itself.
    FUZZ_CHECK(shown == name, "\"{}\" shown as \"{}\"", name, shown);
    return 0;
}
