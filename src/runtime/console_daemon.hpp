// vs-consoled's state: the guests it serves (their ptys, logs and log budgets), the connected
// clients, and the Daemon whose event loop (console_daemon.cpp) and client requests
// (console_daemon_requests.cpp) work on them.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/unique_fd.hpp"
#include "runtime/console_log.hpp"

namespace vs::runtime::console::consoled {

// Bytes read from one pty per turn of the loop, so one busy guest cannot starve the others.
constexpr size_t kTurnBytes = 64 * 1024;
// What one guest may put in its console log: 64 KiB/s after a burst of 256 KiB (a boot writes
// a few KiB; 64 KiB/s is several times a fast serial line). Beyond it the log says how many
// bytes it dropped, and the console pty is read only every kPauseMs, so a guest flooding its
// console costs the daemon a bounded number of wakeups while its writes are slowed, never
// blocked. The ttys are not logged, so their output spends nothing of this.
constexpr double kLogRate = 64 * 1024;
constexpr double kLogBurst = 256 * 1024;
constexpr int kPauseMs = 10;

struct Conn;

/// What an epoll event reaches: its data.ptr points at one of these.
struct Source {
    std::function<void()> ready;
};

struct Pty {
    UniqueFd master;
    // Our own slave fd: a pty master reads EIO and polls POLLHUP whenever no slave is open
    // (pty(7)), which happens before the guest's init opens its console and between two
    // gettys. Holding one keeps the master quiet then.
    UniqueFd slave;
    Conn* attached = nullptr;
    bool dead = false;
    bool watched = false;       ///< in the epoll set (not dead, not paused)
    int64_t resume_ms = 0;      ///< paused by the rate limit until then (monotonic), 0: not
    bool watch_failed = false;  ///< its last re-add to the epoll set failed (said once)
    Source src;
};

/// The console log's token bucket: bytes it may still take now.
struct Budget {
    double tokens = kLogBurst;
    int64_t last_ms = 0;
    uint64_t dropped = 0;  ///< bytes left out since the log last said so

    /// Takes `n` bytes if the budget holds them (refilled at kLogRate since the last call).
    bool take(size_t n, int64_t now) {
        if (last_ms) tokens = std::min(kLogBurst, tokens + (now - last_ms) * kLogRate / 1000);
        last_ms = now;
        if (tokens < static_cast<double>(n)) return false;
        tokens -= static_cast<double>(n);
        return true;
    }
};

struct Guest {
    std::string name;
    UniqueFd pidfd;
    std::vector<std::unique_ptr<Pty>> ptys;  ///< [0] the console, then the ttys
    std::optional<RotatingLog> log;
    Sanitizer sanitizer;
    Budget budget;
    bool log_failed = false;
    Source src;
};

struct Conn {
    UniqueFd fd;
    pid_t peer = 0;
    Guest* guest = nullptr;
    size_t index = 0;
    bool closed = false;
    Source src;
};

/// "YYYY-MM-DD HH:MM:SS UTC", for the log's open and close lines.
std::string now_text();
void set_nonblock(int fd);

class Daemon {
public:
    Daemon(int listen_fd, std::string dir) : listen_(listen_fd), dir_(std::move(dir)) {}

    int run();

private:
    UniqueFd listen_;
    std::string dir_;
    UniqueFd ep_;
    Source listen_src_;
    std::list<std::unique_ptr<Guest>> guests_;
    std::list<std::unique_ptr<Conn>> conns_;
    std::vector<Guest*> dropped_;
    /// The paused ptys in the order they are due: every pause lasts kPauseMs, so appending
    /// keeps the order, and a wakeup looks only at the ones due.
    std::deque<std::pair<Guest*, Pty*>> paused_;

    /// Adds `fd` to the epoll set; 0, else the errno (logged).
    int watch(int fd, Source* src);
    // Before every close: epoll forgets an fd only when its open file goes, and a copy of it
    // may live on elsewhere (the guest's init still holds its masters while it starts).
    void unwatch(int fd);
    void unwatch(Pty& pty);

    /// Idle: wake each second to see whether we may end. Else until the first paused pty is
    /// due, or an event.
    int timeout_ms() const;
    void pause(Guest& g, Pty& pty);
    void resume_paused();
    /// With no guest left, the daemon ends, unless a start holds the lock to hand it one.
    bool may_end();

    void accept_one();
    void answer(Conn& c, char code, const std::string& text = {});
    void from_client(Conn& c);
    bool is_dropped(const Guest* g) const;
    Guest* find(const std::string& name);
    void add(Conn& c, const std::string& body, std::vector<UniqueFd> fds);
    void attach_to(Conn& c, const std::string& body);

    /// Reads what the guest wrote to pty `i`: logged (the console, within the guest's
    /// budget), relayed to an attached terminal without blocking (a slow terminal loses
    /// output, the guest never waits). Over the budget, the console pauses for kPauseMs.
    void drain(Guest& g, size_t i);
    /// Appends the guest's console output to its log, first saying what the budget dropped.
    void log_text(Guest& g, std::string_view data);
    void drop(Guest* g, const char* why);
    /// Removes dropped guests and closed connections, after the loop's turn that used them.
    void reap();
};

}  // namespace vs::runtime::console::consoled
