// vsrun create, before anything exists: config.json read and checked, the namespaces it
// names opened, the container's record and cgroup location filled in.
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/sys.hpp"
#include "config/oci/parse.hpp"
#include "runtime/oci/cgroup_path.hpp"
#include "runtime/oci/create_steps.hpp"
#include "runtime/oci/hooks.hpp"
#include "runtime/oci/labels.hpp"
#include "runtime/oci/rootless.hpp"

namespace vs::runtime::oci {

namespace {

using spec::oci::NamespaceType;

uint64_t clone_flag(NamespaceType t) {
    switch (t) {
        case NamespaceType::Pid:
            return CLONE_NEWPID;
        case NamespaceType::Network:
            return CLONE_NEWNET;
        case NamespaceType::Mount:
            return CLONE_NEWNS;
        case NamespaceType::Ipc:
            return CLONE_NEWIPC;
        case NamespaceType::Uts:
            return CLONE_NEWUTS;
        case NamespaceType::User:
            return CLONE_NEWUSER;
        case NamespaceType::Cgroup:
            return CLONE_NEWCGROUP;
        case NamespaceType::Time:
            return CLONE_NEWTIME;
    }
    return 0;
}

/// linux.namespaces[i].path opened, and checked to be a namespace of its entry's type
/// (ioctl_ns(2) NS_GET_NSTYPE): a wrong path is refused here, naming it, before anything exists.
Result<UniqueFd> open_namespace(const spec::oci::Namespace& n, size_t i, uint64_t flag) {
    auto what = [&] { return fmt::format("linux.namespaces[{}].path \"{}\"", i, n.path); };
    // O_NONBLOCK: a FIFO named there opens at once (then fails the type check), not never.
    auto fd =
        VS_TRY(sys::open(n.path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC).wrap("{}", what()));
    int t = ::ioctl(fd.get(), NS_GET_NSTYPE);
    if (t < 0 && errno == ENOTTY) return make_error(EINVAL, "{} is not a namespace", what());
    if (t < 0) return errno_error(fmt::format("{}: NS_GET_NSTYPE", what()));
    if (static_cast<uint64_t>(t) != flag)
        return make_error(EINVAL, "{} is not a {} namespace", what(),
                          spec::oci::namespace_type_name(n.type));
    return fd;
}

}  // namespace

Status Create::check() {
    VS_TRY(check_id(id));
    for (int fd = 3; fd < 3 + co.preserve_fds; ++fd)
        if (::fcntl(fd, F_GETFD) < 0)
            return make_error(EBADF, "--preserve-fds {}: fd {} is not open", co.preserve_fds, fd);
    std::string bundle = co.bundle.empty() ? "." : co.bundle;
    if (bundle[0] != '/') {
        auto cwd = VS_TRY(sys::readlink("/proc/self/cwd"));
        bundle = bundle == "." ? cwd : cwd + "/" + bundle;
    }
    spec = VS_TRY(config::oci::read_bundle(bundle));
    if (!spec.process || spec.process->args.empty())
        return make_error(EINVAL, "{}/config.json: process.args: create needs a process", bundle);
    if (!spec.root) return make_error(EINVAL, "{}/config.json: root: missing", bundle);
    if (!sys::is_dir(spec.root->path))
        return make_error(ENOENT, "root.path \"{}\" is not a directory", spec.root->path);
    if (spec.process->terminal && co.console_socket.empty())
        return make_error(EINVAL, "process.terminal is true but no --console-socket given");
    VS_TRY(check_labels(*spec.process, spec.linux.mount_label).wrap("{}/config.json", bundle));
    if (::geteuid() != 0) VS_TRY(check_unprivileged(spec, bundle + "/config.json"));
    rec.poststart = hooks_to_json(spec.hooks.poststart);
    rec.poststop = hooks_to_json(spec.hooks.poststop);
    rec.start_hooks = !spec.hooks.start_container.empty();
    rec.id = id;
    rec.bundle = spec.bundle.empty() ? bundle : spec.bundle;
    rec.rootfs = spec.root->path;
    rec.annotations = spec.annotations;
    rec.owner = ::getuid();
    auto where = VS_TRY(cgroup_location(spec.linux.cgroups_path, id, opt.systemd_cgroup));
    rec.cgroup_parent = where.parent;
    rec.cgroup_name = where.name;
    for (size_t i = 0; i < spec.linux.namespaces.size(); ++i) {
        const auto& n = spec.linux.namespaces[i];
        uint64_t f = clone_flag(n.type);
        rec.ns_flags |= f;
        if (n.path.empty()) {
            new_ns |= f;
            continue;
        }
        if (n.type == NamespaceType::Mount)
            return make_error(ENOTSUP,
                              "linux.namespaces: joining a mount namespace (\"{}\") is not "
                              "supported: the container's root needs its own",
                              n.path);
        auto fd = VS_TRY(open_namespace(n, i, f));
        if (::geteuid() != 0) VS_TRY(check_joined_owner(fd.get(), n, i, bundle + "/config.json"));
        if (n.type == NamespaceType::Pid) {
            pid_ns = std::move(fd);
            pid_ns_what = fmt::format("linux.namespaces[{}].path \"{}\"", i, n.path);
            continue;
        }
        JoinNs j{-1, f, n.type, i, n.path};
        if (n.type == NamespaceType::User)
            ns_fds.insert(ns_fds.begin(), std::move(fd)), plan.join.insert(plan.join.begin(), j);
        else
            ns_fds.push_back(std::move(fd)), plan.join.push_back(j);
    }
    rec.ns_flags |= CLONE_NEWNS;
    return ok();
}

}  // namespace vs::runtime::oci
