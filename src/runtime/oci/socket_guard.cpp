// The BPF LSM socket guard of an OCI container, made from its own linux.seccomp.
//
// Engines' profiles (Docker's, podman's) refuse some socket families by socket(2)'s first
// argument and allow i386 socketcall(2), whose SYS_SOCKET passes the family behind a pointer
// the filter cannot read; libseccomp even turns such a socket rule into an open socketcall
// (tests/unit/seccomp/simulate_test.cpp). A 32-bit program in the container then creates the
// families the profile meant to refuse (AF_VSOCK: module autoload, a history of exploits).
// The guests' guard closes that hole for the guests' fixed list; here the list and the errnos
// are the profile's own, found by running the compiled filter on i386 socket(2) for every
// family, so the container sees on every ABI what its profile says for socket(2), and nothing
// the profile allows is refused. A container without linux.seccomp gets nothing, as in runc.
#include "runtime/oci/socket_guard.hpp"

#include "base/log.hpp"
#include "bpf/glue.hpp"
#include "lsm/socket_guard.hpp"
#include "seccomp/simulate.hpp"

namespace vs::runtime::oci {

Result<SocketGuard> guard_socket_families(const Options& opt, const std::string& id,
                                          const seccomp::Program* filter,
                                          const std::string& cgroup2_path, int cgfd, bool reused) {
    lsm::FamilyErrnos errnos{};
    bool any = false;
    if (filter) {
        auto gap = VS_TRY(seccomp::i386_socketcall_gap(*filter).wrap("linux.seccomp"));
        for (size_t f = 0; f < gap.size() && f < errnos.size(); ++f) {
            errnos[f] = gap[f];
            any = any || gap[f] != 0;
        }
    }
    SocketGuard out;
    // Nothing to refuse, and no guard of an earlier container can be on a node made now.
    if (!any && !reused) return out;
    if (cgfd < 0) {
        if (any) out.state = "no cgroup2 node to attach the BPF LSM guard to";
    } else {
        // In the state root, under a name that is no container id (check_id refuses ':'), so
        // list passes it by and no id can take it.
        lsm::Support s = lsm::support(opt.root + "/bpf-lsm:support");
        // A kernel that cannot run the guard holds none of ours either.
        if (!s.usable) {
            if (any) out.state = s.reason;
        } else if (any) {
            out.guard = VS_TRY(lsm::set_families(cgroup2_path, cgfd, s, errnos)
                                   .wrap("linux.seccomp of container \"{}\"", id));
            out.state = "attached";
            return out;
        } else {
            out.guard =
                VS_TRY(lsm::clear_families(cgroup2_path, cgfd).wrap("container \"{}\"", id));
            return out;
        }
    }
    // The container runs as runc would run it; who asks (--debug, --log) learns why.
    if (any)
        log::debug(
            "container \"{}\": i386 socketcall(2) can create the socket families its "
            "linux.seccomp refuses to socket(2): {}",
            id, out.state);
    return out;
}

Status drop_socket_guard(const Record& r, const std::string& cgroup2_path) {
    if (r.socket_guard_id == 0 || cgroup2_path.empty()) return ok();
    auto cg = bpf::open_cgroup(cgroup2_path);
    if (!cg && cg.error().code == ENOENT) return ok();  // the node is gone, and the guard with it
    if (!cg) return std::move(cg).error();
    return lsm::detach_families(cgroup2_path, cg->get(), r.socket_guard_id)
        .wrap("container \"{}\"", r.id);
}

}  // namespace vs::runtime::oci
