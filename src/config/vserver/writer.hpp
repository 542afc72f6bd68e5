// The one way to change a guest's config tree: a batch of key changes (Edit), checked through
// the key registry, validated as the whole resulting config, then committed file by file
// atomically with rollback. No code outside config/ writes under /etc/vservers/NAME.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "config/vserver/tree.hpp"
#include "spec/guest_spec.hpp"

namespace vs::config::vserver {

/// One change of an Edit. `rel` is relative to the guest's config dir ("interfaces/0/ip").
struct Change {
    enum class Op {
        Write,      ///< the file `rel` gets `content` (the whole file text)
        Link,       ///< the symlink `rel` points to `content`
        Remove,     ///< the file or symlink `rel` goes (nothing when absent)
        RemoveDir,  ///< the directory `rel` goes with everything in it (nothing when absent)
    };
    Op op;
    std::string rel;
    std::string content;
};

/// A batch of changes applied as one: either all of them or none. Each builder checks the key
/// and its value at once through the key's registry row, so a bad one is refused naming the
/// key and the value before anything is written; the first refusal is kept and returned by
/// apply() (and by check()). Later changes of one key win over earlier ones.
class Edit {
public:
    /// A scalar key ("context", "interfaces/0/ip"): one line, stored with a final newline.
    /// A list or hash key takes its lines joined by '\n'; a data key (fstab) its text.
    Edit& set(const std::string& rel, const std::string& value);
    /// A list or hash key, one entry per line.
    Edit& set_lines(const std::string& rel, const std::vector<std::string>& lines);
    /// A bool key (interfaces/0/nodev): the empty file.
    Edit& set_flag(const std::string& rel);
    /// A link key (vdir, cache, run) pointing to `target`.
    Edit& set_link(const std::string& rel, const std::string& target);
    /// Removes a key's file (a bool key becomes false, any other its default).
    Edit& unset(const std::string& rel);
    /// Removes a directory of keys ("interfaces/3") in one rename, unknown files in it included.
    Edit& remove_dir(const std::string& rel);
    /// Every file the registry writes for interface `i` under interfaces/<i.id>/ (ip, prefix,
    /// dev, name, mode, mac, gateway, nodev, disabled as set). Files of that directory it does
    /// not write stay: remove_dir first to replace the interface as a whole.
    Edit& set_interface(const spec::Interface& i);

    bool empty() const { return changes_.empty(); }
    const std::vector<Change>& changes() const { return changes_; }
    /// The first refused change, if any.
    Status check() const;

private:
    Edit& add(Change c);
    std::vector<Change> changes_;
    std::optional<Error> refused_;
};

/// An Edit checked and validated against the config as it is now; commit() writes it.
struct PreparedEdit {
    std::string dir;              ///< the guest's config dir
    std::vector<Change> changes;  ///< what commit() does, in order
    LoadResult loaded;            ///< the config as it will be once committed
};

/// Steps 1 and 2 of apply(), nothing written under `dir`: the changes are checked
/// (Edit::check), then the whole config as it will be is loaded and validated (the tree's files
/// copied into a staging dir beside it, the changes applied there, read by load_dir), so a
/// write never leaves a config that `start` refuses. A refusal names the real file and value.
/// `*invalid` tells a refusal of the changes or of the config they make (a guest that does not
/// exist included) from a failure to check (the staging dir could not be written).
Result<PreparedEdit> prepare(const Paths& paths, const std::string& name, const Edit& edit,
                             bool* invalid = nullptr);
/// The same for a config dir anywhere: `base` as for load_dir.
Result<PreparedEdit> prepare_dir(const std::string& dir, const spec::GuestSpec& base,
                                 const Edit& edit, bool* invalid = nullptr);

/// Step 3: every file written atomically (tmp + fsync + rename, its old mode kept; a symlink
/// in the way is replaced, never written through), a directory that did not exist staged
/// whole and renamed in, a removed directory renamed away before it is deleted. A failure
/// undoes the steps done so far in reverse, so the tree is as it was.
Status commit(const PreparedEdit& prepared);

/// prepare + commit for guest `name` (paths.guest_config(name), which must exist). Returns the
/// config as it now is. The caller holds the guest's lock (state::GuestLock) so that no start
/// and no other edit runs in between.
Result<LoadResult> apply(const Paths& paths, const std::string& name, const Edit& edit);

/// Names of files and directories in flight (".<name>.tmp.<pid>", with a suffix for the
/// writer's staging dirs): write_file_atomic's and the writer's. Readers skip them.
bool is_in_flight_name(const std::string& name);

}  // namespace vs::config::vserver
