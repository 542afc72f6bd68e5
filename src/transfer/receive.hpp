// `vserver NAME receive`: the far side of `vserver-copy SRC HOST:NAME`, run there over ssh. It
// stages a root (and a config dir) for rsync to fill, then commits them as guest NAME through
// this host's config writer, on commands read from stdin; a session that ends early leaves
// nothing.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"
#include "spec/guest_spec.hpp"

namespace vs::transfer {

struct ReceiveOptions {
    std::string from;  ///< the source guest's name (a hostname equal to it becomes NAME)
    /// Update the existing, stopped guest NAME: its root is staged from the old one (a btrfs
    /// snapshot, else a hard-link farm), updated in place by rsync (only changed files move) and
    /// exchanged; its config is kept.
    bool refresh = false;
    /// Set: the new guest's interfaces (empty: none). Unset: the sent config's (a migration),
    /// refused when another guest here is configured with one of them.
    std::optional<std::vector<spec::Interface>> interfaces;
    /// --rootdir: the directory the new guest's root goes in (DIR/NAME); empty: the roots dir.
    std::string rootdir;
    /// --domain: the guest's /etc/hostname and /etc/hosts rewritten before the commit
    /// (transfer/host_names.hpp), naming its first address.
    std::string domain;
};

struct ReceiveHooks {
    std::function<Status(const spec::GuestSpec&)> start;   ///< runtime::start
    std::function<Status(const spec::GuestSpec&)> remove;  ///< runtime::remove (start failed)
};

/// Serves one session: prints "ready {JSON}" on `out_fd` (where to rsync to), then answers each
/// line of `in_fd` ("check", "commit", "start", "done") with "ok {JSON}" or "error ERRNO
/// MESSAGE". EOF before "commit" removes everything staged; in a migration (interfaces unset)
/// EOF before "done" also removes the guest committed (and started) here, since the source then
/// runs again. Setup failures are answered the same way and returned.
Status receive(const config::Paths& paths, const std::string& name, const ReceiveOptions& opt,
               const ReceiveHooks& hooks, int in_fd, int out_fd);

}  // namespace vs::transfer
