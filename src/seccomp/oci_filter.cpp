// OCI seccomp -> BPF.
#include "seccomp/oci_filter.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/sys.hpp"
#include "base/unique_fd.hpp"

namespace vs::seccomp {

namespace {

using spec::oci::SeccompAction;
using spec::oci::SeccompOp;

struct Ctx {
    scmp_filter_ctx c = nullptr;
    ~Ctx() {
        if (c) seccomp_release(c);
    }
};

Result<uint32_t> action(SeccompAction a, std::optional<uint32_t> ret, const std::string& where) {
    switch (a) {
        case SeccompAction::KillThread:
            return SCMP_ACT_KILL_THREAD;
        case SeccompAction::KillProcess:
            return SCMP_ACT_KILL_PROCESS;
        case SeccompAction::Trap:
            return SCMP_ACT_TRAP;
        case SeccompAction::Errno:
            return SCMP_ACT_ERRNO(ret.value_or(EPERM));
        case SeccompAction::Trace:
            return SCMP_ACT_TRACE(ret.value_or(EPERM));
        case SeccompAction::Allow:
            return SCMP_ACT_ALLOW;
        case SeccompAction::Log:
            return SCMP_ACT_LOG;
        case SeccompAction::Notify:
            return make_error(ENOTSUP, "{}: SCMP_ACT_NOTIFY (a seccomp listener) is not supported",
                              where);
    }
    return make_error(EINVAL, "{}: unknown action", where);
}

scmp_compare compare(SeccompOp op) {
    switch (op) {
        case SeccompOp::NotEqual:
            return SCMP_CMP_NE;
        case SeccompOp::LessThan:
            return SCMP_CMP_LT;
        case SeccompOp::LessEqual:
            return SCMP_CMP_LE;
        case SeccompOp::EqualTo:
            return SCMP_CMP_EQ;
        case SeccompOp::GreaterEqual:
            return SCMP_CMP_GE;
        case SeccompOp::GreaterThan:
            return SCMP_CMP_GT;
        case SeccompOp::MaskedEqual:
            return SCMP_CMP_MASKED_EQ;
    }
    return SCMP_CMP_EQ;
}

}  // namespace

Result<Program> compile_oci(const spec::oci::Seccomp& s) {
    uint32_t def =
        VS_TRY(action(s.default_action, s.default_errno_ret, "linux.seccomp.defaultAction"));
    Ctx ctx{seccomp_init(def)};
    if (!ctx.c) return make_error(EINVAL, "linux.seccomp: seccomp_init failed");
    // The filter is loaded by us (load_program), never by libseccomp: no_new_privs is the
    // config's own choice (process.noNewPrivileges).
    seccomp_attr_set(ctx.c, SCMP_FLTATR_CTL_NNP, 0);
    for (const auto& arch : s.architectures) {
        uint32_t a = seccomp_arch_resolve_name(arch.c_str());
        if (a == 0) return make_error(EINVAL, "linux.seccomp.architectures: unknown \"{}\"", arch);
        int rc = seccomp_arch_add(ctx.c, a);
        if (rc < 0 && rc != -EEXIST)
            return make_error(-rc, "linux.seccomp.architectures: add \"{}\"", arch);
    }
    for (size_t i = 0; i < s.syscalls.size(); ++i) {
        const auto& r = s.syscalls[i];
        std::string where = fmt::format("linux.seccomp.syscalls[{}]", i);
        uint32_t act = VS_TRY(action(r.action, r.errno_ret, where + ".action"));
        if (act == def) continue;  // libseccomp refuses a rule that repeats the default
        std::vector<scmp_arg_cmp> cmps;
        for (const auto& a : r.args) {
            scmp_arg_cmp c{};
            c.arg = a.index;
            c.op = compare(a.op);
            c.datum_a = a.value;
            c.datum_b = a.value_two;
            cmps.push_back(c);
        }
        for (const auto& name : r.names) {
            int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR) continue;
            int rc = seccomp_rule_add_array(ctx.c, act, nr, static_cast<unsigned>(cmps.size()),
                                            cmps.empty() ? nullptr : cmps.data());
            if (rc < 0) return make_error(-rc, "{}: add the rule for \"{}\"", where, name);
        }
    }
    UniqueFd fd(memfd_create("seccomp-oci", MFD_CLOEXEC));
    if (!fd) return errno_error("memfd_create seccomp-oci");
    if (int rc = seccomp_export_bpf(ctx.c, fd.get()); rc < 0)
        return make_error(-rc, "linux.seccomp: compile the filter");
    if (lseek(fd.get(), 0, SEEK_SET) < 0) return errno_error("lseek seccomp-oci");
    auto bytes = VS_TRY(sys::read_all(fd.get(), "seccomp-oci"));
    return program_from_bytes(bytes).wrap("linux.seccomp");
}

Status load_program_flags(const Program& program, uint32_t flags) {
    if (program.empty()) return ok();
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(program.insns.size());
    prog.filter = const_cast<sock_filter*>(program.insns.data());
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) != 0)
        return errno_error(
            fmt::format("load seccomp filter ({} instructions, flags {:#x})", prog.len, flags));
    return ok();
}

}  // namespace vs::seccomp
