// libbpf glue for the modules that load BPF programs (cgroup's device program, net's shared-stack
// confinement, lsm's socket guard): libbpf's log, its -errno returns as Errors, object ownership,
// the programs of ours attached to a cgroup2 node found by name, and one instruction built.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::bpf {

/// One BPF instruction (linux/bpf.h struct bpf_insn), for the programs generated at run time.
inline bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

/// Sends libbpf's messages to log::debug. Its default printer writes warnings to stderr, and a
/// probe that is expected to fail on some kernels (lsm's) would put them on the user's terminal.
/// libbpf_set_print(3) is process-wide: callers set it before opening or loading an object.
void quiet_libbpf();

/// libbpf and its bpf(2) wrappers return a negative errno on failure (libbpf 1.0 semantics);
/// anything else that is not a success is reported as EIO.
Error error(int ret, std::string what);

struct ObjectClose {
    void operator()(bpf_object* o) const { bpf_object__close(o); }
};
/// An object opened with bpf_object__open_mem; closing it drops our fds of its programs and maps,
/// not the attachments (each holds its program, which holds its maps).
using Object = std::unique_ptr<bpf_object, ObjectClose>;

/// The directory fd of a cgroup2 node: the target of bpf_prog_attach and bpf_prog_query.
Result<UniqueFd> open_cgroup(const std::string& path);

/// How a program's kernel name (bpf_prog_info.name, 15 bytes kept) is compared.
enum class Match { Exact, Prefix };

struct Attached {
    uint32_t id = 0;
    UniqueFd fd;
};

/// The programs attached directly to cgroup `cgfd` for `type` (not those inherited from its
/// ancestors) whose name is `name` or, with Match::Prefix, starts with it. A program detached
/// between the query and its open is left out.
Result<std::vector<Attached>> attached(int cgfd, bpf_attach_type type, std::string_view name,
                                       Match match = Match::Exact);

}  // namespace vs::bpf
