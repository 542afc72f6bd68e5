// config.json's "linux.seccomp": actions, architectures and operators mapped to libseccomp's.
#include <cerrno>

#include "base/strings.hpp"
#include "config/oci/parse.hpp"

namespace vs::config::oci {

namespace so = vs::spec::oci;

namespace {

// SCMP_ACT_KILL is libseccomp's old name for killing the thread.
constexpr std::pair<const char*, so::SeccompAction> kActions[] = {
    {"SCMP_ACT_KILL", so::SeccompAction::KillThread},
    {"SCMP_ACT_KILL_THREAD", so::SeccompAction::KillThread},
    {"SCMP_ACT_KILL_PROCESS", so::SeccompAction::KillProcess},
    {"SCMP_ACT_TRAP", so::SeccompAction::Trap},
    {"SCMP_ACT_ERRNO", so::SeccompAction::Errno},
    {"SCMP_ACT_TRACE", so::SeccompAction::Trace},
    {"SCMP_ACT_ALLOW", so::SeccompAction::Allow},
    {"SCMP_ACT_LOG", so::SeccompAction::Log},
    {"SCMP_ACT_NOTIFY", so::SeccompAction::Notify},
};

Result<so::SeccompAction> parse_action(const Node& n) {
    std::string a = VS_TRY(n.str());
    for (const auto& [name, act] : kActions)
        if (a == name) return act;
    return n.error("unknown seccomp action {}", n.show());
}

// The spec's SCMP_ARCH_* -> seccomp_arch_resolve_name()'s names.
constexpr std::pair<const char*, const char*> kArchs[] = {
    {"SCMP_ARCH_X86", "x86"},
    {"SCMP_ARCH_X86_64", "x86_64"},
    {"SCMP_ARCH_X32", "x32"},
    {"SCMP_ARCH_ARM", "arm"},
    {"SCMP_ARCH_AARCH64", "aarch64"},
    {"SCMP_ARCH_MIPS", "mips"},
    {"SCMP_ARCH_MIPS64", "mips64"},
    {"SCMP_ARCH_MIPS64N32", "mips64n32"},
    {"SCMP_ARCH_MIPSEL", "mipsel"},
    {"SCMP_ARCH_MIPSEL64", "mipsel64"},
    {"SCMP_ARCH_MIPSEL64N32", "mipsel64n32"},
    {"SCMP_ARCH_PPC", "ppc"},
    {"SCMP_ARCH_PPC64", "ppc64"},
    {"SCMP_ARCH_PPC64LE", "ppc64le"},
    {"SCMP_ARCH_S390", "s390"},
    {"SCMP_ARCH_S390X", "s390x"},
    {"SCMP_ARCH_PARISC", "parisc"},
    {"SCMP_ARCH_PARISC64", "parisc64"},
    {"SCMP_ARCH_RISCV64", "riscv64"},
    {"SCMP_ARCH_LOONGARCH64", "loongarch64"},
    {"SCMP_ARCH_M68K", "m68k"},
    {"SCMP_ARCH_SH", "sh"},
    {"SCMP_ARCH_SHEB", "sheb"},
};

Result<std::string> parse_arch(const Node& n) {
    std::string a = VS_TRY(n.str());
    for (const auto& [name, lib] : kArchs)
        if (a == name) return std::string(lib);
    return n.error("unknown seccomp architecture {}", n.show());
}

constexpr std::pair<const char*, so::SeccompOp> kOps[] = {
    {"SCMP_CMP_NE", so::SeccompOp::NotEqual},           {"SCMP_CMP_LT", so::SeccompOp::LessThan},
    {"SCMP_CMP_LE", so::SeccompOp::LessEqual},          {"SCMP_CMP_EQ", so::SeccompOp::EqualTo},
    {"SCMP_CMP_GE", so::SeccompOp::GreaterEqual},       {"SCMP_CMP_GT", so::SeccompOp::GreaterThan},
    {"SCMP_CMP_MASKED_EQ", so::SeccompOp::MaskedEqual},
};

Result<so::SeccompOp> parse_op(const Node& n) {
    std::string o = VS_TRY(n.str());
    for (const auto& [name, op] : kOps)
        if (o == name) return op;
    return n.error("unknown seccomp operator {}", n.show());
}

constexpr std::pair<const char*, uint32_t> kFlags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", so::kSeccompTsync},
    {"SECCOMP_FILTER_FLAG_LOG", so::kSeccompLog},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", so::kSeccompSpecAllow},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", so::kSeccompWaitKillableRecv},
};

Result<uint32_t> parse_flag(const Node& n) {
    std::string f = VS_TRY(n.str());
    for (const auto& [name, bit] : kFlags)
        if (f == name) return bit;
    return n.error("unknown seccomp flag {}", n.show());
}

/// errnoRet: an errno value (1..4095: the kernel's MAX_ERRNO), only where an errno is returned.
Result<std::optional<uint32_t>> parse_errno_ret(const Node& n, so::SeccompAction act) {
    if (!n.present()) return std::optional<uint32_t>();
    uint32_t v = static_cast<uint32_t>(VS_TRY(n.int_in(0, 4095)));
    if (act != so::SeccompAction::Errno && act != so::SeccompAction::Trace)
        return n.error("only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return a value");
    return std::optional<uint32_t>(v);
}

Result<so::SeccompRule> parse_rule(const Node& n) {
    VS_TRY(n.expect_object());
    n.note_unknown({"names", "action", "errnoRet", "args", "comment", "includes", "excludes"});
    so::SeccompRule r;
    r.names = VS_TRY(n["names"].strings());
    if (r.names.empty()) return n["names"].error("required: at least one syscall name");
    for (size_t i = 0; i < r.names.size(); ++i) {
        const auto& s = r.names[i];
        // libseccomp resolves the names per architecture when the filter is built; here only
        // their shape is checked.
        if (s.empty() || s.size() > 64 ||
            s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
            return n["names"].at(i).error("{} is not a syscall name", str::quote(s));
    }
    if (!n["action"].present()) return n["action"].error("required");
    r.action = VS_TRY(parse_action(n["action"]));
    r.errno_ret = VS_TRY(parse_errno_ret(n["errnoRet"], r.action));
    for (const auto& a : VS_TRY(n["args"].elements())) {
        VS_TRY(a.expect_object());
        a.note_unknown({"index", "value", "valueTwo", "op"});
        so::SeccompArg arg;
        for (const char* k : {"index", "value", "op"})
            if (!a[k].present()) return a[k].error("required");
        // seccomp_data.args has six entries.
        arg.index = static_cast<uint32_t>(VS_TRY(a["index"].int_in(0, 5)));
        arg.value = VS_TRY(a["value"].u64());
        if (a["valueTwo"].present()) arg.value_two = VS_TRY(a["valueTwo"].u64());
        arg.op = VS_TRY(parse_op(a["op"]));
        r.args.push_back(arg);
    }
    return r;
}

}  // namespace

SeccompNames seccomp_names() {
    SeccompNames out;
    for (const auto& e : kActions) out.actions.emplace_back(e.first);
    for (const auto& e : kOps) out.operators.emplace_back(e.first);
    for (const auto& e : kArchs) out.archs.emplace_back(e.first);
    for (const auto& e : kFlags) out.flags.emplace_back(e.first);
    return out;
}

Result<so::Seccomp> parse_seccomp_node(const Node& n) {
    VS_TRY(n.expect_object());
    n.note_unknown({"defaultAction", "defaultErrnoRet", "architectures", "flags", "listenerPath",
                    "listenerMetadata", "syscalls"});
    so::Seccomp s;
    if (!n["defaultAction"].present()) return n["defaultAction"].error("required");
    s.default_action = VS_TRY(parse_action(n["defaultAction"]));
    // Notify as the default would stop the runtime's own calls between loading the filter and
    // exec, with the listener not yet handed to anyone.
    if (s.default_action == so::SeccompAction::Notify)
        return n["defaultAction"].error("SCMP_ACT_NOTIFY cannot be the default action");
    s.default_errno_ret = VS_TRY(parse_errno_ret(n["defaultErrnoRet"], s.default_action));
    for (const auto& a : VS_TRY(n["architectures"].elements())) {
        std::string arch = VS_TRY(parse_arch(a));
        for (const auto& o : s.architectures)
            if (o == arch) return a.error("{} given twice", a.show());
        s.architectures.push_back(std::move(arch));
    }
    for (const auto& f : VS_TRY(n["flags"].elements())) s.flags |= VS_TRY(parse_flag(f));
    if (n["listenerPath"].present()) {
        s.listener_path = VS_TRY(n["listenerPath"].str());
        if (!s.listener_path.empty()) s.listener_path = VS_TRY(n["listenerPath"].abs_path());
    }
    if (auto v = VS_OCI_OPT(n["listenerMetadata"], str)) s.listener_metadata = *v;
    bool notify = false;
    for (const auto& r : VS_TRY(n["syscalls"].elements())) {
        s.syscalls.push_back(VS_TRY(parse_rule(r)));
        notify = notify || s.syscalls.back().action == so::SeccompAction::Notify;
    }
    // The spec: SCMP_ACT_NOTIFY needs a listener to hand the notify fd to.
    if (notify && s.listener_path.empty())
        return n["listenerPath"].error("required when a rule uses SCMP_ACT_NOTIFY");
    return s;
}

}  // namespace vs::config::oci
