// Namespace ids, user namespace id maps and root: the host side and the guest init.
#include "ns/join.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "base/sys.hpp"

namespace vs::ns {

namespace {
const std::pair<uint64_t, const char*> kNs[] = {
    {CLONE_NEWUSER, "user"}, {CLONE_NEWNS, "mnt"},    {CLONE_NEWUTS, "uts"},
    {CLONE_NEWIPC, "ipc"},   {CLONE_NEWNET, "net"},   {CLONE_NEWCGROUP, "cgroup"},
    {CLONE_NEWPID, "pid"},   {CLONE_NEWTIME, "time"},
};

/// /proc/self/setgroups reads "deny" (user_namespaces(7)).
bool setgroups_denied() {
    auto mode = sys::read_file("/proc/self/setgroups");
    return mode && mode->rfind("deny", 0) == 0;
}
}  // namespace

Result<uint64_t> differing_namespaces(pid_t pid, uint64_t mask) {
    uint64_t out = 0;
    for (auto [flag, name] : kNs) {
        if (!(mask & flag)) continue;
        struct stat a {
        }, b{};
        std::string theirs = fmt::format("/proc/{}/ns/{}", pid, name);
        if (::stat(theirs.c_str(), &a) < 0) {
            if (errno == ENOENT) continue;  // kernel without that namespace type
            return errno_error(fmt::format("stat \"{}\"", theirs));
        }
        std::string mine = fmt::format("/proc/self/ns/{}", name);
        if (::stat(mine.c_str(), &b) < 0) return errno_error(fmt::format("stat \"{}\"", mine));
        if (a.st_ino != b.st_ino || a.st_dev != b.st_dev) out |= flag;
    }
    return out;
}

Status become_root_in_userns() {
    if (::setresgid(0, 0, 0) < 0) return errno_error("setgid 0 in the guest's user namespace");
    // A user namespace mapped without privilege denies setgroups(2) for good (user_namespaces(7)):
    // the groups it was made with then stay, as they must.
    if (::setgroups(0, nullptr) < 0 && !(errno == EPERM && setgroups_denied()))
        return errno_error("setgroups in the guest's user namespace");
    if (::setresuid(0, 0, 0) < 0) return errno_error("setuid 0 in the guest's user namespace");
    // The uid change made us non-dumpable, which hands /proc/self/* to the host's root.
    if (::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) return errno_error("prctl PR_SET_DUMPABLE 1");
    return ok();
}

Status write_id_maps(pid_t pid, uint32_t host_base, uint32_t count) {
    std::string line = fmt::format("0 {} {}\n", host_base, count);
    VS_TRY(sys::write_file(fmt::format("/proc/{}/uid_map", pid), line));
    // setgroups stays "allow": we write gid_map with CAP_SETGID in the parent namespace, and a
    // full-system guest needs setgroups(2) for login and su (user_namespaces(7)).
    VS_TRY(sys::write_file(fmt::format("/proc/{}/gid_map", pid), line));
    return ok();
}

Result<bool> owned_within(int ns_fd, int userns_fd) {
    struct stat want {};
    if (::fstat(userns_fd, &want) < 0) return errno_error("fstat a user namespace");
    int o = ::ioctl(ns_fd, NS_GET_USERNS);
    if (o < 0) return errno_error("ioctl NS_GET_USERNS");
    UniqueFd owner(o);
    // Up the chain of parents; NS_GET_PARENT fails (EPERM) above the caller's own user
    // namespace, where the one sought cannot be.
    for (int depth = 0; depth < 64; ++depth) {
        struct stat st {};
        if (::fstat(owner.get(), &st) < 0) return errno_error("fstat a user namespace");
        if (st.st_dev == want.st_dev && st.st_ino == want.st_ino) return true;
        int p = ::ioctl(owner.get(), NS_GET_PARENT);
        if (p < 0) return false;
        owner = UniqueFd(p);
    }
    return false;
}

Result<uid_t> namespace_owner(int ns_fd, bool is_userns) {
    UniqueFd owner;
    if (!is_userns) {
        int fd = ::ioctl(ns_fd, NS_GET_USERNS);
        if (fd < 0) return errno_error("ioctl NS_GET_USERNS");
        owner = UniqueFd(fd);
    }
    uid_t uid = 0;
    if (::ioctl(is_userns ? ns_fd : owner.get(), NS_GET_OWNER_UID, &uid) < 0)
        return errno_error("ioctl NS_GET_OWNER_UID");
    return uid;
}

}  // namespace vs::ns
