// seccomp: builds the "default" filter from syscall_table with libseccomp and loads it.
#include "seccomp/profile.hpp"

#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "base/sys.hpp"
#include "seccomp/syscall_table.hpp"

namespace vs::seccomp {

namespace {

// Namespace flags of clone(2) (the flags word is argument 0 on x86) and of unshare(2), which
// also takes CLONE_NEWTIME (0x80; in clone's flags that bit is part of the exit signal).
constexpr uint64_t kCloneNsFlags[] = {CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                                      CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET};
constexpr uint64_t kCloneNsMask = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
                                  CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
constexpr uint64_t kNewTime = 0x80;  // CLONE_NEWTIME, absent from older headers

// personality(2) values a guest may set: PER_LINUX, PER_LINUX32, UNAME26 (alone or with
// PER_LINUX32), and 0xffffffff, the query. Everything else (ADDR_NO_RANDOMIZE turning ASLR off,
// READ_IMPLIES_EXEC, MMAP_PAGE_ZERO, ...) gets the default action.
constexpr uint64_t kPersonalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

// Socket families refused with EAFNOSUPPORT, as a kernel without them would answer. The BPF LSM
// socket guard (bpf/sock_families.bpf.c) refuses the same list for i386 socketcall(SYS_SOCKET),
// whose family this filter cannot read: change both together.
constexpr uint64_t kDeniedFamilies[] = {AF_ALG, AF_VSOCK};
constexpr uint64_t kFirstUnknownFamily = 46;  // AF_MAX of Linux 6.x: AF_MCTP (45) + 1

// Terminal-injection ioctls (tty_ioctl(4), ioctl_console(2)).
constexpr uint64_t kTtyInjection[] = {TIOCSTI, TIOCLINUX};

constexpr uint64_t kLow32 = 0xffffffffULL;

// What a syscall the profile does not know gets: ENOSYS lets programs fall back gracefully
// (glibc retries clone3 as clone, statx as fstatat, ...), where EPERM would look like a denial.
constexpr uint32_t kDefaultAction = SCMP_ACT_ERRNO(ENOSYS);

// scmp_filter_ctx owner.
struct Ctx {
    scmp_filter_ctx c = nullptr;
    explicit Ctx(scmp_filter_ctx p) : c(p) {}
    Ctx(Ctx&& o) noexcept : c(std::exchange(o.c, nullptr)) {}
    Ctx(const Ctx&) = delete;
    ~Ctx() {
        if (c) seccomp_release(c);
    }
};

Error scmp_error(int rc, std::string what) { return Error(-rc, std::move(what)); }

// Resolves `name` for the native ABI; libseccomp maps it to i386/x32 numbers per arch.
// Returns < 0 when this libseccomp does not know the name (newer than its tables).
int resolve(std::string_view name) {
    return seccomp_syscall_resolve_name(std::string(name).c_str());
}

Status add(scmp_filter_ctx c, uint32_t action, int nr, std::string_view name,
           std::initializer_list<scmp_arg_cmp> args = {}) {
    // libseccomp refuses (EACCES) a rule whose action is the filter's default.
    if (action == kDefaultAction) return ok();
    int rc = seccomp_rule_add_array(c, action, nr, static_cast<unsigned>(args.size()),
                                    args.size() ? args.begin() : nullptr);
    if (rc < 0) return scmp_error(rc, fmt::format("add seccomp rule for {}", name));
    return ok();
}

Status add_arg_filters(scmp_filter_ctx c, const ProfileOptions& o) {
    const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);

    // clone: every flag combination without a CLONE_NEW* bit is allowed; each namespace bit
    // is refused by its own rule. The rules are disjoint, so their order inside the BPF program
    // cannot matter.
    int nr = resolve("clone");
    if (o.allow_nesting) {
        VS_TRY(add(c, SCMP_ACT_ALLOW, nr, "clone"));
    } else {
        VS_TRY(
            add(c, SCMP_ACT_ALLOW, nr, "clone", {SCMP_A0_64(SCMP_CMP_MASKED_EQ, kCloneNsMask, 0)}));
        for (uint64_t f : kCloneNsFlags)
            VS_TRY(add(c, eperm, nr, "clone", {SCMP_A0_64(SCMP_CMP_MASKED_EQ, f, f)}));
    }

    // unshare: the same, plus CLONE_NEWTIME.
    nr = resolve("unshare");
    if (o.allow_nesting) {
        VS_TRY(add(c, SCMP_ACT_ALLOW, nr, "unshare"));
    } else {
        VS_TRY(add(c, SCMP_ACT_ALLOW, nr, "unshare",
                   {SCMP_A0_64(SCMP_CMP_MASKED_EQ, kCloneNsMask | kNewTime, 0)}));
        for (uint64_t f : kCloneNsFlags)
            VS_TRY(add(c, eperm, nr, "unshare", {SCMP_A0_64(SCMP_CMP_MASKED_EQ, f, f)}));
        VS_TRY(add(c, eperm, nr, "unshare", {SCMP_A0_64(SCMP_CMP_MASKED_EQ, kNewTime, kNewTime)}));
    }

    // clone3: ENOSYS (not EPERM) so glibc retries with clone(2), whose flags we can check.
    nr = resolve("clone3");
    if (nr >= 0) VS_TRY(add(c, o.allow_nesting ? SCMP_ACT_ALLOW : kDefaultAction, nr, "clone3"));

    // setns
    VS_TRY(add(c, o.allow_nesting ? SCMP_ACT_ALLOW : eperm, resolve("setns"), "setns"));

    // socket(family): the kernel reads the family as an int, so the denials compare only the
    // low 32 bits (a family with junk in the high half must not slip through); the allowed
    // ranges compare all 64 bits and so never overlap the denials.
    nr = resolve("socket");
    const uint32_t eafnosupport = SCMP_ACT_ERRNO(EAFNOSUPPORT);
    for (uint64_t fam : kDeniedFamilies)
        VS_TRY(add(c, eafnosupport, nr, "socket", {SCMP_A0_64(SCMP_CMP_MASKED_EQ, kLow32, fam)}));
    VS_TRY(add(c, eafnosupport, nr, "socket", {SCMP_A0_64(SCMP_CMP_GE, kFirstUnknownFamily)}));
    uint64_t lo = 0;
    for (uint64_t fam : kDeniedFamilies) {  // allowed: [lo, fam) for each denied family
        if (fam > lo) {
            if (lo == 0)
                VS_TRY(add(c, SCMP_ACT_ALLOW, nr, "socket", {SCMP_A0_64(SCMP_CMP_LT, fam)}));
            else
                for (uint64_t v = lo; v < fam; ++v)
                    VS_TRY(add(c, SCMP_ACT_ALLOW, nr, "socket", {SCMP_A0_64(SCMP_CMP_EQ, v)}));
        }
        lo = fam + 1;
    }
    for (uint64_t v = lo; v < kFirstUnknownFamily; ++v)
        VS_TRY(add(c, SCMP_ACT_ALLOW, nr, "socket", {SCMP_A0_64(SCMP_CMP_EQ, v)}));

    // ioctl(fd, cmd): cmd is an unsigned int in the kernel. The denials mask to 32 bits, the
    // allow rule compares 64 bits; libseccomp emits masked comparisons before the plain ones,
    // which tests/priv/seccomp checks with a cmd carrying junk in its high half.
    nr = resolve("ioctl");
    if (o.allow_tiocsti) {
        VS_TRY(add(c, SCMP_ACT_ALLOW, nr, "ioctl"));
    } else {
        for (uint64_t cmd : kTtyInjection)
            VS_TRY(add(c, eperm, nr, "ioctl", {SCMP_A1_64(SCMP_CMP_MASKED_EQ, kLow32, cmd)}));
        VS_TRY(add(c, SCMP_ACT_ALLOW, nr, "ioctl", {SCMP_A1_64(SCMP_CMP_NE, TIOCSTI)}));
    }

    // personality: exact values only (64-bit compares: junk in the high half is not allowed).
    nr = resolve("personality");
    for (uint64_t p : kPersonalities)
        VS_TRY(add(c, SCMP_ACT_ALLOW, nr, "personality", {SCMP_A0_64(SCMP_CMP_EQ, p)}));
    return ok();
}

Result<Ctx> build_default(const ProfileOptions& o) {
    Ctx ctx(seccomp_init(kDefaultAction));
    if (!ctx.c) return make_error(ENOMEM, "seccomp_init");
    scmp_filter_ctx c = ctx.c;

    // The runtime decides about no_new_privs (a full-system guest runs setuid binaries).
    if (int rc = seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0); rc < 0)
        return scmp_error(rc, "seccomp attribute CTL_NNP=0");
    // A syscall from an ABI we did not add kills, except x32 left out on a kernel that does not
    // run it: those get ENOSYS, the kernel's own answer (libseccomp sends a call with the x32
    // bit under the x86_64 audit arch to this action). Either way it never reaches the kernel.
    const bool x32 = kernel_runs_x32();
    const uint32_t badarch = x32 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(ENOSYS);
    if (int rc = seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, badarch); rc < 0)
        return scmp_error(rc, "seccomp attribute ACT_BADARCH");
    // Report the kernel's errno from seccomp_load (EACCES without CAP_SYS_ADMIN and
    // no_new_privs) instead of libseccomp's generic ECANCELED.
    (void)seccomp_attr_set(c, SCMP_FLTATR_API_SYSRAWRC, 1);
    // Binary-tree syscall lookup: ~400 rules would otherwise be a linear scan per syscall.
    (void)seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, 2);

    // i386 (int 0x80, sysenter) and x32 (nr | 0x40000000) reach the same kernel; a filter for
    // x86_64 alone would let them through untouched (machine-facts.md: both ABIs are reachable
    // or at least answered by the kernel). x32 only where the kernel runs it (see badarch).
    for (uint32_t arch : {SCMP_ARCH_X86, SCMP_ARCH_X32}) {
        if (seccomp_arch_native() == arch || (arch == SCMP_ARCH_X32 && !x32)) continue;
        int rc = seccomp_arch_add(c, arch);
        if (rc < 0 && rc != -EEXIST)
            return scmp_error(rc, fmt::format("add seccomp arch 0x{:x}", arch));
    }

    for (const SyscallRule& r : syscall_rules()) {
        if (r.treatment == Treatment::ArgFilter) continue;
        // Unknown to this libseccomp (newer than its tables): skipped, so the default action
        // (ENOSYS) applies. Names of one ABI only (socketcall, _llseek) resolve to libseccomp's
        // negative pseudo numbers, which it maps per arch.
        int nr = resolve(r.name);
        if (nr == __NR_SCMP_ERROR) continue;
        uint32_t action = SCMP_ACT_ERRNO(EPERM);
        switch (r.treatment) {
            case Treatment::Allow:
                action = SCMP_ACT_ALLOW;
                break;
            case Treatment::Deny:
                break;
            case Treatment::CapGated:
                if ((o.caps & r.caps) != 0) action = SCMP_ACT_ALLOW;
                if (r.name == "syslog" && o.allow_syslog) action = SCMP_ACT_ALLOW;
                break;
            case Treatment::Nesting:
                if (o.allow_nesting) action = SCMP_ACT_ALLOW;
                break;
            case Treatment::ArgFilter:
                break;
        }
        VS_TRY(add(c, action, nr, r.name));
    }
    VS_TRY(add_arg_filters(c, o));
    return ctx;
}

Result<Ctx> build(const std::string& name, const ProfileOptions& o) {
    if (name == "default") return build_default(o);
    return make_error(EINVAL, "unknown seccomp profile \"{}\" (known: default, unconfined)", name);
}

}  // namespace

bool kernel_runs_x32() {
    static const bool runs = [] {
        // Already under a seccomp filter (vserver run inside a guest): the probe could be
        // killed by it, so assume x32 and keep it in the filter (the safe, larger choice).
        if (::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0) return true;
        constexpr long kX32Bit = 0x40000000;
        return ::syscall(kX32Bit | SYS_getpid) == ::getpid();
    }();
    return runs;
}

const std::vector<std::string>& profile_names() {
    static const std::vector<std::string> names = {"default", "unconfined"};
    return names;
}

bool is_profile(const std::string& name) { return name == "default" || name == "unconfined"; }

Result<Program> program_from_bytes(std::string_view bytes) {
    if (bytes.empty() || bytes.size() % sizeof(sock_filter) != 0 ||
        bytes.size() / sizeof(sock_filter) > BPF_MAXINSNS)
        return make_error(EINVAL, "seccomp program of {} bytes is not 1..{} BPF instructions",
                          bytes.size(), BPF_MAXINSNS);
    Program p;
    p.insns.resize(bytes.size() / sizeof(sock_filter));
    std::memcpy(p.insns.data(), bytes.data(), bytes.size());
    return p;
}

Result<Program> compile(const std::string& name, const ProfileOptions& options) {
    if (name == "unconfined") return Program{};
    // Not VS_TRY(build().wrap()): wrap returns a reference into the temporary Result, which
    // would dangle inside VS_TRY's `auto&&`.
    auto built = build(name, options);
    if (!built) return std::move(built.error().wrap(fmt::format("seccomp profile {}", name)));
    Ctx ctx = std::move(*built);
    UniqueFd fd(memfd_create("seccomp-bpf", MFD_CLOEXEC));
    if (!fd) return errno_error("memfd_create seccomp-bpf");
    if (int rc = seccomp_export_bpf(ctx.c, fd.get()); rc < 0)
        return scmp_error(rc, fmt::format("compile seccomp profile {}", name));
    if (lseek(fd.get(), 0, SEEK_SET) < 0) return errno_error("lseek seccomp-bpf");
    auto bytes = VS_TRY(sys::read_all(fd.get(), "seccomp-bpf"));
    auto prog = program_from_bytes(bytes);
    if (!prog) return std::move(prog.error().wrap(fmt::format("compile seccomp profile {}", name)));
    return prog;
}

Status load_program(const Program& program) {
    if (program.empty()) return ok();
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(program.insns.size());
    prog.filter = const_cast<sock_filter*>(program.insns.data());
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
        return errno_error(fmt::format("load seccomp filter ({} instructions)", prog.len));
    return ok();
}

Status load_profile(const std::string& name, const ProfileOptions& options) {
    Program p = VS_TRY(compile(name, options));
    return load_program(p);
}

Status load_profile(const std::string& name, bool allow_nesting) {
    ProfileOptions o;
    o.allow_nesting = allow_nesting;
    return load_profile(name, o);
}

Result<std::string> export_pfc(const std::string& name, const ProfileOptions& options) {
    if (name == "unconfined") return std::string("# unconfined: no filter\n");
    auto built = build(name, options);
    if (!built) return std::move(built.error().wrap(fmt::format("seccomp profile {}", name)));
    Ctx ctx = std::move(*built);
    UniqueFd fd(memfd_create("seccomp-pfc", MFD_CLOEXEC));
    if (!fd) return errno_error("memfd_create seccomp-pfc");
    if (int rc = seccomp_export_pfc(ctx.c, fd.get()); rc < 0)
        return scmp_error(rc, fmt::format("export seccomp profile {}", name));
    if (lseek(fd.get(), 0, SEEK_SET) < 0) return errno_error("lseek seccomp-pfc");
    return sys::read_all(fd.get(), "seccomp-pfc");
}

}  // namespace vs::seccomp
