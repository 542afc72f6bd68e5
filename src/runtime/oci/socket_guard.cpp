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
#include "proc/proc_info.hpp"
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

// The node's directory, opened for its owner records and locked: vsruns of every --root take
// this lock around a decision on the node's guards, so two creates never both replace one.
Result<UniqueFd> lock_node(const std::string& cgroup2_path) {
    auto fd = VS_TRY(sys::open(cgroup2_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    while (::flock(fd.get(), LOCK_EX) < 0)
        if (errno != EINTR) return errno_error(fmt::format("lock \"{}\"", cgroup2_path));
    return fd;
}

Result<std::map<uint32_t, GuardOwner>> owners(int node, const std::string& cgroup2_path) {
    std::map<uint32_t, GuardOwner> out;
    for (const auto& [name, value] : VS_TRY(fs::read_xattrs(node, cgroup2_path))) {
        if (!str::starts_with(name, kOwnerPrefix)) continue;
        auto id = str::parse_u64(std::string_view(name).substr(kOwnerPrefix.size()));
        if (!id || *id > UINT32_MAX) continue;
        if (auto o = parse_owner(value)) out[static_cast<uint32_t>(*id)] = std::move(*o);
    }
    return out;
}

// What the owner of guard `prog` is now, found from its state dir and its creator.
Standing standing_of(uint32_t prog, const GuardOwner& o) {
    OwnerFacts f;
    auto slash = o.dir.find_last_of('/');
    auto r = load(o.dir, slash == std::string::npos ? o.dir : o.dir.substr(slash + 1));
    if (r) {
        f.load = OwnerFacts::Loaded;
        f.guard_id = r->socket_guard_id;
        f.stopped = state_of(*r, o.dir) == State::Stopped;
    } else {
        f.load = r.error().code == ENOENT ? OwnerFacts::Missing : OwnerFacts::Unreadable;
    }
    f.dir_exists = sys::exists(o.dir);
    if (o.creator > 0) f.creator_alive = proc::is_alive(o.creator, o.creator_start);
    return owner_standing(prog, o, f);
}

// Takes off the node the guards whose owners can have nothing left there (stopped in a pid
// namespace of their own) or are no longer the containers their records name, with their
// records. The standings of the others are returned.
std::map<uint32_t, Standing> settle(int node, const std::string& cgroup2_path,
                                    const std::map<uint32_t, GuardOwner>& own) {
    std::map<uint32_t, Standing> out;
    for (const auto& [prog, o] : own) {
        Standing st = standing_of(prog, o);
        if (st != Standing::Gone && st != Standing::Stale) {
            out[prog] = st;
            continue;
        }
        if (auto r = lsm::detach_families(cgroup2_path, node, prog); !r) {
            log::warn("socket guard {} on \"{}\" ({}: {}): {}", prog, cgroup2_path, o.dir,
                      st == Standing::Gone ? "stopped" : "no longer its owner", r.error().what());
            out[prog] = Standing::Runs;
            continue;
        }
        (void)::fremovexattr(node, owner_name(prog).c_str());
        log::debug("socket guard {} taken off \"{}\": {} {}", prog, cgroup2_path, o.dir,
                   st == Standing::Gone ? "is stopped and can have left no process"
                                        : "is not the container that made it");
    }
    return out;
}

}  // namespace

std::string owner_text(const GuardOwner& o) {
    return fmt::format("{:x}\n{}\n{} {} {}", o.refused, o.dir, o.creator, o.creator_start,
                       o.own_pid_ns ? 1 : 0);
}

std::optional<GuardOwner> parse_owner(std::string_view text) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    GuardOwner o;
    auto [end, ec] = std::from_chars(text.data(), text.data() + nl, o.refused, 16);
    if (ec != std::errc() || end != text.data() + nl) return std::nullopt;
    std::string_view rest = text.substr(nl + 1);
    // The creator line is the last one; a record without it is an older vsrun's.
    if (auto last = rest.rfind('\n'); last != std::string_view::npos) {
        auto f = str::split_ws(rest.substr(last + 1));
        auto pid = f.size() == 3 ? str::parse_u64(f[0]) : std::nullopt;
        auto start = f.size() == 3 ? str::parse_u64(f[1]) : std::nullopt;
        if (pid && start && *pid > 0 && *pid <= INT32_MAX && (f[2] == "0" || f[2] == "1")) {
            o.creator = static_cast<pid_t>(*pid);
            o.creator_start = *start;
            o.own_pid_ns = f[2] == "1";
            rest = rest.substr(0, last);
        }
    }
    o.dir = std::string(rest);
    return o;
}

Standing owner_standing(uint32_t prog, const GuardOwner& o, const OwnerFacts& f) {
    switch (f.load) {
        case OwnerFacts::Unreadable:
            return Standing::Runs;
        case OwnerFacts::Loaded:
            if (f.guard_id != prog) return Standing::Stale;
            if (!f.stopped) return Standing::Runs;
            // Its init's death killed every process of its pid namespace (pid_namespaces(7)).
            return o.own_pid_ns ? Standing::Gone : Standing::Stopped;
        case OwnerFacts::Missing:
            if (o.creator == 0) return f.dir_exists ? Standing::Runs : Standing::Stopped;
            return f.creator_alive ? Standing::Runs : Standing::Stale;
    }
    return Standing::Runs;
}

Result<SocketGuard> guard_socket_families(const Options& opt, const std::string& id,
                                          const seccomp::Program* filter,
                                          const std::string& cgroup2_path, int cgfd,
                                          bool own_pid_ns) {
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
            const auto standing = settle(node.get(), cgroup2_path, own);
            GuardOwner me;
            me.refused = refused_mask(errnos);
            me.dir = container_dir(opt, id);
            me.creator = ::getpid();
            me.creator_start = VS_TRY(proc::start_time(me.creator).wrap("{}", what()));
            me.own_pid_ns = own_pid_ns;
            const uint64_t mask = me.refused;
            // A guard of a container that may have left processes, all of whose refusals the
            // new one makes: replacing it loosens nothing. One without an owner record is kept.
            auto replaceable = [&](uint32_t prog) {
                auto o = own.find(prog);
                auto st = standing.find(prog);
                return o != own.end() && st != standing.end() && st->second == Standing::Stopped &&
                       (o->second.refused & ~mask) == 0;
            };
            out.guard = VS_TRY(
                lsm::set_families(cgroup2_path, cgfd, s, errnos, replaceable).wrap("{}", what()));
            out.state = "attached";
            const std::string record = owner_text(me);
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
    if (auto own = owners(node->get(), cgroup2_path)) (void)settle(node->get(), cgroup2_path, *own);
    return ok();
}

Status settle_socket_guards(const std::string& cgroup2_path) {
    if (cgroup2_path.empty()) return ok();
    auto node = lock_node(cgroup2_path);
    if (!node && node.error().code == ENOENT) return ok();
    if (!node) return std::move(node).error();
    auto own = VS_TRY(owners(node->get(), cgroup2_path));
    (void)settle(node->get(), cgroup2_path, own);
    return ok();
}

}  // namespace vs::runtime::oci
