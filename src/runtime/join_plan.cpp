// The plan `vs-init --join` is sent (its layout: proc/init_protocol.hpp) and the result memfd
// it writes back; why the joining process is a sealed vs-init: join.cpp.
#include "runtime/join_plan.hpp"

#include <linux/filter.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include "caps/apply.hpp"

namespace vs::runtime {

Result<std::string> make_plan(const JoinProfile& profile, const JoinRequest& req, int pidfd,
                              int root_fd, int result_fd) {
    const uint64_t ns_flags = profile.ns_flags;
    const auto& limits = profile.rlimits;
    const auto& filter = profile.filter;
    namespace jp = proc::init_protocol;
    jp::PlanHeader h{};
    h.magic = jp::kPlanMagic;
    h.version = jp::kPlanVersion;
    h.ns_flags = ns_flags;
    h.pidfd = pidfd;
    h.root_fd = root_fd;
    h.result_fd = result_fd;
    h.preserve_fds = static_cast<uint32_t>(req.preserve_fds);
    if (req.tty) h.flags |= jp::kTty;
    if (ns_flags & CLONE_NEWUSER) h.flags |= jp::kUserns;
    if (profile.no_new_privs) h.flags |= jp::kNoNewPrivs;
    // Always, root too: the command gets exactly req.groups, never the caller's own
    // supplementary groups (which fork and execve keep).
    h.flags |= jp::kSetIds;
    int last = VS_TRY(caps::kernel_last_cap());
    const uint64_t known = last == 63 ? ~uint64_t{0} : ((uint64_t{1} << (last + 1)) - 1);
    h.cap_last = last;
    h.cap_keep = profile.cap_bounding & known;
    if (const auto& c = profile.oci_caps) {
        h.flags |= jp::kOciCaps;
        // capabilities(7): permitted must hold effective and ambient, inheritable ambient.
        h.cap_effective = c->effective & known;
        h.cap_permitted = (c->permitted | c->effective | c->ambient) & known;
        h.cap_inheritable = (c->inheritable | c->ambient) & known;
        h.cap_ambient = c->ambient & known;
    }
    h.uid = req.uid;
    h.gid = req.gid;
    h.n_groups = static_cast<uint32_t>(req.groups.size());
    h.n_rlimits = static_cast<uint32_t>(limits.size());
    h.n_filter = static_cast<uint32_t>(filter.insns.size());
    h.home_len = static_cast<uint32_t>(req.home.size() + 1);
    const std::string apparmor =
        profile.apparmor_profile.empty() ? "" : "exec " + profile.apparmor_profile;
    const std::string& selinux = profile.selinux_label;
    h.apparmor_len = apparmor.empty() ? 0 : static_cast<uint32_t>(apparmor.size() + 1);
    h.selinux_len = selinux.empty() ? 0 : static_cast<uint32_t>(selinux.size() + 1);
    std::string out(reinterpret_cast<const char*>(&h), sizeof h);
    for (gid_t g : req.groups) {
        uint32_t v = g;
        out.append(reinterpret_cast<const char*>(&v), sizeof v);
    }
    for (auto& l : limits) {
        jp::PlanRlimit r{l.resource, 0, l.value.rlim_cur, l.value.rlim_max};
        out.append(reinterpret_cast<const char*>(&r), sizeof r);
    }
    static_assert(sizeof(sock_filter) == jp::kFilterInsnSize);
    out.append(reinterpret_cast<const char*>(filter.insns.data()),
               filter.insns.size() * sizeof(sock_filter));
    out.append(req.home.c_str(), req.home.size() + 1);
    if (h.apparmor_len) out.append(apparmor.c_str(), h.apparmor_len);
    if (h.selinux_len) out.append(selinux.c_str(), h.selinux_len);
    if (out.size() + sizeof(jp::MsgHeader) > jp::kMaxPlan)
        return make_error(E2BIG,
                          "the exec plan for vs-init is {} bytes, more than its {}: {} groups, "
                          "{} seccomp instructions",
                          out.size() + sizeof(jp::MsgHeader), jp::kMaxPlan, req.groups.size(),
                          filter.insns.size());
    return out;
}

Result<UniqueFd> make_result_memfd() {
    int fd = ::memfd_create("vs-join-result", MFD_CLOEXEC);
    if (fd < 0) return errno_error("memfd_create for vs-init's result");
    UniqueFd r(fd);
    if (::ftruncate(fd, sizeof(proc::init_protocol::JoinResult)) < 0)
        return errno_error("size the memfd for vs-init's result");
    return r;
}

Result<proc::init_protocol::JoinResult> read_result(int fd) {
    proc::init_protocol::JoinResult r{};
    ssize_t n = ::pread(fd, &r, sizeof r, 0);
    if (n < 0) return errno_error("read vs-init's result");
    if (static_cast<size_t>(n) != sizeof r)
        return make_error(EIO, "read vs-init's result: {} bytes, not {}", n, sizeof r);
    r.what[sizeof r.what - 1] = '\0';
    return r;
}

}  // namespace vs::runtime
