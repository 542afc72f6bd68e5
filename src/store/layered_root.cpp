// Layered guest roots: the base and layer dirs, their marks, the overlay mount and removal.
#include "store/layered_root.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "base/fault.hpp"
#include "base/lock_file.hpp"
#include "base/log.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/sys_fs.hpp"
#include "fs/mounts.hpp"
#include "fs/remove.hpp"
#include "fs/resolve.hpp"
#include "fs/walk.hpp"
#include "mount/mount_api.hpp"
#include "store/copy_tree.hpp"
#include "store/guest_root.hpp"

namespace vs::store {

namespace {

// trusted.* (settable only with CAP_SYS_ADMIN in the initial user namespace, xattr(7)) marks what
// this module made: "base", or "guest NAME" on a guest's layer dir, which also names its base.
constexpr const char* kLayerMark = "trusted.vserver-ng.layer";
constexpr const char* kBaseOf = "trusted.vserver-ng.layer-base";
constexpr const char* kFingerprint = "trusted.vserver-ng.fingerprint";
// The overlay's source field in mountinfo, so an admin sees what mounted it.
constexpr const char* kOverlaySource = "vserver-ng";
// The source of a user-namespaced guest's overlay (mount_userns_root), whose layers are
// idmapped: tools tell it from the host's own by this.
constexpr const char* kUsernsSource = "vserver-ng-userns";

std::string base_name(const std::string& p) { return p.substr(p.find_last_of('/') + 1); }

struct LayerPaths {
    std::string layers;  ///< <rootdir>/.layers
    std::string guest;   ///< the guest's layer dir (upper's parent)
    std::string base;    ///< the base dir (lower's parent)
    std::string work;
};

// The dirs a config's layered/ names, checked to be where this module puts them: a config
// edited to name other paths is refused before anything is mounted or removed.
Result<LayerPaths> paths_of(const spec::LayeredRoot& l) {
    LayerPaths p;
    p.guest = str::parent_dir(l.upper);
    p.layers = str::parent_dir(str::parent_dir(p.guest));
    p.base = str::parent_dir(l.lower);
    p.work = p.guest + "/work";
    if (base_name(l.upper) != "upper" || base_name(str::parent_dir(p.guest)) != "guests" ||
        base_name(p.layers) != ".layers" || base_name(l.lower) != "tree" ||
        str::parent_dir(p.base) != p.layers + "/base")
        return make_error(EINVAL,
                          "layered/lower \"{}\" and layered/upper \"{}\" are not a base and a "
                          "layer of one <rootdir>/.layers",
                          l.lower, l.upper);
    return p;
}

Result<std::string> xattr_of(const std::string& path, const char* name) {
    return sys::get_xattr(path, name);
}

bool marked(const std::string& path, const std::string& value) {
    auto v = xattr_of(path, kLayerMark);
    return v && *v == value;
}

// The lock every change below .layers takes; `wait` false: an invalid fd while another holds it.
Result<UniqueFd> lock_layers(const std::string& layers, bool wait) {
    std::string f = layers + "/.lock";
    if (wait) return sys::open_locked(f);
    auto fd = VS_TRY(sys::open(f, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK) return UniqueFd();
        return errno_error(fmt::format("flock \"{}\"", f));
    }
    return fd;
}

std::string fs_name(long type) {
    switch (static_cast<unsigned long>(type)) {
        case XFS_SUPER_MAGIC:
            return "xfs";
        case BTRFS_SUPER_MAGIC:
            return "btrfs";
        case EXT4_SUPER_MAGIC:
            return "ext4";
        case TMPFS_MAGIC:
            return "tmpfs";
        case OVERLAYFS_SUPER_MAGIC:
            return "overlay";
        default:
            return fmt::format("0x{:x}", static_cast<unsigned long>(type));
    }
}

std::string nearest_existing(std::string p) {
    while (!sys::exists(p) && p != "/") p = str::parent_dir(p);
    return p;
}

// Every base dir of the layers dir (base/NAME.N), and every layer dir (guests/NAME.N).
std::vector<std::string> entries(const std::string& dir) {
    auto e = sys::list_dir(dir);
    if (!e) return {};
    std::vector<std::string> out;
    for (auto& n : *e)
        if (!n.empty() && n[0] != '.') out.push_back(n);
    return out;
}

// The N of "PREFIX.N", or nullopt.
std::optional<uint64_t> serial(const std::string& entry, const std::string& prefix) {
    if (!str::starts_with(entry, prefix + ".")) return std::nullopt;
    return str::parse_u64(std::string_view(entry).substr(prefix.size() + 1));
}

// The layer dirs that name the base `base_entry` (its name under base/).
std::vector<std::string> users_of(const std::string& layers, const std::string& base_entry) {
    std::vector<std::string> out;
    for (auto& g : entries(layers + "/guests")) {
        auto b = xattr_of(layers + "/guests/" + g, kBaseOf);
        if (b && *b == base_entry) out.push_back(g);
    }
    return out;
}

// Removes the base `entry` unless a layer uses it; the caller holds the lock.
Status remove_base_if_unused(const std::string& layers, const std::string& entry) {
    const std::string dir = layers + "/base/" + entry;
    if (!sys::exists(dir) || !users_of(layers, entry).empty()) return ok();
    if (!marked(dir, "base")) {
        log::warn("left \"{}\" in place: it is not marked as a base vserver-ng made", dir);
        return ok();
    }
    log::debug("removing the unused base \"{}\"", dir);
    return fs::remove_path(dir).wrap("remove the base \"{}\"", dir);
}

class Fingerprint : public fs::Visitor {
public:
    std::vector<std::string> lines;
    static std::string line(const std::string& rel, const struct statx& s) {
        return fmt::format("{}\n{:o} {} {} {} {} {}.{} {}.{} {}", rel, s.stx_mode, s.stx_uid,
                           s.stx_gid, s.stx_size, s.stx_ino, s.stx_mtime.tv_sec,
                           s.stx_mtime.tv_nsec, s.stx_ctime.tv_sec, s.stx_ctime.tv_nsec,
                           s.stx_nlink);
    }
    Result<fs::Action> visit(const fs::Entry& e) override {
        lines.push_back(line(e.path, e.stx));
        return fs::Action::Descend;
    }
};

// Removes what a build made under the lock: its layer dir first, then the base if it made it and
// no layer uses it now.
void undo_layers(const std::string& layers, const std::string& guest_dir,
                 const std::string& base_entry, bool base_made) {
    auto lock = lock_layers(layers, true);
    if (!lock) log::warn("build: clean up: {}", lock.error().what());
    if (auto r = fs::remove_path(guest_dir); !r) log::warn("build: clean up: {}", r.error().what());
    if (base_made)
        if (auto r = remove_base_if_unused(layers, base_entry); !r)
            log::warn("build: clean up: {}", r.error().what());
}

Status mkdir_mode(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) < 0) return errno_error(fmt::format("mkdir \"{}\"", path));
    if (::chmod(path.c_str(), mode) < 0) return errno_error(fmt::format("chmod \"{}\"", path));
    return ok();
}

// A name for the base of `ref`: its last path component when it is a plain name, else "tree".
std::string ref_key(const std::string& ref) {
    std::string b = base_name(ref);
    bool plain = !b.empty() && b.size() <= 64 && b[0] != '.';
    for (char c : b)
        plain = plain &&
                (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
    return plain ? b : "tree";
}

// The mount at `root` itself: nullopt when none is (the root dir sits on its parent's mount).
Result<std::optional<fs::MountEntry>> mount_at(const std::string& root) {
    auto fd = VS_TRY(sys::open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    auto pfd = VS_TRY(sys::open(str::parent_dir(root), O_PATH | O_DIRECTORY | O_CLOEXEC));
    auto id = VS_TRY(fs::mount_id(fd.get()));
    if (id == VS_TRY(fs::mount_id(pfd.get()))) return std::optional<fs::MountEntry>();
    auto m = fs::find_mount(id);
    if (!m) return make_error(ENOENT, "\"{}\": mount {} not in the mount table", root, id);
    return std::optional<fs::MountEntry>(std::move(*m));
}

enum class Kind { Other, Host, Userns };

// Which of this guest's overlays `m` is: its upper dir, and the source telling the host's own
// from the user-namespaced one (mount_userns_root).
Kind kind_of(const fs::MountEntry& m, const spec::LayeredRoot& l) {
    if (m.fstype != "overlay") return Kind::Other;
    auto up = fs::super_option(m, "upperdir");
    if (!up || *up != l.upper) return Kind::Other;
    return m.source == kUsernsSource ? Kind::Userns : Kind::Host;
}

// Unmounts the top mount at a guest's root; EBUSY says how to find what holds it.
Status umount_guest_root(const spec::GuestSpec& spec) {
    if (::umount2(spec.root.c_str(), UMOUNT_NOFOLLOW) == 0) return ok();
    if (errno == EBUSY)
        return make_error(EBUSY,
                          "guest \"{}\": its root \"{}\" is busy: a host process has a file "
                          "open or its working directory there (fuser -vm \"{}\")",
                          spec.name, spec.root, spec.root);
    return errno_error(fmt::format("unmount \"{}\"", spec.root));
}

bool is_ours(const fs::MountEntry& m, const spec::LayeredRoot& l) {
    return kind_of(m, l) != Kind::Other;
}

// FSCONFIG_CMD_CREATE of `fs_fd` with filesystem ids `id` (the guest root's host id), in a
// thread of its own: overlayfs does its own work on the layers (work dir, index, copy-up) with
// the credentials it was created with, and host root's uid 0 has no mapping through an
// idmapped layer (EOVERFLOW), where the guest root's maps to 0 on disk. Credentials are per
// thread (raw setfsuid/setfsgid; glibc would not change other threads anyway); the capabilities
// leaving uid 0 drops from the effective set are raised again from the permitted set. The
// process's dumpable flag, which an fsuid change resets, is put back.
Result<UniqueFd> create_as(int fs_fd, uid_t id) {
    const int dumpable = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    Result<UniqueFd> out = make_error(EINVAL, "create the overlay: thread did not run");
    std::thread t([&] {
        __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
        __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3]{};
        if (::syscall(SYS_capget, &hdr, caps) < 0) {
            out = errno_error("capget");
            return;
        }
        ::syscall(SYS_setfsgid, id);
        ::syscall(SYS_setfsuid, id);
        // setfsuid/setfsgid report the previous value, not errors: checked by reading.
        if (::syscall(SYS_setfsuid, -1) != long(id) || ::syscall(SYS_setfsgid, -1) != long(id)) {
            out = make_error(EPERM, "setfsuid/setfsgid {}", id);
            return;
        }
        for (auto& c : caps) c.effective = c.permitted;
        if (::syscall(SYS_capset, &hdr, caps) < 0) {
            out = errno_error("capset: raise the effective set again");
            return;
        }
        out = mount::create_fs(fs_fd, "overlay", 0);
    });
    t.join();
    if (dumpable >= 0) ::prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
    return out;
}

// mount_userns_root's view of one layer dir: a detached copy of its mount, idmapped.
Result<UniqueFd> idmapped_layer(const std::string& dir, int userns_fd) {
    auto t = VS_TRY(mount::clone_tree(AT_FDCWD, dir, false));
    struct mount_attr a {};
    a.attr_set = MOUNT_ATTR_IDMAP;
    a.userns_fd = static_cast<uint64_t>(userns_fd);
    if (::mount_setattr(t.get(), "", AT_EMPTY_PATH, &a, sizeof a) < 0)
        return errno_error(fmt::format("idmap a copy of \"{}\"", dir));
    return t;
}

}  // namespace

Status check_layered_fs(const std::string& roots_dir) {
    const std::string at = nearest_existing(roots_dir);
    long type = VS_TRY(sys::statfs_type(at));
    // Asked of the filesystem itself: a reflink between two unnamed files (O_TMPFILE) in it.
    auto a = sys::open(at, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    auto b = sys::open(at, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    int err = !a ? a.error().code : !b ? b.error().code : 0;
    if (!err) {
        std::string block(4096, 'x');
        if (::pwrite(a->get(), block.data(), block.size(), 0) != ssize_t(block.size()) ||
            ::fsync(a->get()) < 0 || ::ioctl(b->get(), FICLONE, a->get()) < 0)
            err = errno ? errno : EIO;
    }
    if (!err) return ok();
    return make_error(EOPNOTSUPP,
                      "--layered: the roots dir \"{}\" is on {} ({}), which cannot share data by "
                      "reflink ({}): overlay would copy a whole file up at its first write, and "
                      "hashify would share files by hard link, which copies every file up; use "
                      "XFS (mkfs.xfs -m reflink=1) or btrfs",
                      roots_dir, fs_name(type), at, std::strerror(err));
}

Result<std::string> tree_fingerprint(const std::string& dir) {
    auto fd = VS_TRY(sys::open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct statx top {};
    if (::statx(fd.get(), "", AT_EMPTY_PATH, STATX_BASIC_STATS, &top) < 0)
        return errno_error(fmt::format("statx \"{}\"", dir));
    Fingerprint v;
    VS_TRY(fs::walk(fd.get(), dir, v).wrap("fingerprint"));
    std::sort(v.lines.begin(), v.lines.end());
    std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> st(XXH3_createState(), XXH3_freeState);
    if (!st || XXH3_128bits_reset(st.get()) != XXH_OK)
        return make_error(ENOMEM, "fingerprint \"{}\"", dir);
    auto add = [&](const std::string& s) { XXH3_128bits_update(st.get(), s.data(), s.size() + 1); };
    add(fmt::format("{} {}:{}", dir, top.stx_dev_major, top.stx_dev_minor));
    add(Fingerprint::line(".", top));
    for (auto& l : v.lines) add(l);
    XXH128_hash_t h = XXH3_128bits_digest(st.get());
    return fmt::format("{:016x}{:016x}", h.high64, h.low64);
}

Result<spec::LayeredRoot> make_layers(const std::string& roots_dir, const std::string& ref,
                                      const std::string& name, Rollback& undo) {
    const std::string layers = roots_dir + "/.layers";
    // Root-only, like the roots dir: the base holds the reference's setuid files and
    // world-writable dirs.
    for (auto d : {layers, layers + "/base", layers + "/guests"}) {
        VS_TRY(sys::mkdir_one(d, 0700));
        if (::chmod(d.c_str(), 0700) < 0) return errno_error(fmt::format("chmod \"{}\"", d));
    }
    // Held through the copy: clones of one reference built together wait for one base.
    auto lock = VS_TRY(lock_layers(layers, true));
    const std::string key = ref_key(ref);
    const std::string fp = VS_TRY(tree_fingerprint(ref).wrap("build -m clone --layered"));
    std::optional<uint64_t> reuse;
    uint64_t last = 0;
    for (auto& e : entries(layers + "/base")) {
        auto n = serial(e, key);
        if (!n) continue;
        last = std::max(last, *n);
        const std::string dir = layers + "/base/" + e;
        auto f = xattr_of(dir, kFingerprint);
        if (marked(dir, "base") && f && *f == fp) reuse = std::max(reuse.value_or(0), *n);
    }
    const bool base_made = !reuse;
    const std::string base_entry = fmt::format("{}.{}", key, base_made ? last + 1 : *reuse);
    const std::string base_dir = layers + "/base/" + base_entry;

    uint64_t gn = 0;
    for (auto& e : entries(layers + "/guests"))
        if (auto n = serial(e, name)) gn = std::max(gn, *n);
    const std::string guest_dir = fmt::format("{}/guests/{}.{}", layers, name, gn + 1);
    spec::LayeredRoot l{base_dir + "/tree", guest_dir + "/upper"};

    if (base_made) {
        VS_TRY(mkdir_mode(base_dir, 0700));
        VS_TRY(mark_building(base_dir));
        VS_TRY(sys::set_xattr(base_dir, kLayerMark, "base").wrap("mark the base"));
    }
    undo.add([layers, guest_dir, base_entry, base_made] {
        undo_layers(layers, guest_dir, base_entry, base_made);
    });
    // The layer names its base before the copy starts: a sweep never takes a base in use.
    VS_TRY(mkdir_mode(guest_dir, 0700));
    VS_TRY(mark_building(guest_dir));
    VS_TRY(sys::set_xattr(guest_dir, kLayerMark, "guest " + name).wrap("mark the layer"));
    VS_TRY(sys::set_xattr(guest_dir, kBaseOf, base_entry).wrap("mark the layer"));
    VS_TRY(mkdir_mode(l.upper, 0755));
    VS_TRY(mkdir_mode(guest_dir + "/work", 0700));
    if (base_made) {
        log::info("making the base \"{}\" of \"{}\"", base_dir, ref);
        VS_TRY(mkdir_mode(l.lower, 0755));
        VS_TRY(clone_tree(ref, l.lower).wrap("build -m clone --layered"));
        VS_TRY(fault_point("build:base-copied"));
        // A reference that changed during the copy: this base is a mix of two states, which
        // no later clone may take for either.
        if (VS_TRY(tree_fingerprint(ref)) == fp)
            VS_TRY(sys::set_xattr(base_dir, kFingerprint, fp).wrap("mark the base"));
        else
            log::warn(
                "build: \"{}\" changed during the copy: its base \"{}\" serves this guest "
                "only",
                ref, base_dir);
        VS_TRY(clear_building(base_dir));
    } else {
        log::info("sharing the base \"{}\" of \"{}\"", base_dir, ref);
    }
    return l;
}

Status commit_layers(const spec::LayeredRoot& l) {
    return clear_building(str::parent_dir(l.upper));
}

Result<UniqueFd> make_overlay(const spec::LayeredRoot& l) {
    auto p = VS_TRY(paths_of(l));
    // What a guest needs of its root, and what each costs (Documentation/filesystems/
    // overlayfs.rst):
    // - redirect_dir=on: a directory of the base can be renamed (dpkg, mv); off, rename(2) of it
    //   fails with EXDEV. Costs an xattr on the renamed dir; safe with a trusted upper (only
    //   the host can set trusted.overlay.*).
    // - index=on: a file with hard links in the base keeps them when one name is written (the
    //   copy-up is indexed); off, the names split. Ties the upper to this base (its file handle
    //   is recorded at the first mount): the base is frozen anyway.
    // - xino=auto: inode numbers stay those of the underlying filesystem (all layers are on
    //   one), so st_ino and d_ino stay stable across copy-up, as tar, rsync and du expect.
    // - metacopy=off: a chown/chmod copies the data up too (a reflink on XFS/btrfs, so no
    //   bytes), and no upper file ever points into the base by path: metacopy's redirects are
    //   what the documentation warns against with a guest-controlled upper.
    // "lowerdir+" (Linux 6.8) takes the path as one value, so commas and colons in it are safe;
    // an older kernel gets "lowerdir" with its separators escaped.
    std::vector<std::pair<std::string, std::string>> opts = {
        {"lowerdir+", l.lower}, {"upperdir", l.upper}, {"workdir", p.work}, {"redirect_dir", "on"},
        {"index", "on"},        {"xino", "auto"},      {"metacopy", "off"}};
    auto m = mount::new_fs("overlay", kOverlaySource, opts, 0);
    if (!m && m.error().code == EINVAL &&
        m.error().message.find("lowerdir+") != std::string::npos) {
        std::string escaped;
        for (char c : l.lower) {
            if (c == ':' || c == '\\') escaped += '\\';
            escaped += c;
        }
        opts[0] = {"lowerdir", escaped};
        m = mount::new_fs("overlay", kOverlaySource, opts, 0);
    }
    return std::move(m).wrap("overlay of \"{}\" and \"{}\"", l.lower, l.upper);
}

Status ensure_root_mounted(const spec::GuestSpec& spec, RootUse use) {
    if (!spec.layered) return ok();
    const auto& l = *spec.layered;
    auto fail = [&](Error e) {
        return Status(std::move(e.wrap(fmt::format("guest \"{}\"", spec.name))));
    };
    auto p = paths_of(l);
    if (!p) return fail(std::move(p).error());
    auto check = [&]() -> Result<bool> {
        auto m = VS_TRY(mount_at(spec.root));
        if (!m) return false;
        auto kind = kind_of(*m, l);
        if (kind == Kind::Userns && use != RootUse::Read)
            return make_error(EBUSY,
                              "its root \"{}\" is the overlay of its user-namespaced start, "
                              "where {}; stop the guest first (`vserver {} stop` also cleans up "
                              "after one that died)",
                              spec.root,
                              use == RootUse::Owners
                                  ? "its files show their ids shifted into the guest's host range"
                                  : "a file the host makes has an owner the guest's id map "
                                    "cannot store (EOVERFLOW)",
                              spec.name);
        if (kind != Kind::Other) return true;
        return make_error(EBUSY, "its root \"{}\" has another mount on it: {}", spec.root,
                          m->describe());
    };
    auto mounted = check();
    if (!mounted) return fail(std::move(mounted).error());
    if (*mounted) return ok();
    auto lock = lock_layers(p->layers, true);
    if (!lock) return fail(std::move(lock).error());
    mounted = check();  // another tool may have mounted it while this one waited
    if (!mounted) return fail(std::move(mounted).error());
    if (*mounted) return ok();
    if (!marked(p->guest, "guest " + spec.name))
        return fail(make_error(EPERM, "\"{}\" is not marked as its layer", p->guest));
    auto tree = make_overlay(l);
    if (!tree && tree.error().code == EBUSY)
        // overlayfs refuses an upper or work dir another overlay mount still uses.
        return fail(make_error(EBUSY,
                               "{} (its layer is in use by another overlay mount: the guest "
                               "running while its root was unmounted on the host? stop it, "
                               "then retry)",
                               tree.error().message));
    if (!tree) return fail(std::move(tree).error());
    auto target = sys::open(spec.root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (!target) return fail(std::move(target).error());
    if (auto r = mount::attach(tree->get(), target->get(), spec.root); !r)
        return fail(std::move(r).error());
    log::debug("guest \"{}\": mounted its layered root at \"{}\"", spec.name, spec.root);
    return ok();
}

Status unmount_root(const spec::GuestSpec& spec) {
    if (!spec.layered) return ok();
    for (;;) {
        auto m = VS_TRY(mount_at(spec.root).wrap("guest \"{}\"", spec.name));
        if (!m || !is_ours(*m, *spec.layered)) return ok();
        VS_TRY(umount_guest_root(spec));
    }
}

Result<UniqueFd> mount_userns_root(const spec::GuestSpec& spec, int userns_fd, uid_t host_root) {
    if (!spec.layered) return make_error(EINVAL, "guest \"{}\" has no layered root", spec.name);
    const auto& l = *spec.layered;
    auto p = VS_TRY(paths_of(l));
    auto lock = VS_TRY(lock_layers(p.layers, true));
    if (auto m = VS_TRY(mount_at(spec.root)))
        return make_error(EBUSY, "its root \"{}\" has a mount on it: {}", spec.root, m->describe());
    if (!marked(p.guest, "guest " + spec.name))
        return make_error(EPERM, "\"{}\" is not marked as its layer", p.guest);
    // Upper and work from one idmapped mount of the layer dir: overlayfs wants them on one
    // mount. Files the guest's root makes are stored owned by 0, as in an idmapped plain root.
    auto lower = VS_TRY(idmapped_layer(l.lower, userns_fd));
    auto layer = VS_TRY(idmapped_layer(p.guest, userns_fd));
    // overlayfs names a layer given by fd by its path (d_path), which for a detached mount is
    // "/upper": attached over their own dirs while the overlay takes them, its mountinfo shows
    // the same paths as the host's overlay, which the tools that look there (hashify's method,
    // vdu's device) stat. Detached again right after: under the lock no other overlay of this
    // base is made meanwhile, and the overlay keeps its own copies of the layers' mounts.
    Rollback shown;
    for (auto [fd, dir] : {std::pair{lower.get(), l.lower}, std::pair{layer.get(), p.guest}}) {
        auto target = VS_TRY(sys::open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        VS_TRY(mount::attach(fd, target.get(), dir));
        shown.add([dir = dir] {
            if (::umount2(dir.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
                log::warn("detach the idmapped view of \"{}\": {}", dir, std::strerror(errno));
        });
    }
    auto upper = VS_TRY(fs::open_child(layer.get(), "upper", O_PATH | O_DIRECTORY));
    auto work = VS_TRY(fs::open_child(layer.get(), "work", O_PATH | O_DIRECTORY));
    // The options of make_overlay, for the same reasons; only the layers differ.
    std::vector<std::pair<std::string, int>> fds = {
        {"lowerdir+", lower.get()}, {"upperdir", upper.get()}, {"workdir", work.get()}};
    std::vector<std::pair<std::string, std::string>> opts = {
        {"redirect_dir", "on"}, {"index", "on"}, {"xino", "auto"}, {"metacopy", "off"}};
    auto ctx = mount::fs_context("overlay", kUsernsSource, fds, opts);
    auto tree = ctx ? create_as(ctx->get(), host_root) : Result<UniqueFd>(std::move(ctx).error());
    shown.run();
    // EINVAL: no fd layers (before 6.13); EBADF: no O_PATH fds there (before 6.15).
    if (!tree && (tree.error().code == EINVAL || tree.error().code == EBADF) &&
        tree.error().message.find("file descriptor") != std::string::npos)
        return make_error(EINVAL,
                          "{}: this kernel cannot take an overlay's layers as file descriptors "
                          "(Linux 6.15 can), so a user-namespaced guest cannot have a layered "
                          "root here; make it a classic guest (a userns-less copy: build "
                          "--no-userns) or a plain clone",
                          tree.error().message);
    if (!tree && tree.error().code == EBUSY)
        return make_error(EBUSY,
                          "{} (its layer \"{}\" is still in use by another overlay: a copy of "
                          "the root's mount in another mount namespace? grep \"{}\" "
                          "/proc/*/mountinfo)",
                          tree.error().message, p.guest, l.upper);
    auto overlay =
        VS_TRY(std::move(tree).wrap("overlay of \"{}\" and \"{}\" idmapped", l.lower, l.upper));
    // Attached on the host first, then cloned for the guest: one superblock, so no EBUSY, and
    // host tools reach the running guest's files at its root path.
    auto target = VS_TRY(sys::open(spec.root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    VS_TRY(mount::attach(overlay.get(), target.get(), spec.root));
    auto clone = mount::clone_tree(AT_FDCWD, spec.root, false);
    if (!clone) {
        (void)::umount2(spec.root.c_str(), UMOUNT_NOFOLLOW);
        return std::move(clone).error();
    }
    log::debug("guest \"{}\": mounted its user-namespaced layered root at \"{}\"", spec.name,
               spec.root);
    return std::move(*clone);
}

Result<bool> userns_root_mounted(const spec::GuestSpec& spec) {
    if (!spec.layered) return false;
    auto m = VS_TRY(mount_at(spec.root));
    return m && kind_of(*m, *spec.layered) == Kind::Userns;
}

Status release_userns_root(const spec::GuestSpec& spec) {
    if (!spec.layered) return ok();
    while (VS_TRY(userns_root_mounted(spec))) {
        VS_TRY(umount_guest_root(spec));
    }
    return ok();
}

Status check_layered_mounts(const spec::GuestSpec& spec) {
    std::vector<std::string> refused;
    for (auto& m : VS_TRY(fs::mounts_below(spec.root)))
        if (!(m.mount_point == spec.root && spec.layered && is_ours(m, *spec.layered)))
            refused.push_back(m.describe());
    if (!refused.empty())
        return make_error(EBUSY, "\"{}\" has file systems mounted inside, not vserver-ng's: {}",
                          spec.root, str::join(refused, "; "));
    return ok();
}

Status remove_layers(const spec::GuestSpec& spec) {
    if (!spec.layered) return ok();
    auto p = VS_TRY(paths_of(*spec.layered));
    auto lock = VS_TRY(lock_layers(p.layers, true));
    if (sys::exists(p.guest)) {
        if (!marked(p.guest, "guest " + spec.name)) {
            log::warn("delete guest \"{}\": left \"{}\" in place: it is not marked as its layer",
                      spec.name, p.guest);
            return ok();
        }
        VS_TRY(fs::remove_path(p.guest).wrap("remove the layer of guest \"{}\"", spec.name));
    }
    return remove_base_if_unused(p.layers, base_name(p.base));
}

void sweep_layers(const config::Paths& paths, const std::string& roots_dir) {
    const std::string layers = roots_dir + "/.layers";
    if (!sys::is_dir(layers)) return;
    auto lock = lock_layers(layers, false);
    if (!lock || !lock->valid()) return;
    auto warn = [](const Status& s) {
        if (!s) log::warn("removing a leftover: {}", s.error().what());
    };
    for (auto& g : entries(layers + "/guests")) {
        const std::string dir = layers + "/guests/" + g;
        if (!built_by_dead_process(dir)) continue;
        auto who = xattr_of(dir, kLayerMark);
        std::string name = who && str::starts_with(*who, "guest ") ? who->substr(6) : "";
        auto named = name.empty() ? Result<std::string>(make_error(ENOENT, ""))
                                  : sys::read_file(paths.guest_config(name) + "/layered/upper");
        if (named && str::trim(*named) == dir + "/upper")
            warn(clear_building(dir));
        else
            warn(fs::remove_path(dir));
    }
    for (auto& b : entries(layers + "/base")) {
        const std::string dir = layers + "/base/" + b;
        if (!built_by_dead_process(dir) && sys::get_xattr(dir, "trusted.vserver-ng.building"))
            continue;  // a live build is still copying it
        warn(remove_base_if_unused(layers, b));
    }
}

}  // namespace vs::store
