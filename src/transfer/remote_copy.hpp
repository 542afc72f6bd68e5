// `vserver-copy SRC [user@]host:[NAME]`: a guest copied (or migrated) to another host with ssh and
// rsync, committed there by that host's own `vserver NAME receive`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "transfer/remote_io.hpp"

namespace vs::transfer {

struct RemoteCopyOptions {
    RemoteTarget target;
    std::string ssh = "ssh";                 ///< the ssh command, words split on blanks
    std::string remote_vserver = "vserver";  ///< the far side's vserver
    std::vector<std::string> ip_args;        ///< --ip values, passed on as given
    bool no_ip = false;
    bool refresh = false;  ///< update the far side's copy made before: only changes move
    bool migrate = false;  ///< move the guest: while it runs, then stopped, then started there
    bool delete_source = false;  ///< --migrate: delete the source once the copy runs there
    /// util-vserver's -s/--stopstart: a migration that starts the copy on the far host even
    /// when the source was stopped ("stop the source, copy, start it there").
    bool start_stopped = false;
    bool progress = true;
    bool verbose = false;  ///< -v: rsync names each file it sends (on stderr), steps are said
    std::string rootdir;   ///< -r/--vsroot: the copy's root is DIR/NAME on the far host
    std::string domain;    ///< -d/--domain: its /etc/hostname and /etc/hosts rewritten there
};

/// The source's side of a migration, provided by the CLI from runtime/.
struct MigrateHooks {
    std::function<Status()> stop, start;
    std::function<Status()> mark_migrated;  ///< apps/init/mark := migrated
    std::function<Status()> delete_source;
};

struct RemotePass {
    bool live = false;      ///< made while the guest ran
    bool snapshot = false;  ///< read from a read-only btrfs snapshot of the root
    bool checksum = false;  ///< compared contents (rsync --checksum)
    /// A migration's final pass: the entries it was given (rsync --files-from), those changed
    /// since the first live pass; none when it compared the whole tree.
    std::optional<uint64_t> listed;
    RsyncStats stats;
};

/// Where a migration's downtime went, in seconds (the far side's own figures are part of the
/// round trips that carry them).
struct DowntimePhases {
    double stop = 0;        ///< the source's stop (its stop commands, kill sequence, teardown)
    double scan = 0;        ///< listing the entries changed since the first live pass
    double final_pass = 0;  ///< the final rsync pass
    double commit = 0;      ///< "commit" asked and answered
    double far_sync = 0;    ///< of which the far side's syncfs of the new root
    double start = 0;       ///< "start" asked and answered
    double far_start = 0;   ///< of which the far side's start of the guest
};

struct RemoteCopyResult {
    std::string source, host, name, root, config_dir;
    uint32_t context = 0;
    std::vector<RemotePass> passes;        ///< the root's rsync runs, in order
    RsyncStats config;                     ///< the config dir's
    std::optional<double> downtime_s;      ///< a migration of a running guest: stop to started
    std::optional<DowntimePhases> phases;  ///< the same, phase by phase
    bool started = false, source_marked = false, source_deleted = false;
    std::vector<std::string> dropped;  ///< config files no key claims there (left out)
    double seconds = 0;
};

/// Copies guest `src` to the far host. Without --migrate the source must be stopped and stays
/// locked meanwhile. With it, a running source is copied live (repeated while the changes
/// shrink), stopped, copied a last time (with --checksum: see docs/transfer.md), then started
/// on the far side; a failure before that start restarts the source. A stopped source is
/// copied once and started there only with `start_stopped`. Nothing is left on the far
/// side by a failure (the receive session removes what it staged when it ends early).
Result<RemoteCopyResult> copy_remote(const config::Paths& paths, const std::string& src,
                                     const RemoteCopyOptions& opt, const MigrateHooks& hooks);

}  // namespace vs::transfer
