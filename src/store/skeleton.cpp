// Skeleton guest: FHS dirs, busybox applets, minimal /etc and init scripts.
#include "store/skeleton.hpp"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/exec.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"

namespace vs::store {

namespace {

struct Dir {
    const char* path;
    mode_t mode;
};

// The FHS skeleton. /dev stays empty: start mounts a tmpfs with the minimal device set there.
constexpr Dir kDirs[] = {
    {"bin", 0755},       {"sbin", 0755},       {"lib", 0755},       {"usr", 0755},
    {"usr/bin", 0755},   {"usr/sbin", 0755},   {"usr/lib", 0755},   {"usr/share", 0755},
    {"etc", 0755},       {"etc/init.d", 0755}, {"etc/rc0.d", 0755}, {"etc/rc1.d", 0755},
    {"etc/rc2.d", 0755}, {"etc/rc3.d", 0755},  {"etc/rc4.d", 0755}, {"etc/rc5.d", 0755},
    {"etc/rc6.d", 0755}, {"dev", 0755},        {"proc", 0555},      {"sys", 0555},
    {"run", 0755},       {"tmp", 01777},       {"var", 0755},       {"var/log", 0755},
    {"var/tmp", 01777},  {"var/lib", 0755},    {"var/spool", 0755}, {"root", 0700},
    {"home", 0755},      {"mnt", 0755},        {"opt", 0755},       {"srv", 0755},
    {"media", 0755},
};

constexpr const char* kInittab =
    "# busybox init: run the boot script once, then stay as PID 1 reaping orphans.\n"
    "::sysinit:/etc/init.d/rcS\n"
    "::shutdown:/etc/init.d/rc 0\n";

constexpr const char* kRcS =
    "#!/bin/sh\n"
    "# Boot script of the busybox init (plain style): enter runlevel 3.\n"
    "exec /etc/init.d/rc 3\n";

constexpr const char* kRc =
    "#!/bin/sh\n"
    "# rc RUNLEVEL: stop the K* scripts of /etc/rcRUNLEVEL.d, then run its S* scripts\n"
    "# (with \"stop\" for the halt and reboot runlevels 0 and 6, else \"start\").\n"
    "PATH=/sbin:/bin:/usr/sbin:/usr/bin\n"
    "export PATH\n"
    "level=${1:-3}\n"
    "dir=/etc/rc$level.d\n"
    "[ -d \"$dir\" ] || exit 0\n"
    "for s in \"$dir\"/K*; do\n"
    "    [ -x \"$s\" ] && \"$s\" stop\n"
    "done\n"
    "action=start\n"
    "case $level in 0|6) action=stop ;; esac\n"
    "for s in \"$dir\"/S*; do\n"
    "    [ -x \"$s\" ] && \"$s\" $action\n"
    "done\n"
    "exit 0\n";

constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
constexpr const char* kGroup = "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n";
constexpr const char* kShadow = "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n";
constexpr const char* kProfile =
    "export PATH=/sbin:/bin:/usr/sbin:/usr/bin\n"
    "PS1='\\h:\\w\\$ '\n";

Status make_dir(int rootfd, const char* path, mode_t mode) {
    if (::mkdirat(rootfd, path, mode) < 0 && errno != EEXIST)
        return errno_error(fmt::format("mkdir \"{}\"", path));
    // mkdir(2) applies the umask; the skeleton's modes (1777 /tmp) must be exact.
    if (::fchmodat(rootfd, path, mode, 0) < 0)
        return errno_error(fmt::format("chmod \"{}\"", path));
    return ok();
}

Status put_file(int rootfd, const std::string& path, std::string_view data, mode_t mode) {
    auto fd = VS_TRY(
        sys::open_at(rootfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    VS_TRY(sys::write_all(fd.get(), data, path));
    if (::fchmod(fd.get(), mode) < 0) return errno_error(fmt::format("chmod \"{}\"", path));
    return ok();
}

Status put_symlink(int rootfd, const std::string& target, const std::string& path) {
    if (::symlinkat(target.c_str(), rootfd, path.c_str()) < 0 && errno != EEXIST)
        return errno_error(fmt::format("symlink \"{}\"", path));
    return ok();
}

}  // namespace

std::string busybox_path() {
    const char* e = std::getenv("VSERVER_BUSYBOX");
    return (e && *e) ? e : "/bin/busybox";
}

Status check_static_elf(const std::string& path) {
    auto fd = VS_TRY(sys::open(path, O_RDONLY | O_CLOEXEC));
    Elf64_Ehdr eh{};
    if (::pread(fd.get(), &eh, sizeof eh, 0) != static_cast<ssize_t>(sizeof eh) ||
        std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
        return make_error(ENOEXEC, "\"{}\" is not a 64-bit ELF executable", path);
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph{};
        off_t off = static_cast<off_t>(eh.e_phoff + i * static_cast<uint64_t>(eh.e_phentsize));
        if (::pread(fd.get(), &ph, sizeof ph, off) != static_cast<ssize_t>(sizeof ph))
            return make_error(ENOEXEC, "\"{}\": truncated ELF program header", path);
        if (ph.p_type == PT_INTERP)
            return make_error(ENOEXEC,
                              "\"{}\" is dynamically linked; the skeleton needs a static busybox "
                              "(Debian package busybox-static)",
                              path);
    }
    return ok();
}

Status fill_skeleton(const std::string& root, const spec::GuestSpec& spec) {
    const std::string bb = busybox_path();
    VS_TRY(check_static_elf(bb));
    auto rootfd = VS_TRY(sys::open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    int rfd = rootfd.get();
    for (auto& d : kDirs) VS_TRY(make_dir(rfd, d.path, d.mode));
    VS_TRY(put_symlink(rfd, "../run", "var/run"));
    VS_TRY(put_symlink(rfd, "../run/lock", "var/lock"));

    auto image = VS_TRY(sys::read_file(bb));
    VS_TRY(put_file(rfd, "bin/busybox", image, 0755));

    // Every applet busybox was built with, at the path it expects ("usr/bin/wget").
    exec::Options opt;
    opt.capture_stdout = true;
    auto listing = VS_TRY(exec::run({bb, "--list-full"}, opt));
    if (listing.status != 0)
        return make_error(0, "\"{} --list-full\" exited with status {}", bb, listing.status);
    for (auto& applet : str::lines(listing.out)) {
        if (applet == "bin/busybox" || applet.find("..") != std::string::npos || applet[0] == '/')
            continue;
        VS_TRY(put_symlink(rfd, "/bin/busybox", applet));
    }

    const std::string host = spec.nodename.empty() ? spec.name : spec.nodename;
    VS_TRY(put_file(rfd, "etc/passwd", kPasswd, 0644));
    VS_TRY(put_file(rfd, "etc/group", kGroup, 0644));
    VS_TRY(put_file(rfd, "etc/shadow", kShadow, 0640));
    VS_TRY(put_file(rfd, "etc/hostname", host + "\n", 0644));
    VS_TRY(put_file(rfd, "etc/hosts",
                    fmt::format("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
                                "ip6-loopback\n127.0.1.1\t{}\n",
                                host),
                    0644));
    VS_TRY(put_file(rfd, "etc/profile", kProfile, 0644));
    VS_TRY(put_file(rfd, "etc/inittab", kInittab, 0644));
    VS_TRY(put_file(rfd, "etc/init.d/rcS", kRcS, 0755));
    VS_TRY(put_file(rfd, "etc/init.d/rc", kRc, 0755));
    VS_TRY(put_file(rfd, "etc/fstab", "# mounts are set up by the host (vserver fstab)\n", 0644));
    VS_TRY(put_symlink(rfd, "/proc/mounts", "etc/mtab"));
    VS_TRY(put_file(rfd, "etc/os-release",
                    "NAME=\"vserver-ng skeleton\"\nID=vserver-skeleton\n"
                    "PRETTY_NAME=\"vserver-ng busybox skeleton\"\n",
                    0644));
    return ok();
}

}  // namespace vs::store
