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

#include <fcntl.h>
#include <sys/file.h>
#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <string_view>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "fs/xattrs.hpp"
#include "lsm/socket_guard.hpp"
#include "seccomp/simulate.hpp"

namespace vs::runtime::oci {

namespace {

// The owner of each guard on a node, as an xattr of the node's directory: the name ends with
// the guard's program id, the value is the families it refuses (a 64-bit mask, hex) and the
// owner's state dir, on two lines. trusted.*: only root (who can attach the guard at all) may
// write it; the kernel drops it with the node.
constexpr std::string_view kOwnerPrefix = "trusted.vsrun.socket_guard.";

std::string owner_name(uint32_t prog_id) { return fmt::format("{}{}", kOwnerPrefix, prog_id); }

uint64_t refused_mask(const lsm::FamilyErrnos& errnos) {
    uint64_t m = 0;
    for (size_t f = 0; f < errnos.size(); ++f)
        if (errnos[f]) m |= uint64_t{1} << f;
    return m;
}

struct Owner {
    uint64_t refused = 0;
    std::string dir;
};

// The node's directory, opened for its owner records and locked: vsruns of every --root take
// this lock around a decision on the node's guards, so two creates never both replace one.
Result<UniqueFd> lock_node(const std::string& cgroup2_path) {
    auto fd = VS_TRY(sys::open(cgroup2_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    while (::flock(fd.get(), LOCK_EX) < 0)
        if (errno != EINTR) return errno_error(fmt::format("lock \"{}\"", cgroup2_path));
    return fd;
}

Result<std::map<uint32_t, Owner>> owners(int node, const std::string& cgroup2_path) {
    std::map<uint32_t, Owner> out;
    for (const auto& [name, value] : VS_TRY(fs::read_xattrs(node, cgroup2_path))) {
        if (!str::starts_with(name, kOwnerPrefix)) continue;
        auto id = str::parse_u64(std::string_view(name).substr(kOwnerPrefix.size()));
        auto nl = value.find('\n');
        if (!id || *id > UINT32_MAX || nl == std::string::npos) continue;
        uint64_t mask = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + nl, mask, 16);
        if (ec != std::errc() || end != value.data() + nl) continue;
        out[static_cast<uint32_t>(*id)] = Owner{mask, value.substr(nl + 1)};
    }
    return out;
}

// Whether the container whose state dir is `dir` may still have processes on the node: not
// stopped, or being created (its dir there, its state.json not yet), or unreadable.
bool may_run(const std::string& dir) {
    auto slash = dir.find_last_of('/');
    auto r = load(dir, slash == std::string::npos ? dir : dir.substr(slash + 1));
    if (!r) return r.error().code != ENOENT || sys::exists(dir);
    return state_of(*r, dir) != State::Stopped;
}

}  // namespace

Result<SocketGuard> guard_socket_families(const Options& opt, const std::string& id,
                                          const seccomp::Program* filter,
                                          const std::string& cgroup2_path, int cgfd) {
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
    // Nothing to refuse: the guards of others on a shared node are theirs.
    if (!any) return out;
    if (cgfd < 0) {
        out.state = "no cgroup2 node to attach the BPF LSM guard to";
    } else {
        // In the state root, under a name that is no container id (check_id refuses ':'), so
        // list passes it by and no id can take it.
        lsm::Support s = lsm::support(opt.root + "/bpf-lsm:support");
        // A kernel that cannot run the guard holds none of ours either.
        if (!s.usable) {
            out.state = s.reason;
        } else {
            auto what = [&] { return fmt::format("linux.seccomp of container \"{}\"", id); };
            auto node = VS_TRY(lock_node(cgroup2_path).wrap("{}", what()));
            auto own = VS_TRY(owners(node.get(), cgroup2_path).wrap("{}", what()));
            const uint64_t mask = refused_mask(errnos);
            // A guard of a container that can have no process left, all of whose refusals the
            // new one makes: replacing it loosens nothing. One without an owner record is kept.
            auto replaceable = [&](uint32_t prog) {
                auto o = own.find(prog);
                return o != own.end() && (o->second.refused & ~mask) == 0 &&
                       !may_run(o->second.dir);
            };
            out.guard = VS_TRY(
                lsm::set_families(cgroup2_path, cgfd, s, errnos, replaceable).wrap("{}", what()));
            out.state = "attached";
            const std::string record = fmt::format("{:x}\n{}", mask, container_dir(opt, id));
            if (::fsetxattr(node.get(), owner_name(out.guard.id).c_str(), record.data(),
                            record.size(), 0) < 0) {
                Error e = errno_error(
                    fmt::format("record the owner of the socket guard on \"{}\"", cgroup2_path));
                (void)lsm::undo_families(cgroup2_path, cgfd, std::move(out.guard));
                return std::move(e.wrap(what()));
            }
            // The records of guards no longer on the node (replaced, or detached by a delete that
            // could not remove its record) go.
            auto now = lsm::family_guards(cgfd);
            for (const auto& [prog, o] : own)
                if (now && std::find(now->begin(), now->end(), prog) == now->end())
                    (void)::fremovexattr(node.get(), owner_name(prog).c_str());
            return out;
        }
    }
    // The container runs as runc would run it; who asks (--debug, --log) learns why.
    log::debug(
        "container \"{}\": i386 socketcall(2) can create the socket families its "
        "linux.seccomp refuses to socket(2): {}",
        id, out.state);
    return out;
}

Status undo_socket_guard(const std::string& cgroup2_path, int cgfd, lsm::FamilyGuard g) {
    auto node = VS_TRY(lock_node(cgroup2_path));
    const uint32_t id = g.id;
    VS_TRY(lsm::undo_families(cgroup2_path, cgfd, std::move(g)));
    (void)::fremovexattr(node.get(), owner_name(id).c_str());
    return ok();
}

Status drop_socket_guard(const Record& r, const std::string& cgroup2_path) {
    if (r.socket_guard_id == 0 || cgroup2_path.empty()) return ok();
    auto node = lock_node(cgroup2_path);
    // The node is gone, and the guard with it.
    if (!node && node.error().code == ENOENT) return ok();
    if (!node) return std::move(node.error().wrap(fmt::format("container \"{}\"", r.id)));
    VS_TRY(lsm::detach_families(cgroup2_path, node->get(), r.socket_guard_id)
               .wrap("container \"{}\"", r.id));
    if (::fremovexattr(node->get(), owner_name(r.socket_guard_id).c_str()) < 0 && errno != ENODATA)
        log::warn("container \"{}\": remove the owner record of its socket guard on \"{}\": {}",
                  r.id, cgroup2_path, std::strerror(errno));
    return ok();
}

}  // namespace vs::runtime::oci
