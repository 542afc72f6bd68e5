// The BPF objects compiled from bpf/*.bpf.c and embedded in the binary (CMake "BPF programs").
#pragma once

#include <cstddef>
#include <span>

extern "C" {
extern const unsigned char vs_bpf_shared_confine_start[];
extern const unsigned char vs_bpf_shared_confine_end[];
}

namespace vs::net {

/// ELF bytes of bpf/shared_confine.bpf.c.
inline std::span<const unsigned char> shared_confine_object() {
    return {vs_bpf_shared_confine_start,
            static_cast<size_t>(vs_bpf_shared_confine_end - vs_bpf_shared_confine_start)};
}

}  // namespace vs::net
