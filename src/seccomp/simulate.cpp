// seccomp: a user-space run of a classic BPF seccomp filter (kernel/seccomp.c's checks, the
// interpreter of net/core/filter.c for the instructions seccomp allows).
#include "seccomp/simulate.hpp"

#include <linux/audit.h>
#include <linux/filter.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace vs::seccomp {

Result<uint32_t> simulate(const Program& program, const seccomp_data& call) {
    const auto& p = program.insns;
    if (p.empty()) return SECCOMP_RET_ALLOW;  // no filter
    uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
    unsigned char data[sizeof(seccomp_data)];
    std::memcpy(data, &call, sizeof data);
    // Jumps only go forward (the kernel's checker refuses others), so each instruction runs at
    // most once and the loop ends within the program's length.
    for (size_t pc = 0; pc < p.size(); ++pc) {
        const sock_filter& i = p[pc];
        const uint32_t k = i.k;
        auto bad = [&] {
            return make_error(EINVAL, "seccomp filter: instruction {} ({:#x})", pc, i.code);
        };
        switch (i.code) {
            case BPF_LD | BPF_W | BPF_ABS:
                if (k % 4 || k + 4 > sizeof data) return bad();
                std::memcpy(&a, data + k, 4);
                break;
            case BPF_LD | BPF_W | BPF_LEN:
                a = sizeof data;
                break;
            case BPF_LDX | BPF_W | BPF_LEN:
                x = sizeof data;
                break;
            case BPF_LD | BPF_IMM:
                a = k;
                break;
            case BPF_LDX | BPF_IMM:
                x = k;
                break;
            case BPF_LD | BPF_MEM:
                if (k >= BPF_MEMWORDS) return bad();
                a = mem[k];
                break;
            case BPF_LDX | BPF_MEM:
                if (k >= BPF_MEMWORDS) return bad();
                x = mem[k];
                break;
            case BPF_ST:
                if (k >= BPF_MEMWORDS) return bad();
                mem[k] = a;
                break;
            case BPF_STX:
                if (k >= BPF_MEMWORDS) return bad();
                mem[k] = x;
                break;
            case BPF_MISC | BPF_TAX:
                x = a;
                break;
            case BPF_MISC | BPF_TXA:
                a = x;
                break;
            case BPF_RET | BPF_K:
                return k;
            case BPF_RET | BPF_A:
                return a;
            case BPF_ALU | BPF_NEG:
                a = 0U - a;
                break;
            case BPF_JMP | BPF_JA:
                if (k >= p.size() - pc - 1) return bad();
                pc += k;
                break;
            default: {
                const uint32_t cls = BPF_CLASS(i.code), op = BPF_OP(i.code);
                const uint32_t v = BPF_SRC(i.code) == BPF_X ? x : k;
                if (cls == BPF_ALU) {
                    switch (op) {
                        case BPF_ADD:
                            a += v;
                            break;
                        case BPF_SUB:
                            a -= v;
                            break;
                        case BPF_MUL:
                            a *= v;
                            break;
                        case BPF_DIV:
                            if (!v) return SECCOMP_RET_KILL_THREAD;
                            a /= v;
                            break;
                        case BPF_MOD:
                            if (!v) return SECCOMP_RET_KILL_THREAD;
                            a %= v;
                            break;
                        case BPF_AND:
                            a &= v;
                            break;
                        case BPF_OR:
                            a |= v;
                            break;
                        case BPF_XOR:
                            a ^= v;
                            break;
                        case BPF_LSH:
                            a = v < 32 ? a << v : 0;
                            break;
                        case BPF_RSH:
                            a = v < 32 ? a >> v : 0;
                            break;
                        default:
                            return bad();
                    }
                    break;
                }
                if (cls != BPF_JMP) return bad();
                bool t;
                switch (op) {
                    case BPF_JEQ:
                        t = a == v;
                        break;
                    case BPF_JGT:
                        t = a > v;
                        break;
                    case BPF_JGE:
                        t = a >= v;
                        break;
                    case BPF_JSET:
                        t = (a & v) != 0;
                        break;
                    default:
                        return bad();
                }
                const size_t off = t ? i.jt : i.jf;
                if (off >= p.size() - pc - 1 && off) return bad();
                pc += off;
            }
        }
    }
    return make_error(EINVAL, "seccomp filter: runs past its last instruction");
}

Result<std::array<uint16_t, kSocketFamilies>> i386_socketcall_gap(const Program& program) {
    std::array<uint16_t, kSocketFamilies> gap{};
    constexpr int kSocketcall = 102, kSocket = 359, kSysSocket = 1;  // i386 numbers, net.h
    auto answer = [&](int nr, uint64_t a0, uint64_t a1) -> Result<uint32_t> {
        seccomp_data d{};
        d.nr = nr;
        d.arch = AUDIT_ARCH_I386;
        d.args[0] = a0;
        d.args[1] = a1;
        return simulate(program, d);
    };
    // socketcall's own arguments are a call number and a pointer (any value: never read).
    uint32_t sc = VS_TRY(answer(kSocketcall, kSysSocket, 0));
    if ((sc & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_ALLOW &&
        (sc & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_LOG)
        return gap;
    for (int f = 0; f < kSocketFamilies; ++f) {
        uint16_t err = 0;
        bool all = true;
        for (int type : {SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET}) {
            uint32_t r = VS_TRY(answer(kSocket, static_cast<uint64_t>(f), type));
            uint32_t act = r & SECCOMP_RET_ACTION_FULL;
            uint16_t e = 0;
            if (act == SECCOMP_RET_ERRNO)
                e = static_cast<uint16_t>(r & SECCOMP_RET_DATA);
            else if (act == SECCOMP_RET_KILL_PROCESS || act == SECCOMP_RET_KILL_THREAD ||
                     act == SECCOMP_RET_TRAP)
                e = EPERM;
            // SECCOMP_RET_ERRNO with data 0 is a success the filter fakes: not a refusal here.
            if (!e) {
                all = false;
                break;
            }
            if (!err) err = e;
        }
        if (all) gap[static_cast<size_t>(f)] = err;
    }
    return gap;
}

}  // namespace vs::seccomp
