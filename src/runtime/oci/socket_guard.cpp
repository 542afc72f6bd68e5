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
#include "lsm/socket_guard.hpp"
#include "seccomp/simulate.hpp"

namespace vs::runtime::oci {

Result<std::string> guard_socket_families(const Options& opt, const std::string& id,
                                          const seccomp::Program& filter,
                                          const std::string& cgroup2_path) {
    auto gap = VS_TRY(seccomp::i386_socketcall_gap(filter).wrap("linux.seccomp"));
    lsm::FamilyErrnos errnos{};
    bool any = false;
    for (size_t f = 0; f < gap.size() && f < errnos.size(); ++f) {
        errnos[f] = gap[f];
        any = any || gap[f] != 0;
    }
    if (!any) return std::string();
    // In the state root, under a name that is no container id (check_id refuses ':'), so list
    // passes it by and no id can take it.
    const std::string cache = opt.root + "/bpf-lsm:support";
    std::string why;
    if (cgroup2_path.empty())
        why = "no cgroup2 node to attach the BPF LSM guard to";
    else if (VS_TRY(lsm::attach_families(cgroup2_path, cache, errnos)
                        .wrap("linux.seccomp of container \"{}\"", id)))
        return std::string("attached");
    else
        why = lsm::support(cache).reason;
    // The container runs as runc would run it; who asks (--debug, --log) learns why.
    log::debug(
        "container \"{}\": i386 socketcall(2) can create the socket families its "
        "linux.seccomp refuses to socket(2): {}",
        id, why);
    return why;
}

}  // namespace vs::runtime::oci
