// NewConfig: staging, checking and renaming in a new guest's config dir.
#include "config/vserver/new_config.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/log.hpp"
#include "base/safe_read.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "config/vserver/fstab.hpp"
#include "fs/remove.hpp"
#include "fs/resolve.hpp"
#include "spec/init_style.hpp"
#include "spec/validate.hpp"

namespace vs::config::vserver {

namespace {

// The hooks `s` names in the config dir it was loaded from, `from`, put at the same places in
// `to`, and named there: a regular file with its content and mode, a link as the same link.
// The writer links any script outside the config dir it writes, and a link into `from` dangles
// once that dir goes (a received or restored config) or ties the new guest to its source.
Status carry_scripts(spec::GuestSpec& s, const std::string& from, const std::string& to) {
    const std::string prefix = from + "/";
    for (auto& [phase, paths] : s.scripts.by_phase) {
        for (auto& p : paths) {
            if (!str::starts_with(p, prefix)) continue;
            const std::string rel = p.substr(prefix.size());
            if (!str::starts_with(rel, "scripts/") || rel.find("/..") != std::string::npos)
                return make_error(EINVAL, "scripts/{}: \"{}\" is no hook of \"{}\"", phase, p,
                                  from);
            const std::string dst = to + "/" + rel;
            VS_TRY(sys::mkdir_p(dst.substr(0, dst.rfind('/')), 0755));
            struct stat st {};
            if (::lstat(p.c_str(), &st) < 0) return errno_error(fmt::format("stat \"{}\"", p));
            if (S_ISLNK(st.st_mode)) {
                auto target = VS_TRY(sys::readlink(p));
                VS_TRY(sys::symlink(target, dst));
            } else if (S_ISREG(st.st_mode)) {
                // open_regular: a FIFO or device swapped in since the lstat is never opened.
                const auto cut = p.rfind('/');
                auto dir = VS_TRY(sys::open(p.substr(0, cut), O_PATH | O_DIRECTORY | O_CLOEXEC));
                auto in = VS_TRY(fs::open_regular(dir.get(), p.substr(cut + 1)));
                auto text = VS_TRY(sys::read_all(in.get(), p));
                const mode_t mode = st.st_mode & 0777;
                int fd =
                    ::open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
                if (fd < 0) return errno_error(fmt::format("create \"{}\"", dst));
                UniqueFd out(fd);
                VS_TRY(sys::write_all(fd, text, dst));
                if (::fchmod(fd, mode) < 0) return errno_error(fmt::format("chmod \"{}\"", dst));
            } else {
                return make_error(EINVAL, "\"{}\" is {}, expected a script (a regular file)", p,
                                  sys::file_type_name(st.st_mode));
            }
            p = dst;
        }
    }
    return ok();
}

}  // namespace

NewConfig::NewConfig(NewConfig&& o) noexcept
    : config_base_(std::move(o.config_base_)),
      holder_(std::move(o.holder_)),
      staged_(std::move(o.staged_)),
      target_(std::move(o.target_)),
      made_base_(o.made_base_),
      committed_(o.committed_),
      loaded_(std::move(o.loaded_)) {
    o.holder_.clear();
    o.made_base_ = false;
}

NewConfig::~NewConfig() {
    if (holder_.empty()) return;
    // The replaced config may hold its guest's root as a real vdir directory: removed as a
    // guest tree is (never following a link, never crossing a mount).
    if (auto r = fs::remove_path(holder_); !r) log::warn("config: clean up: {}", r.error().what());
    if (made_base_ && !committed_) ::rmdir(config_base_.c_str());  // only if still empty
}

Result<NewConfig> NewConfig::stage(const Paths& paths, const spec::GuestSpec& in,
                                   const std::string& scripts_from) {
    spec::GuestSpec spec = in;
    VS_TRY(spec::validate_name(spec.name));
    NewConfig n;
    n.config_base_ = paths.config_dir;
    n.target_ = paths.guest_config(spec.name);
    n.made_base_ = !sys::exists(paths.config_dir);
    VS_TRY(sys::mkdir_p(paths.config_dir));
    // The holder keeps the staged dir's own name, so that what is written relative to it
    // reads the same once renamed in; list_guests skips dot names.
    n.holder_ = fmt::format("{}/.{}.tmp.{}.new", paths.config_dir, spec.name, ::getpid());
    VS_TRY(fs::remove_path(n.holder_));
    if (::mkdir(n.holder_.c_str(), 0700) < 0)
        return errno_error(fmt::format("mkdir \"{}\"", n.holder_));
    n.staged_ = n.holder_ + "/" + spec.name;
    if (!scripts_from.empty()) VS_TRY(carry_scripts(spec, scripts_from, n.staged_));
    VS_TRY(save(spec, n.staged_));
    // util-vserver's run link names the guest's run dir (its lock lives there).
    if (!sys::exists(n.staged_ + "/run") && !sys::readlink(n.staged_ + "/run"))
        VS_TRY(sys::symlink(paths.guest_run(spec.name), n.staged_ + "/run"));
    if (!sys::exists(n.staged_ + "/fstab"))
        VS_TRY(sys::write_file_atomic(n.staged_ + "/fstab", format_fstab(spec.fstab)));
    // The registry omits the default style; util-vserver's build always writes it, and an
    // explicit file keeps the guest's style if the default ever changes.
    if (!sys::exists(n.staged_ + "/apps/init/style")) {
        VS_TRY(sys::mkdir_p(n.staged_ + "/apps/init"));
        VS_TRY(sys::write_file_atomic(n.staged_ + "/apps/init/style",
                                      fmt::format("{}\n", spec::init_style_name(spec.init.style))));
    }
    auto base = VS_TRY(base_spec(paths, spec.name));
    auto loaded = load_dir(n.staged_, std::move(base));
    if (!loaded) {
        Error e = std::move(loaded).error();
        e.wrap(fmt::format("check the new config of guest \"{}\"", spec.name));
        return e;
    }
    n.loaded_ = std::move(*loaded);
    n.loaded_.spec.config_dir = n.target_;
    return n;
}

Status NewConfig::edit(const spec::GuestSpec& base, const Edit& e) {
    if (committed_) return make_error(EINVAL, "internal: {} is committed already", target_);
    auto p = VS_TRY(prepare_dir(staged_, base, e));
    VS_TRY(vserver::commit(p));
    loaded_ = std::move(p.loaded);
    loaded_.spec.config_dir = target_;
    return ok();
}

Status NewConfig::commit(bool replace) {
    if (committed_) return ok();
    unsigned flags = replace && sys::exists(target_) ? RENAME_EXCHANGE : RENAME_NOREPLACE;
    if (::renameat2(AT_FDCWD, staged_.c_str(), AT_FDCWD, target_.c_str(), flags) < 0)
        return errno_error(fmt::format("rename \"{}\" to \"{}\"", staged_, target_));
    committed_ = true;
    // The rename itself must survive a crash (rename(2), fsync(2) NOTES).
    if (auto fd = sys::open(config_base_, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ::fsync(fd->get());
    return ok();
}

}  // namespace vs::config::vserver
