// A guest made from another's config and root (restore, copy): its new identity (name, context,
// hostname, addresses) and the staged root renamed in with its config, or nothing at all.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "spec/guest_spec.hpp"
#include "store/guest_root.hpp"

namespace vs::transfer {

struct Identity {
    std::string name;      ///< the new guest's name
    std::string old_name;  ///< the source's: a nodename equal to it becomes `name`
    /// Set: the new guest's interfaces (empty: none). Unset: the source's, refused when another
    /// guest is configured with one of them.
    std::optional<std::vector<spec::Interface>> interfaces;
};

/// What restore and copy report of the guest they made.
struct NewGuestResult {
    std::string name, root, config_dir;
    uint32_t context = 0;
    double seconds = 0;
    std::vector<std::string> dropped;  ///< config files no key claims (left out of the new guest)
};

/// Refuses (EEXIST, one line) when guest `name` has a config dir or a root already (at its
/// default place, or at `root` when given).
Status check_name_free(const config::Paths& paths, const std::string& name,
                       const std::string& root = "");

/// Rewrites `s` (loaded from the source's config) for the new guest: its paths under `paths`, a
/// new free context (and, user-namespaced, the id range that follows from it; an explicit id
/// map is dropped), nodename, interfaces. An address another guest is configured with is
/// refused naming both.
Status rewrite_identity(const config::Paths& paths, spec::GuestSpec& s, const Identity& id);

/// The new guest's root, staged beside where it goes (`root`, default "<vdir_base>/NAME") as
/// ".build-NAME-PID" (a btrfs subvolume where the roots live on btrfs, else a directory) and
/// marked as being built, so a killed restore or copy is swept like a killed build
/// (store/leftovers.hpp). Removed unless committed.
class GuestStage {
public:
    static Result<GuestStage> create(const config::Paths& paths, const std::string& name,
                                     bool make_root = true, const std::string& root = "");
    GuestStage(GuestStage&& o) noexcept;
    GuestStage& operator=(GuestStage&&) = delete;
    ~GuestStage();

    /// Where the root is filled (absent when create() was told not to make it: a btrfs
    /// snapshot or a clone makes it).
    const std::string& root() const { return stage_; }

    /// Writes the staged root's data and metadata to disk (syncfs(2) on an fd of it): called
    /// before commit() or exchange() where the copy must survive a crash once registered (a
    /// restore; a received copy, whose source may be deleted next). Errors carry the path.
    Status sync() const;

    /// Marks the root as the guest's, mode 0755; stages the config dir (NewConfig: every key
    /// through the registry, loaded back); renames the root in, then the config dir. A failure
    /// undoes the root's rename: no half-made guest is left registered. Committed, the guest's
    /// root, config dir and context go to `made` when given. `config_from`: the config dir `s`
    /// was loaded from, whose hooks the new config gets as its own files.
    Status commit(const config::Paths& paths, const spec::GuestSpec& s,
                  const std::string& config_from, NewGuestResult* made = nullptr);

    /// Refresh of guest `name`: marks the staged root as its and exchanges it with `root`
    /// (renameat2 RENAME_EXCHANGE, so the guest always has a whole root); the old root, now
    /// at the staging path, is removed with the stage.
    Status exchange(const std::string& name, const std::string& root);

    /// After exchange(): the old root (now at the stage's path) is renamed to a stage of a
    /// child process (".build-NAME-CHILDPID", so a killed child's is swept as any dead stage)
    /// that removes it detached from this process, its session and its descriptors, so the
    /// refresh does not wait for every name of the old tree to be unlinked. False (the stage
    /// then removed as usual) when the child could not be made or could not take it.
    bool remove_in_background(const std::string& name);

private:
    GuestStage() = default;
    std::string stage_, parent_;
    bool committed_ = false, made_parent_ = false;
};

}  // namespace vs::transfer
