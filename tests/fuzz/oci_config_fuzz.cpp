// Fuzz target: an OCI bundle's config.json (config/oci/), as read_bundle parses it, then mapped
// into a GuestSpec. What parses passes its own cross checks again; paths the runtime joins to
// the container's root are absolute without a ".." component; no string holds a NUL; a GuestSpec
// it maps to passes spec::validate; the standalone process and resources readers never crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/strings.hpp"
#include "config/oci/parse.hpp"
#include "config/oci/to_guest_spec.hpp"
#include "fuzz_check.hpp"
#include "spec/validate.hpp"

namespace co = vs::config::oci;

namespace {

void check_path(const std::string& p, const char* what) {
    FUZZ_CHECK(!p.empty() && p.front() == '/', "{} \"{}\" is not absolute", what, p);
    FUZZ_CHECK(p.find('\0') == std::string::npos, "{} holds a NUL", what);
    for (const auto& part : vs::str::split(p, '/'))
        FUZZ_CHECK(part != "..", "{} \"{}\" has a .. component", what, p);
}

void check_no_nul(const std::string& s, const char* what) {
    FUZZ_CHECK(s.find('\0') == std::string::npos, "{} holds a NUL", what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)co::parse_process(text);
    (void)co::parse_resources(text);
    co::Ignored ignored;
    auto parsed = co::parse_config(text, "/bundle", &ignored);
    if (!parsed) {
        FUZZ_CHECK(!parsed.error().message.empty(), "an error without a message");
        return 0;
    }
    const auto& s = *parsed;
    for (const auto& i : ignored) FUZZ_CHECK(!i.empty(), "an ignored property without a path");
    auto again = co::check_spec(s);
    FUZZ_CHECK(again.has_value(), "a parsed spec fails check_spec: {}", again.error().what());
    FUZZ_CHECK(co::supported_version(s.oci_version), "version \"{}\"", s.oci_version);
    FUZZ_CHECK(s.root.has_value(), "no root");
    check_path(s.root->path, "root.path");
    for (const auto& m : s.mounts) {
        check_path(m.destination, "mounts[].destination");
        if (m.bind) check_path(m.source, "a bind mount's source");
        FUZZ_CHECK(!m.bind || m.data.empty(), "a bind mount with filesystem data");
        for (const auto& [k, v] : m.data) {
            FUZZ_CHECK(!k.empty(), "an empty filesystem parameter");
            check_no_nul(k + v, "a filesystem parameter");
        }
    }
    for (size_t a = 0; a < s.linux.namespaces.size(); ++a)
        for (size_t b = a + 1; b < s.linux.namespaces.size(); ++b)
            FUZZ_CHECK(s.linux.namespaces[a].type != s.linux.namespaces[b].type,
                       "namespace {} twice", a);
    for (const auto& p : s.linux.masked_paths) check_path(p, "maskedPaths[]");
    for (const auto& p : s.linux.readonly_paths) check_path(p, "readonlyPaths[]");
    for (const auto& d : s.linux.devices) check_path(d.path, "devices[].path");
    for (const auto& [k, v] : s.linux.sysctl) {
        check_no_nul(k + v, "a sysctl");
        for (const auto& part : vs::str::split(k, '/', false))
            FUZZ_CHECK(part != ".." && part != ".", "sysctl \"{}\"", k);
        FUZZ_CHECK(v.find('\n') == std::string::npos, "sysctl value with a newline");
    }
    if (s.process) {
        FUZZ_CHECK(!s.process->args.empty(), "a process without args");
        check_path(s.process->cwd, "process.cwd");
        for (const auto& a : s.process->args) check_no_nul(a, "process.args[]");
        for (const auto& e : s.process->env) {
            check_no_nul(e, "process.env[]");
            FUZZ_CHECK(e.find('=') != std::string::npos && e.front() != '=', "env \"{}\"", e);
        }
    }
    auto g = co::to_guest_spec(s, "fuzz");
    if (g) {
        auto v = vs::spec::validate(*g);
        FUZZ_CHECK(v.has_value(), "a mapped GuestSpec fails validate: {}", v.error().what());
    }
    return 0;
}
