// Unit tests for the seccomp default profile's tables: every syscall of the three x86 ABIs that
// libseccomp knows is classified exactly once, and the built filter says what the table says.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <seccomp.h>

#include <set>

#include "seccomp/profile.hpp"
#include "seccomp/syscall_table.hpp"

namespace vs {
namespace {

TEST(SeccompTable, NamesAreUnique) {
    std::set<std::string_view> seen;
    for (const auto& r : seccomp::syscall_rules())
        EXPECT_TRUE(seen.insert(r.name).second) << "duplicate: " << r.name;
}

TEST(SeccompTable, EveryNonAllowEntrySaysWhy) {
    for (const auto& r : seccomp::syscall_rules())
        if (r.treatment != seccomp::Treatment::Allow) {
            EXPECT_FALSE(r.why.empty()) << r.name;
        }
}

// Completeness: a syscall added to the kernel (and to libseccomp) must be reviewed and put in
// the table; until then it silently gets ENOSYS, which this test turns into a failure.
TEST(SeccompTable, EverySyscallLibseccompKnowsIsClassified) {
    for (uint32_t arch :
         {uint32_t{SCMP_ARCH_X86_64}, uint32_t{SCMP_ARCH_X86}, uint32_t{SCMP_ARCH_X32}}) {
        const int base = arch == SCMP_ARCH_X32 ? 0x40000000 : 0;
        int known = 0;
        for (int nr = 0; nr < 600; ++nr) {
            char* name = seccomp_syscall_resolve_num_arch(arch, base + nr);
            if (!name) continue;
            ++known;
            EXPECT_NE(seccomp::find_rule(name), nullptr)
                << "arch 0x" << std::hex << arch << std::dec << " syscall " << nr << " " << name
                << " is not classified in src/seccomp/syscall_table.cpp";
            free(name);
        }
        EXPECT_GT(known, 300) << "arch 0x" << std::hex << arch;
    }
}

TEST(SeccompTable, DangerousCallsAreNeverPlainlyAllowed) {
    for (const char* n : {"kexec_load",    "kexec_file_load", "open_by_handle_at",
                          "init_module",   "finit_module",    "delete_module",
                          "bpf",           "perf_event_open", "userfaultfd",
                          "keyctl",        "add_key",         "request_key",
                          "swapon",        "swapoff",         "acct",
                          "iopl",          "ioperm",          "settimeofday",
                          "clock_settime", "syslog",          "mount",
                          "umount2",       "pivot_root",      "fsopen",
                          "fsmount",       "open_tree",       "move_mount",
                          "mount_setattr", "fsconfig",        "fspick",
                          "setns",         "unshare",         "clone",
                          "clone3",        "io_uring_setup",  "personality",
                          "lookup_dcookie"}) {
        const auto* r = seccomp::find_rule(n);
        ASSERT_NE(r, nullptr) << n;
        EXPECT_NE(r->treatment, seccomp::Treatment::Allow) << n;
    }
    // Never unlocked by any capability.
    for (const char* n : {"kexec_load", "kexec_file_load", "open_by_handle_at", "userfaultfd",
                          "keyctl", "io_uring_setup", "swapon"})
        EXPECT_EQ(seccomp::find_rule(n)->treatment, seccomp::Treatment::Deny) << n;
}

// The exported filter text: the three ABIs are present, and a capability flips its gate.
TEST(SeccompProfile, ExportShowsAbisAndCapabilityGates) {
    seccomp::ProfileOptions o;
    auto pfc = seccomp::export_pfc("default", o);
    ASSERT_TRUE(pfc) << pfc.error().what();
    EXPECT_NE(pfc->find("filter for arch x86_64"), std::string::npos);
    EXPECT_NE(pfc->find("filter for arch x86 "), std::string::npos);
    // x32 only where the kernel runs it; elsewhere its calls take the invalid-arch action,
    // ENOSYS (what the kernel answers), never a kill.
    if (seccomp::kernel_runs_x32()) {
        EXPECT_NE(pfc->find("filter for arch x32"), std::string::npos);
    } else {
        EXPECT_EQ(pfc->find("filter for arch x32"), std::string::npos);
        auto at = pfc->find("# invalid architecture action");
        ASSERT_NE(at, std::string::npos);
        EXPECT_NE(pfc->find("action ERRNO(38)", at), std::string::npos);
    }
    EXPECT_NE(pfc->find("action ERRNO(38)"), std::string::npos);  // default: ENOSYS

    auto section = [](const std::string& text, const std::string& sys) {
        auto at = text.find("# filter for syscall \"" + sys + "\"");
        if (at == std::string::npos) return std::string();
        auto end = text.find("# filter for", at + 1);
        return text.substr(at, end - at);
    };
    EXPECT_NE(section(*pfc, "mount").find("ERRNO(1)"), std::string::npos);
    o.caps = uint64_t{1} << CAP_SYS_ADMIN;
    auto with_admin = seccomp::export_pfc("default", o);
    ASSERT_TRUE(with_admin);
    EXPECT_NE(section(*with_admin, "mount").find("ALLOW"), std::string::npos);
    EXPECT_NE(section(*with_admin, "kexec_load").find("ERRNO(1)"), std::string::npos);
}

TEST(SeccompProfile, Names) {
    EXPECT_TRUE(seccomp::is_profile("default"));
    EXPECT_TRUE(seccomp::is_profile("unconfined"));
    EXPECT_FALSE(seccomp::is_profile("strict"));
    auto bad = seccomp::export_pfc("strict", {});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, EINVAL);
}

}  // namespace
}  // namespace vs
