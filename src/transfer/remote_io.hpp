// The processes of a copy to another host: the ssh session to the far side's `vserver NAME
// receive` (a line protocol on its stdin/stdout) and the rsync runs beside it.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::transfer {

/// "[user@]host:[NAME]" (also "[user@]host" without a colon when it has an '@'). Empty `name`:
/// the source's. A host never starts with '-' (it would reach ssh as an option).
struct RemoteTarget {
    std::string host;  ///< as given to ssh: "user@host" or "host"
    std::string name;
};
/// True when `dest` names another host (a ':' or an '@': neither is allowed in a guest name).
bool is_remote_dest(const std::string& dest);
Result<RemoteTarget> parse_remote_dest(const std::string& dest);

/// SIGPIPE ignored while it lives (restored after): writes to a peer gone away fail with EPIPE.
class IgnoreSigpipe {
public:
    IgnoreSigpipe();
    ~IgnoreSigpipe();
    IgnoreSigpipe(const IgnoreSigpipe&) = delete;
    IgnoreSigpipe& operator=(const IgnoreSigpipe&) = delete;

private:
    struct sigaction old_ {};
};

/// One word for a POSIX shell (ssh hands the far side one command line).
std::string shell_quote(const std::string& word);

/// A child with its stdin and stdout on pipes to us and its stderr on ours (so ssh's and the
/// far side's messages reach the admin as they are). Killed (SIGTERM, then waited for) when
/// dropped without finish().
class LineChild {
public:
    static Result<LineChild> spawn(const std::vector<std::string>& argv);
    LineChild(LineChild&& o) noexcept;
    LineChild& operator=(LineChild&&) = delete;
    ~LineChild();

    Status send(const std::string& line);
    /// The next line (without its newline); EPIPE naming `what_` when the child closed its
    /// stdout first.
    Result<std::string> read_line();
    /// Closes its stdin and waits: its exit code (128+signal when killed).
    Result<int> finish();

private:
    LineChild() = default;
    pid_t pid_ = -1;
    UniqueFd in_, out_;
    std::string buf_, what_;
};

/// What one rsync run moved (its --stats).
struct RsyncStats {
    uint64_t files = 0;        ///< "Number of files" (all kinds)
    uint64_t transferred = 0;  ///< "Number of regular files transferred"
    uint64_t literal = 0;      ///< "Literal data": file bytes that went over the wire
    uint64_t sent = 0;         ///< "Total bytes sent", protocol included
    double seconds = 0;
};
RsyncStats parse_rsync_stats(const std::string& out);

/// Runs rsync `argv` (its --stats on stdout) and returns what it moved. On a terminal (`progress`
/// and stderr a tty) its --info=progress2 line is passed through to stderr. Its stderr is ours.
/// With `verbose` it names each file it sends (--info=name1), passed through to stderr instead.
/// A non-zero exit is an error naming rsync and its exit code.
Result<RsyncStats> run_rsync(std::vector<std::string> argv, bool progress, bool verbose = false);

/// An rsync started before its list of files exists: it reads --files-from from its stdin, so
/// its ssh channel, the far side's rsync and the protocol's start are done by the time the list
/// is fed. Killed (SIGTERM, then waited for) when dropped without finish().
class RsyncRun {
public:
    /// `argv` as run_rsync's, reading its --files-from from stdin ("--files-from=-").
    static Result<RsyncRun> start(std::vector<std::string> argv, bool progress, bool verbose);
    RsyncRun(RsyncRun&& o) noexcept;
    RsyncRun& operator=(RsyncRun&&) = delete;
    ~RsyncRun();
    enum class Readiness { Ready, Late, Ended };
    /// Feeds it a blank entry (which rsync skips) and waits up to `timeout_s` for it to read
    /// it: it does so once started, connected and through its handshake with the far rsync.
    /// Ended: it stopped first (finish() says why).
    Readiness wait_ready(double timeout_s);
    /// Writes `input` to its stdin and closes it (reading its output meanwhile), then waits:
    /// what it moved, or run_rsync's error for a non-zero exit.
    Result<RsyncStats> finish(std::string_view input);

private:
    RsyncRun() = default;
    pid_t pid_ = -1;
    UniqueFd in_, out_;
    bool tty_ = false, verbose_ = false;
    int64_t t0_ = 0;
};

/// The program `name` in PATH (or `name` itself when it has a '/'); ENOENT naming it otherwise.
Result<std::string> find_program(const std::string& name);

}  // namespace vs::transfer
