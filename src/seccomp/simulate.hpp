// seccomp: runs a compiled filter in user space on one system call, as the kernel would, to
// find what a profile refuses (the socket families it lets i386 socketcall(2) reach).
#pragma once

#include <linux/seccomp.h>

#include <array>
#include <cstdint>

#include "base/result.hpp"
#include "seccomp/profile.hpp"

namespace vs::seccomp {

/// The SECCOMP_RET_* value `program` returns for `call` (classic BPF as seccomp accepts it:
/// loads from seccomp_data, the scratch memory, ALU, forward jumps). An instruction seccomp
/// would refuse is an error, never a guess.
Result<uint32_t> simulate(const Program& program, const seccomp_data& call);

/// Socket families below this are the kernel's (AF_MAX of Linux 6.x is 46); socket(2) answers
/// EAFNOSUPPORT for the others before any LSM hook runs.
inline constexpr int kSocketFamilies = 64;

/// For each socket family, the errno `program` gives i386 socket(2) (nr 359) while it lets i386
/// socketcall(SYS_SOCKET) through, where the family sits behind a pointer the filter cannot
/// read; 0 where there is no such gap. A family counts as refused when every common socket
/// type is refused; a kill or trap action counts as EPERM (a refusal is all an LSM can give).
/// All zero when the filter leaves out i386 or refuses socketcall itself.
Result<std::array<uint16_t, kSocketFamilies>> i386_socketcall_gap(const Program& program);

}  // namespace vs::seccomp
