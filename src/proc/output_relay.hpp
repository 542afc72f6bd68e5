// OutputRelay: a process in a guest writes its stdout/stderr into two pipes we made and sends
// its wait status on a socket when it exits; we copy the pipes to our own stdout/stderr until
// that status arrives. The far side is vs-init --output (tools/vs-init/output.{hpp,cpp}),
// which also drains the pipes once we have closed our ends.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::proc {

class OutputRelay {
public:
    /// Two pipes and a socketpair, all close-on-exec and above fd 2 (so a child that puts
    /// /dev/null on 0-2 cannot clobber them).
    static Result<OutputRelay> make();

    /// The fds the far side must inherit, in vs-init's --output order: S, OW, EW, OR, ER.
    std::vector<int> peer_fds() const;
    /// "S,OW,EW,OR,ER" for vs-init's --output.
    std::string peer_arg() const;
    /// After the fork: our copies of the far side's socket and the write ends go (the read
    /// ends stay: we read them).
    void close_peer_ends();

    /// Copies the pipes to `out` and `err` until the far side reports the command's wait
    /// status, then copies what the pipes held at that moment and closes every end of ours
    /// (the far side sees EOF on the socket and takes the pipes over). Write errors on
    /// out/err (a closed terminal or pipe) only stop the copying, never the waiting, and never
    /// raise SIGPIPE. nullopt: the far side went away without a status (the guest died).
    /// `timeout_ms` (-1: none) bounds the wait: past it the copying stops as above, nullopt
    /// is returned and timed_out() is true; the command runs on (the caller decides).
    std::optional<int> relay(int out, int err, int timeout_ms = -1);
    bool timed_out() const { return timed_out_; }

private:
    UniqueFd status_, status_peer_, out_r_, out_w_, err_r_, err_w_;
    bool timed_out_ = false;
};

}  // namespace vs::proc
