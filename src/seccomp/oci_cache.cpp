// OCI seccomp: compiled programs remembered in the runtime's state root (program_store), so a
// create does not run libseccomp's compile (most of a create's user time with the engines'
// default profiles) for a profile it has compiled before. The key is everything the compiled
// program depends on: the profile as parsed, libseccomp's version, the kernel API level it
// detected and the native architecture.
#include <seccomp.h>

#include "seccomp/oci_filter.hpp"
#include "seccomp/program_store.hpp"

namespace vs::seccomp {

std::string oci_cache_key(const spec::oci::Seccomp& s) {
    const scmp_version* v = seccomp_version();
    std::string k =
        fmt::format("libseccomp {}.{}.{} api {} native {:#x}\n", v ? v->major : 0, v ? v->minor : 0,
                    v ? v->micro : 0, seccomp_api_get(), seccomp_arch_native());
    k += fmt::format("default {} {}\n", static_cast<int>(s.default_action),
                     s.default_errno_ret ? std::to_string(*s.default_errno_ret) : "-");
    for (const auto& a : s.architectures) k += fmt::format("arch {}\n", a);
    for (const auto& r : s.syscalls) {
        k += fmt::format("rule {} {}", static_cast<int>(r.action),
                         r.errno_ret ? std::to_string(*r.errno_ret) : "-");
        for (const auto& a : r.args)
            k += fmt::format(" arg {} {} {} {}", a.index, static_cast<int>(a.op), a.value,
                             a.value_two);
        // Length-prefixed: names are JSON strings and may hold any byte, so two different
        // rules never write the same key.
        for (const auto& n : r.names) k += fmt::format(" {}:{}", n.size(), n);
        k += '\n';
    }
    return k;
}

Result<Program> read_oci_cache_entry(const std::string& path, const std::string& key) {
    return read_cache_entry(path, key);
}

Result<Program> compile_oci_cached(const spec::oci::Seccomp& s, const std::string& cache_dir) {
    return cached_program(cache_dir, oci_cache_key(s), [&] { return compile_oci(s); });
}

}  // namespace vs::seccomp
