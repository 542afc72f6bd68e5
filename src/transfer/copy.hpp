// `vserver-copy SRC DEST` / `vserver SRC copy DEST`: a local copy of a stopped guest under a new
// name, context and hostname, made under a temporary name and renamed in.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "spec/guest_spec.hpp"
#include "transfer/new_guest.hpp"

namespace vs::transfer {

struct CopyOptions {
    /// The copy's interfaces (--ip); unset or empty: none (an address is never duplicated).
    std::optional<std::vector<spec::Interface>> interfaces;
    /// -r/--vsroot: the directory the copy's root goes in (DIR/DEST); empty: the roots dir.
    std::string rootdir;
    /// -d/--domain: rewrite the copy's /etc/hostname and /etc/hosts (transfer/host_names.hpp)
    /// naming its first address; refused when it has none.
    std::string domain;
    bool verbose = false;  ///< -v: say each step on stderr
    /// A progress line (bytes, rate, ETA) on stderr while a clone copies, when it is a terminal.
    bool progress = true;
};

enum class CopyMethod {
    Snapshot,  ///< the source root is a btrfs subvolume on the roots' file system: a snapshot
    Clone,     ///< cp --archive --reflink=auto (reflinks on btrfs and XFS, copies elsewhere)
};
const char* copy_method_name(CopyMethod m);

struct CopyResult : NewGuestResult {
    CopyMethod method = CopyMethod::Clone;
};

/// True when guest `name`'s cgroup holds a process.
Result<bool> guest_running(const config::Paths& paths, const std::string& name);

/// Refused with one line (nothing made) when DEST exists (config dir or root), when SRC runs,
/// or when an address given with --ip is another guest's. SRC's lock is held throughout, so
/// it cannot start meanwhile. The root is copied into a staging root (store::clone_tree: hard
/// links, owners, xattrs, ACLs, devices, capabilities; never following a link of the source),
/// or snapshotted; the config goes through NewConfig (transfer/new_guest.hpp).
Result<CopyResult> copy_local(const config::Paths& paths, const std::string& src,
                              const std::string& dest, const CopyOptions& opt);

}  // namespace vs::transfer
