// The BPF_CGROUP_DEVICE program of a guest's cgroup2 node: generated from a DeviceState,
// loaded and attached (or swapped in for the one attached before).
//
// Why generated instructions and not a compiled object with a map of rules: a program per
// rule set needs no map to fill and no object to carry, and the verifier sees straight-line
// compares it accepts at once. The kernel calls it for every open(2) of a device node, every
// mknod(2) of one and every access check of one (include/linux/device_cgroup.h) with struct
// bpf_cgroup_dev_ctx; it returns 1 to allow, 0 to refuse with EPERM.
#include <fcntl.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <cstring>

#include <fmt/format.h>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/unique_fd.hpp"
#include "bpf/glue.hpp"
#include "cgroup/devices.hpp"

namespace vs::cgroup {

namespace {

constexpr char kProgName[] = "vs_devices";

// Registers: r1 the context on entry, then scratch; r2 access bits, r3 device kind (BPF_DEVCG_*),
// r4 major, r5 minor.
constexpr uint8_t R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

bpf_insn load_ctx_u32(uint8_t dst, int16_t off) {
    return bpf::insn(BPF_LDX | BPF_MEM | BPF_W, dst, R1, off, 0);
}
bpf_insn mov_reg(uint8_t dst, uint8_t src) {
    return bpf::insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}
bpf_insn mov_imm(uint8_t dst, int32_t imm) {
    return bpf::insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}
bpf_insn and_imm(uint8_t dst, int32_t imm) {
    return bpf::insn(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm);
}
bpf_insn rsh_imm(uint8_t dst, int32_t imm) {
    return bpf::insn(BPF_ALU64 | BPF_RSH | BPF_K, dst, 0, 0, imm);
}
/// A jump to the end of the current block; its offset is set when the block is complete.
/// BPF_JMP32: the compare is on the low 32 bits, as wide as the context's fields, so numbers
/// above INT32_MAX are not sign-extended away.
bpf_insn jmp_imm(uint8_t op, uint8_t dst, int64_t imm) {
    return bpf::insn(BPF_JMP32 | op | BPF_K, dst, 0, 0,
                     static_cast<int32_t>(static_cast<uint32_t>(imm)));
}
bpf_insn exit_insn() { return bpf::insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

std::vector<bpf_insn> instructions(const DeviceState& s) {
    std::vector<bpf_insn> p;
    p.push_back(load_ctx_u32(R2, offsetof(bpf_cgroup_dev_ctx, access_type)));
    p.push_back(mov_reg(R3, R2));
    p.push_back(and_imm(R3, 0xffff));
    p.push_back(rsh_imm(R2, 16));
    p.push_back(load_ctx_u32(R4, offsetof(bpf_cgroup_dev_ctx, major)));
    p.push_back(load_ctx_u32(R5, offsetof(bpf_cgroup_dev_ctx, minor)));
    for (const auto& e : s.exceptions) {
        size_t start = p.size();
        if (e.type == 'c' || e.type == 'b')
            p.push_back(
                jmp_imm(BPF_JNE, R3, e.type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK));
        if ((e.access & kDevAll) != kDevAll) {
            p.push_back(mov_reg(R1, R2));
            if (e.allow) {
                // An allow covers the request only when it holds every bit asked.
                p.push_back(and_imm(R1, ~e.access & kDevAll));
                p.push_back(jmp_imm(BPF_JNE, R1, 0));
            } else {
                // A deny refuses a request that asks for any of its bits.
                p.push_back(and_imm(R1, e.access));
                p.push_back(jmp_imm(BPF_JEQ, R1, 0));
            }
        }
        if (e.major >= 0) p.push_back(jmp_imm(BPF_JNE, R4, e.major));
        if (e.minor >= 0) p.push_back(jmp_imm(BPF_JNE, R5, e.minor));
        p.push_back(mov_imm(R0, e.allow ? 1 : 0));
        p.push_back(exit_insn());
        // Every jump of the block skips to the next block, just past the exit.
        for (size_t i = start; i < p.size(); ++i)
            if (BPF_CLASS(p[i].code) == BPF_JMP32)
                p[i].off = static_cast<int16_t>(p.size() - i - 1);
    }
    p.push_back(mov_imm(R0, s.default_allow ? 1 : 0));
    p.push_back(exit_insn());
    return p;
}

/// The programs attached directly to `cg` (not inherited) named kProgName.
Result<std::vector<bpf::Attached>> ours(int cg, const std::string& dir) {
    return bpf::attached(cg, BPF_CGROUP_DEVICE, kProgName).wrap("cgroup \"{}\"", dir);
}

/// BPF_PROG_LOAD through bpf(2) itself; the fd is close-on-exec (the kernel makes every BPF
/// fd so). Why not libbpf's bpf_prog_load(): it starts each new process with two feature
/// probes, each a program of its own through the verifier (does the kernel charge BPF memory
/// to the memory cgroup, else RLIMIT_MEMLOCK is raised; does it take program names), and
/// vsrun is a new process per container. The kernels vsrun supports answer both yes: names
/// since 4.15, memory cgroup accounting since 5.11. A negative errno on failure.
int prog_load(const std::vector<bpf_insn>& p, char* log, uint32_t log_size) {
    union bpf_attr a;
    std::memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = reinterpret_cast<uintptr_t>(p.data());
    a.insn_cnt = static_cast<uint32_t>(p.size());
    a.license = reinterpret_cast<uintptr_t>("GPL");
    if (log) {
        a.log_level = 1;
        a.log_buf = reinterpret_cast<uintptr_t>(log);
        a.log_size = log_size;
    }
    static_assert(sizeof kProgName <= sizeof a.prog_name);
    std::memcpy(a.prog_name, kProgName, sizeof kProgName);
    // EAGAIN: the verifier gave up on a pending signal; libbpf retries it the same way.
    for (int attempt = 0;; ++attempt) {
        int fd = static_cast<int>(::syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a));
        if (fd >= 0) return fd;
        if (errno != EAGAIN || attempt >= 4) return -errno;
    }
}

Result<UniqueFd> load(const DeviceState& s) {
    auto p = instructions(s);
    int fd = prog_load(p, nullptr, 0);
    if (fd >= 0) return UniqueFd(fd);
    int err = -fd;
    if (err == EACCES || err == EINVAL) {
        // Load again with the verifier's log, for the error only.
        std::string log(16384, '\0');
        int again = prog_load(p, log.data(), static_cast<uint32_t>(log.size()));
        if (again >= 0) return UniqueFd(again);
        log.resize(std::strlen(log.c_str()));
        auto lines = str::split(log, '\n');
        if (lines.size() > 3) lines.erase(lines.begin(), lines.end() - 3);
        std::string tail;
        for (const auto& l : lines) tail += (tail.empty() ? "" : "; ") + l;
        return make_error(err, "load the BPF device program ({} instructions){}{}", p.size(),
                          tail.empty() ? "" : ": ", tail);
    }
    return Error(err, "load the BPF device program");
}

}  // namespace

std::vector<uint64_t> device_program(const DeviceState& s) {
    auto p = instructions(s);
    std::vector<uint64_t> out(p.size());
    static_assert(sizeof(bpf_insn) == sizeof(uint64_t));
    std::memcpy(out.data(), p.data(), p.size() * sizeof(bpf_insn));
    return out;
}

Status attach_device_program(const std::string& cgroup2_dir, const DeviceState& s) {
    auto cg = VS_TRY(bpf::open_cgroup(cgroup2_dir));
    return attach_device_program(cg.get(), cgroup2_dir, s);
}

Status attach_device_program(int cgfd, const std::string& cgroup2_dir, const DeviceState& s) {
    auto prog = VS_TRY(load(s).wrap("cgroup \"{}\"", cgroup2_dir));
    auto old = VS_TRY(ours(cgfd, cgroup2_dir));
    if (old.empty()) {
        // BPF_F_ALLOW_MULTI: programs of parents keep running as well, and a nested manager
        // (systemd in the container) may attach its own below.
        if (int r = bpf_prog_attach(prog.get(), cgfd, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI); r < 0)
            return bpf::error(r,
                              fmt::format("attach the BPF device program to \"{}\"", cgroup2_dir));
        return ok();
    }
    LIBBPF_OPTS(bpf_prog_attach_opts, o, .flags = BPF_F_ALLOW_MULTI | BPF_F_REPLACE,
                .replace_prog_fd = old[0].fd.get());
    if (int r = bpf_prog_attach_opts(prog.get(), cgfd, BPF_CGROUP_DEVICE, &o); r < 0)
        return bpf::error(r, fmt::format("replace the BPF device program of \"{}\"", cgroup2_dir));
    // More than one of ours (never made here) would all have to allow: keep only the new one.
    for (size_t i = 1; i < old.size(); ++i)
        if (int r = bpf_prog_detach2(old[i].fd.get(), cgfd, BPF_CGROUP_DEVICE); r < 0)
            log::warn("cgroup \"{}\": detach an extra BPF device program: {}", cgroup2_dir,
                      std::strerror(-r));
    return ok();
}

Result<std::vector<uint32_t>> device_program_ids(const std::string& cgroup2_dir) {
    auto cg = VS_TRY(bpf::open_cgroup(cgroup2_dir));
    std::vector<uint32_t> ids;
    for (const auto& p : VS_TRY(ours(cg.get(), cgroup2_dir))) ids.push_back(p.id);
    return ids;
}

}  // namespace vs::cgroup
