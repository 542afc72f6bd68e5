// Plan executor: every guest path is resolved with openat2(RESOLVE_IN_ROOT) from an fd of the
// guest root, and every mount lands on an fd (move_mount), so a symlink planted by the guest
// can never send a mount to the host.
#include "mount/executor.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "fs/resolve.hpp"
#include "mount/bind_source.hpp"
#include "mount/copy_up.hpp"
#include "mount/mount_api.hpp"
#include "mount/options.hpp"
#include "mount/propagation.hpp"

namespace vs::mount {

namespace {

struct Ctx {
    std::string root;
    UniqueFd rootfd;
    UniqueFd devnull;  ///< the host's /dev/null, verified to be char 1:3 (CVE-2025-31133)
    /// The first masked directory's tmpfs, once attached: later masks are clones of it, not
    /// new superblocks to make at start and tear down at stop (empty, read-only and the
    /// guest's own, so sharing it exposes nothing).
    UniqueFd mask_dir;
    int lxcfs_fd = -1;  ///< the shared lxcfs mount (Op::lxcfs sources are relative to it)
};

std::string rel(const std::string& guest_path) {
    size_t i = 0;
    while (i < guest_path.size() && guest_path[i] == '/') ++i;
    std::string r = guest_path.substr(i);
    return r.empty() ? "." : r;
}

std::string parent_of(const std::string& p) {
    auto s = p.rfind('/');
    return s == 0 || s == std::string::npos ? "/" : p.substr(0, s);
}

std::string base_of(const std::string& p) { return p.substr(p.rfind('/') + 1); }

/// Opens a guest path (O_PATH, final symlink not followed). nullopt-like: ENOENT comes back as
/// an Error with that code for the caller to judge.
Result<UniqueFd> open_guest(const Ctx& c, const std::string& path, int extra = 0) {
    return fs::open_in_root(c.rootfd.get(), rel(path), O_PATH | O_NOFOLLOW | extra);
}

/// Opens a guest directory, following symlinks inside the root (an absolute link in the guest
/// means the guest's path: RESOLVE_IN_ROOT keeps it there).
Result<UniqueFd> open_guest_dir(const Ctx& c, const std::string& path) {
    return fs::open_in_root(c.rootfd.get(), rel(path), O_PATH | O_DIRECTORY);
}

/// mkdir -p inside the guest root: mkdirat relative to an fd of the parent, which is made
/// first (the same way) only when it is missing too. Most targets lack only their last
/// component, so this costs an open and a mkdirat instead of a lookup per component.
Status mkdir_in_root(const Ctx& c, const std::string& path, mode_t mode) {
    std::string r = rel(path);
    if (r == ".") return ok();
    std::string parent = parent_of("/" + r);
    auto dir = open_guest_dir(c, parent);
    if (!dir && dir.error().code == ENOENT) {
        VS_TRY(mkdir_in_root(c, parent, mode));
        dir = open_guest_dir(c, parent);
    }
    if (!dir) return std::move(dir).error();
    if (::mkdirat(dir->get(), base_of(r).c_str(), mode) < 0 && errno != EEXIST)
        return errno_error(fmt::format("mkdir \"{}\" in guest root", path));
    return ok();
}

/// Resolves the mount target of `o`; creates it when asked; refuses a symlink.
Result<std::optional<UniqueFd>> target_fd(const Ctx& c, const Op& o, bool want_dir = true) {
    auto fd = open_guest(c, o.target);
    if (!fd && fd.error().code == ENOENT) {
        if (o.optional && !o.create) return std::optional<UniqueFd>{};
        if (!o.create) return std::move(fd).error();
        if (want_dir) {
            VS_TRY(mkdir_in_root(c, o.target, 0755));
        } else {
            VS_TRY(mkdir_in_root(c, parent_of(o.target), 0755));
            auto parent = VS_TRY(open_guest_dir(c, parent_of(o.target)));
            int f = ::openat(parent.get(), base_of(o.target).c_str(),
                             O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
            if (f < 0 && errno != EEXIST)
                return errno_error(fmt::format("create \"{}\" in guest root", o.target));
            if (f >= 0) ::close(f);
        }
        fd = open_guest(c, o.target);
    }
    if (!fd) return std::move(fd).error();
    struct stat st {};
    if (::fstat(fd->get(), &st) < 0) return errno_error(fmt::format("stat \"{}\"", o.target));
    if (S_ISLNK(st.st_mode))
        return make_error(ELOOP, "mount target \"{}\" in the guest root is a symlink", o.target);
    return std::optional<UniqueFd>{std::move(*fd)};
}

/// Expands one '*' component ("/sys/devices/system/cpu/cpu*/thermal_throttle") by listing
/// the directory inside the guest root.
Result<std::vector<std::string>> expand(const Ctx& c, const std::string& path) {
    auto star = path.find('*');
    if (star == std::string::npos) return std::vector<std::string>{path};
    auto dir_end = path.rfind('/', star);
    auto comp_end = path.find('/', star);
    std::string dir = path.substr(0, dir_end);
    std::string pattern = path.substr(
        dir_end + 1, comp_end == std::string::npos ? std::string::npos : comp_end - dir_end - 1);
    std::string rest = comp_end == std::string::npos ? "" : path.substr(comp_end);
    std::vector<std::string> out;
    auto dfd = open_guest_dir(c, dir);
    if (!dfd) return out;  // nothing to mask
    auto real = VS_TRY(sys::open_at(dfd->get(), ".", O_RDONLY | O_DIRECTORY));
    auto names = VS_TRY(sys::list_dir(fmt::format("/proc/self/fd/{}", real.get())));
    for (auto& n : names) {
        if (::fnmatch(pattern.c_str(), n.c_str(), 0) != 0) continue;
        auto more = VS_TRY(expand(c, dir + "/" + n + rest));
        out.insert(out.end(), more.begin(), more.end());
    }
    return out;
}

Status do_newfs(const Ctx& c, const Op& o) {
    auto t = VS_TRY(target_fd(c, o));
    if (!t) return ok();
    auto m = VS_TRY(new_fs(o.fstype, o.source, o.params, o.attrs));
    if (o.tmpcopyup) VS_TRY(copy_up(t->get(), m.get(), o.target));
    VS_TRY(attach(m.get(), t->get(), o.target));
    if (o.propagation) VS_TRY(set_propagation(m.get(), o.propagation, o.target));
    return ok();
}

Status do_bind(const Ctx& c, const Op& o) {
    UniqueFd src;
    if (o.fstab_bind) src = VS_TRY(open_bind_source(o.source));
    if (o.lxcfs) {
        if (c.lxcfs_fd < 0)
            return make_error(EINVAL, "bind source \"{}\": no lxcfs mount given", o.source);
        src = VS_TRY(
            sys::open_at(c.lxcfs_fd, o.source, O_PATH | O_NOFOLLOW | O_CLOEXEC).wrap("lxcfs file"));
    }
    struct stat st {};
    int rc = src ? ::fstat(src.get(), &st) : ::stat(o.source.c_str(), &st);
    if (rc < 0) return errno_error(fmt::format("bind source \"{}\"", o.source));
    auto t = VS_TRY(target_fd(c, o, S_ISDIR(st.st_mode)));
    if (!t) return ok();
    auto tree = VS_TRY(src ? clone_tree(src.get(), "", o.recursive)
                           : clone_tree(AT_FDCWD, o.source, o.recursive));
    // An atime mode is set with its field cleared in one call (mount_setattr(2)), on the mount
    // itself like the other cleared attributes.
    constexpr uint64_t kAtimeField = 0x70;
    uint64_t set = o.attrs, top = 0;
    if (o.attrs_clr & kAtimeField) top = set & kAtimeField, set &= ~kAtimeField;
    if (set) VS_TRY(set_attrs(tree.get(), set, o.recursive, o.source));
    VS_TRY(change_attrs(tree.get(), top, o.attrs_clr, false, o.source));
    VS_TRY(change_attrs(tree.get(), o.rec_attrs_set, o.rec_attrs_clr, true, o.source));
    VS_TRY(attach(tree.get(), t->get(), o.target));
    if (o.propagation) VS_TRY(set_propagation(tree.get(), o.propagation, o.target));
    return ok();
}

/// A Bind of a tree the host made (Op::tree: an idmapped copy, its attributes set there).
Status do_bind_tree(const Ctx& c, const Op& o, int tree) {
    struct stat st {};
    if (::fstat(tree, &st) < 0)
        return errno_error(fmt::format("stat the tree of \"{}\"", o.source));
    auto t = VS_TRY(target_fd(c, o, S_ISDIR(st.st_mode)));
    if (!t) return ok();
    VS_TRY(attach(tree, t->get(), o.target));
    if (o.propagation) VS_TRY(set_propagation(tree, o.propagation, o.target));
    return ok();
}

Status mask_one(Ctx& c, const std::string& path) {
    auto fd = open_guest(c, path);
    if (!fd) return fd.error().code == ENOENT ? ok() : std::move(fd).error();
    struct stat st {};
    if (::fstat(fd->get(), &st) < 0) return errno_error(fmt::format("stat \"{}\"", path));
    if (S_ISLNK(st.st_mode)) return make_error(ELOOP, "masked path \"{}\" is a symlink", path);
    if (S_ISDIR(st.st_mode)) {
        if (c.mask_dir) {
            auto tree = VS_TRY(clone_tree(c.mask_dir.get(), "", false));
            VS_TRY(set_attrs(tree.get(), kRdonly | kNosuid | kNodev | kNoexec, false, path));
            return attach(tree.get(), fd->get(), path);
        }
        auto m =
            VS_TRY(new_fs("tmpfs", "tmpfs", {{"size", "4k"}, {"nr_inodes", "1"}, {"mode", "555"}},
                          kRdonly | kNosuid | kNodev | kNoexec));
        VS_TRY(attach(m.get(), fd->get(), path));
        c.mask_dir = std::move(m);  // still names the mount, now attached
        return ok();
    }
    // Read-only before it is attached: a writable bind of the null node would let guest root
    // chmod/chown/utimes the host's /dev/null through the mask (the data path of a device node
    // ignores the mount's rdonly, so reads and writes still reach the null device). Not nodev:
    // that would turn every read of the mask into EACCES instead of an empty file.
    auto tree = VS_TRY(clone_tree(c.devnull.get(), "", false));
    VS_TRY(set_attrs(tree.get(), kRdonly | kNosuid | kNoexec, false, path));
    return attach(tree.get(), fd->get(), path);
}

Status do_mask(Ctx& c, const Op& o) {
    auto paths = VS_TRY(expand(c, o.target));
    for (auto& p : paths) VS_TRY(mask_one(c, p));
    return ok();
}

Status do_readonly(const Ctx& c, const Op& o) {
    auto t = VS_TRY(target_fd(c, o));
    if (!t) return ok();
    auto tree = VS_TRY(clone_tree(t->get(), "", true));
    VS_TRY(set_attrs(tree.get(), kRdonly | kNosuid | kNodev | kNoexec, true, o.target));
    return attach(tree.get(), t->get(), o.target);
}

Status do_device(const Ctx& c, const Op& o) {
    auto dir = VS_TRY(open_guest_dir(c, parent_of(o.target)));
    std::string name = base_of(o.target);
    const mode_t kind = o.block ? S_IFBLK : S_IFCHR;
    const char* what = o.block ? "block" : "char";
    // mknodat makes the last component itself (an existing entry, a symlink too, is EEXIST),
    // with the mode asked: no umask, so no chmod by name afterwards, which would follow a
    // symlink put in the node's place meanwhile.
    mode_t mask = ::umask(0);
    int made = ::mknodat(dir.get(), name.c_str(), kind | o.mode, makedev(o.major, o.minor));
    int err = errno;
    ::umask(mask);
    if (made == 0) return ok();
    if (err != EPERM) return Error(err, fmt::format("mknod \"{}\"", o.target));
    // In a user namespace mknod is refused: bind the host's node after checking it is the
    // device we mean (a host admin's odd /dev must not end up in the guest).
    auto src = VS_TRY(sys::open(o.source, O_PATH | O_NOFOLLOW));
    struct stat st {};
    if (::fstat(src.get(), &st) < 0) return errno_error(fmt::format("stat \"{}\"", o.source));
    if ((st.st_mode & S_IFMT) != kind || st.st_rdev != makedev(o.major, o.minor))
        return make_error(EINVAL, "host \"{}\" is not {} device {}:{}", o.source, what, o.major,
                          o.minor);
    // The guest's root is not the node's owner, so only the "other" bits apply to it: a host
    // node chmod-ed away from its standard mode would fail later as a bare EACCES in the guest.
    if ((st.st_mode & o.mode & 07) != (o.mode & 07))
        return make_error(EACCES,
                          "host \"{}\" has mode {:04o}, not {:04o}: a user-namespaced guest binds "
                          "the host's node "
                          "and could not use it (restore it: chmod {:o} {})",
                          o.source, st.st_mode & 07777, o.mode, o.mode, o.source);
    Op file = o;
    file.create = true;
    // With create set, target_fd always holds an fd. It is taken out of the optional at once:
    // GCC 12 at -O3 cannot prove the optional engaged at its destruction after the next
    // VS_TRY's early return and warns -Wmaybe-uninitialized (GCC bug 80635).
    UniqueFd t = std::move(VS_TRY(target_fd(c, file, false)).value());
    auto tree = VS_TRY(clone_tree(src.get(), "", false));
    return attach(tree.get(), t.get(), o.target);
}

Status do_symlink(const Ctx& c, const Op& o) {
    auto dir = VS_TRY(open_guest_dir(c, parent_of(o.target)));
    if (::symlinkat(o.source.c_str(), dir.get(), base_of(o.target).c_str()) < 0)
        return errno_error(fmt::format("symlink \"{}\" -> \"{}\"", o.target, o.source));
    return ok();
}

Status do_seal(const Ctx& c, const Op& o) {
    auto t = open_guest(c, o.target, O_DIRECTORY);
    if (!t) return t.error().code == ENOENT ? ok() : std::move(t).error();
    return set_attrs(t->get(), kRdonly, false, o.target);
}

Status do_pivot(const Ctx& c) {
    // pivot_root(".", ".") stacks the old root on top of the new one; detaching "." then drops
    // it (pivot_root(2) NOTES). The old root's tree is made a recursive slave first: with
    // linux.rootfsPropagation "shared" it may still hold mounts in a peer group with the host's
    // (/run/netns is shared by ip-netns(8)), and an unmount propagates to every peer
    // (mount_namespaces(7)), which would unmount the host's copies too.
    // "." names the old root only from a cwd on it: the lookup of "." does not step onto the
    // mount stacked on the cwd, so it is entered again by an fd opened before the pivot.
    auto old_root = VS_TRY(sys::open("/", O_PATH | O_DIRECTORY));
    if (::fchdir(c.rootfd.get()) < 0) return errno_error(fmt::format("chdir \"{}\"", c.root));
    if (::syscall(SYS_pivot_root, ".", ".") < 0)
        return errno_error(fmt::format("pivot_root into \"{}\"", c.root));
    if (::fchdir(old_root.get()) < 0) return errno_error("chdir to the old root");
    if (::mount(nullptr, ".", nullptr, MS_REC | MS_SLAVE, nullptr) < 0)
        return errno_error("make the old root a recursive slave mount");
    if (::umount2(".", MNT_DETACH) < 0) return errno_error("detach the old root");
    if (::chdir("/") < 0) return errno_error("chdir \"/\"");
    return ok();
}

Status open_devnull(Ctx& c) {
    c.devnull = VS_TRY(sys::open("/dev/null", O_PATH | O_NOFOLLOW));
    struct stat st {};
    if (::fstat(c.devnull.get(), &st) < 0) return errno_error("stat \"/dev/null\"");
    if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
        return make_error(EINVAL, "host \"/dev/null\" is not the null device (char 1:3)");
    return ok();
}

}  // namespace

Status execute(const Plan& plan, const std::string& root, int root_fd, int idmapped_root,
               int lxcfs_fd, const std::function<Status()>& before_pivot,
               const std::vector<int>& trees) {
    Ctx c;
    c.root = root;
    c.lxcfs_fd = lxcfs_fd;
    VS_TRY(open_devnull(c));
    mode_t old_umask = ::umask(0022);
    for (const Op& o : plan) {
        Status s;
        switch (o.kind) {
            case OpKind::MakeRslave:
                s = root_propagation(o);
                break;
            case OpKind::BindRoot: {
                // The clone of the root tree, once attached on top of the root, is the mount
                // pivot_root needs; its fd names that new mount for every later lookup.
                UniqueFd given;
                if (root_fd < 0) {
                    auto r = sys::open(root, O_PATH | O_DIRECTORY);
                    if (!r) {
                        s = std::move(r).error();
                        break;
                    }
                    given = std::move(*r);
                }
                int src = root_fd >= 0 ? root_fd : given.get();
                if (idmapped_root >= 0) {
                    s = attach(idmapped_root, src, root);
                    int d = ::fcntl(idmapped_root, F_DUPFD_CLOEXEC, 3);
                    if (s && d < 0) s = errno_error("dup the idmapped root");
                    if (s) c.rootfd = UniqueFd(d);
                    break;
                }
                auto tree = clone_tree(src, "", true);
                if (!tree) {
                    s = std::move(tree).error();
                    break;
                }
                s = attach(tree->get(), src, root);
                if (s) c.rootfd = std::move(*tree);
                break;
            }
            case OpKind::NewFs:
                s = do_newfs(c, o);
                break;
            case OpKind::Bind:
                if (o.tree >= 0 && static_cast<size_t>(o.tree) >= trees.size())
                    s = make_error(EINVAL, "no tree {} for the bind of \"{}\"", o.tree, o.source);
                else
                    s = o.tree >= 0 ? do_bind_tree(c, o, trees[o.tree]) : do_bind(c, o);
                break;
            case OpKind::MaskPath:
                s = do_mask(c, o);
                break;
            case OpKind::ReadOnly:
                s = do_readonly(c, o);
                break;
            case OpKind::Device:
                s = do_device(c, o);
                break;
            case OpKind::Symlink:
                s = do_symlink(c, o);
                break;
            case OpKind::Mkdir:
                s = mkdir_in_root(c, o.target, o.mode ? o.mode : 0755);
                break;
            case OpKind::SealReadOnly:
                s = do_seal(c, o);
                break;
            case OpKind::PivotRoot:
                if (before_pivot) {
                    if (auto r = before_pivot(); !r) {
                        ::umask(old_umask);
                        return r;
                    }
                }
                s = do_pivot(c);
                if (s) s = new_root_propagation(o);
                break;
        }
        if (!s) {
            ::umask(old_umask);
            if (!o.what.empty()) return std::move(s).wrap("{} \"{}\"", o.what, o.target);
            return std::move(s).wrap("mount step {} \"{}\"", op_kind_name(o.kind), o.target);
        }
        if (!c.rootfd && o.kind != OpKind::MakeRslave) {
            ::umask(old_umask);
            return make_error(EINVAL, "mount plan does not start with bind-root");
        }
    }
    ::umask(old_umask);
    return ok();
}

}  // namespace vs::mount
