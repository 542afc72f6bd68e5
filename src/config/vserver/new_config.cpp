// NewConfig: staging, checking and renaming in a new guest's config dir.
#include "config/vserver/new_config.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/log.hpp"
#include "base/sys.hpp"
#include "config/vserver/fstab.hpp"
#include "fs/remove.hpp"
#include "spec/init_style.hpp"
#include "spec/validate.hpp"

namespace vs::config::vserver {

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

Result<NewConfig> NewConfig::stage(const Paths& paths, const spec::GuestSpec& spec) {
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
