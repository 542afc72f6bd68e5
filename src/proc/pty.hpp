// Pseudo-terminals for `enter`: a pty from the guest's own devpts, and the host-side proxy that
// copies between the admin's terminal and the pty master until the guest process exits.
#pragma once

#include <termios.h>

#include <cstddef>
#include <string>
#include <utility>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "proc/pidfd.hpp"

namespace vs::proc {

struct Pty {
    UniqueFd master, slave;
};

/// Opens /dev/ptmx of the current mount namespace and root (call it inside the guest) and its
/// peer via TIOCGPTPEER, which needs no path lookup. Fails unless the fd really is a pty master
/// (TIOCGPTN), so a guest that replaced /dev/ptmx with another device gets nothing.
Result<Pty> open_pty();

/// Makes `slave` the controlling terminal and stdin/stdout/stderr of the calling process
/// (setsid + TIOCSCTTY + dup2). Runs in the child just before exec.
Status attach_terminal(int slave);

/// Connects to the unix socket an engine named with --console-socket (where the pty master goes).
Result<UniqueFd> connect_console_socket(const std::string& path);

/// Sends `master` over the connected unix socket `sock` (SCM_RIGHTS; the payload is the name
/// runc sends, which containerd and conmon ignore): an OCI runtime's --console-socket.
Status send_pty_master(int sock, int master);

/// The terminal on `fd` in raw mode (cfmakeraw) while it lives or until restore(); nothing
/// when `fd` is no terminal.
class RawMode {
public:
    explicit RawMode(int fd);
    ~RawMode() { restore(); }
    RawMode(const RawMode&) = delete;
    RawMode& operator=(const RawMode&) = delete;
    void restore();

private:
    int fd_;
    struct termios saved_ {};
    bool active_ = false;
};

/// Writes all of `p` to `fd`, waiting while a non-blocking fd is full; false when the peer is
/// gone (or another error).
bool write_full(int fd, const char* p, size_t n);

/// Host side: puts stdin in raw mode (restored on return), copies stdin -> master and
/// master -> stdout, forwards window size changes, and returns the child's exit status once it
/// exited and its output was drained.
Result<int> proxy(int master, const PidFd& child);

}  // namespace vs::proc
