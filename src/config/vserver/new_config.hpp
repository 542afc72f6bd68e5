// A new guest's config dir, written whole beside its final place and renamed in: the guest
// exists once its config dir does, complete (build; meant for copies and imports as well).
#pragma once

#include <string>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "config/vserver/tree.hpp"
#include "config/vserver/writer.hpp"
#include "spec/guest_spec.hpp"

namespace vs::config::vserver {

class NewConfig {
public:
    /// Writes every key `spec` sets (registry writers, as save()) into a staging dir
    /// <config_dir>/.<name>.tmp.<pid>.new/<name>, plus what util-vserver's build always
    /// writes: the `run` link to the guest's run dir, `fstab` and `apps/init/style`. Then it
    /// loads it back through the registry, the check `start` makes, and keeps the result.
    /// Creates <config_dir> when missing (removed again if nothing is committed).
    /// `scripts_from`: the config dir `spec` was loaded from (a copy's source, a received or
    /// restored config): its hooks are copied into the new dir (files with content and mode,
    /// links as links), never linked to there.
    static Result<NewConfig> stage(const Paths& paths, const spec::GuestSpec& spec,
                                   const std::string& scripts_from = {});

    NewConfig(NewConfig&& o) noexcept;
    NewConfig& operator=(NewConfig&&) = delete;
    NewConfig(const NewConfig&) = delete;
    /// Removes the staging dir: the config when it was not committed, the replaced one when it
    /// was (and <config_dir> when stage() made it and nothing was committed).
    ~NewConfig();

    const std::string& staged_dir() const { return staged_; }
    const LoadResult& loaded() const { return loaded_; }

    /// Further changes on the staged config (the vserver-copy path: re-IP, rename), validated
    /// as apply() does; loaded() follows.
    Status edit(const spec::GuestSpec& base, const Edit& e);

    /// Renames the staged dir to <config_dir>/<name> in one step: refused (EEXIST) when that
    /// exists, unless `replace`, which exchanges the two (renameat2 RENAME_EXCHANGE) and leaves
    /// the old config in the staging dir until this object goes.
    Status commit(bool replace);

private:
    NewConfig() = default;
    std::string config_base_, holder_, staged_, target_;
    bool made_base_ = false, committed_ = false;
    LoadResult loaded_;
};

}  // namespace vs::config::vserver
