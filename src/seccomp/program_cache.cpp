// seccomp: a named profile's compiled program, kept in the program store (program_store) so
// starting a guest does not pay libseccomp's compile time.
#include <seccomp.h>

#include "seccomp/profile.hpp"
#include "seccomp/program_store.hpp"
#include "seccomp/syscall_table.hpp"

namespace vs::seccomp {

namespace {

// FNV-1a: a stable 64-bit hash (std::hash is not specified to be stable between builds).
uint64_t fnv1a(std::string_view s, uint64_t h = 0xcbf29ce484222325ULL) {
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

// Everything the compiled program depends on.
std::string cache_key(const std::string& name, const ProfileOptions& o) {
    const scmp_version* v = seccomp_version();
    std::string desc =
        fmt::format("v2|{}|nest={}|caps={:x}|tiocsti={}|syslog={}|libseccomp={}.{}.{}|x32={}", name,
                    o.allow_nesting, o.caps, o.allow_tiocsti, o.allow_syslog, v ? v->major : 0,
                    v ? v->minor : 0, v ? v->micro : 0, kernel_runs_x32());
    uint64_t table = fnv1a("table");
    for (const auto& r : syscall_rules()) {
        table = fnv1a(r.name, table);
        // The raw numbers, not a formatted string: this runs for every rule on every exec.
        const uint64_t fields[2] = {static_cast<uint64_t>(r.treatment),
                                    static_cast<uint64_t>(r.caps)};
        table =
            fnv1a(std::string_view(reinterpret_cast<const char*>(fields), sizeof fields), table);
    }
    return fmt::format("{}\ntable {:016x}\n", desc, table);
}

}  // namespace

Result<Program> compile_cached(const std::string& name, const ProfileOptions& options,
                               const std::string& cache_dir) {
    if (name == "unconfined") return Program{};
    return cached_program(cache_dir, cache_key(name, options),
                          [&] { return compile(name, options); });
}

}  // namespace vs::seccomp
