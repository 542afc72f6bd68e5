// SyncChannel: the parent<->child socket across clone, and the messages it carries.
//
//   parent (host)                               child (cloned, new namespaces)
//   spawn() -----------------------------------> waits for Go
//   joins cgroups, writes id maps, network
//   send(Go) ----------------------------------> mounts, pivot_root, hostname, rlimits,
//                                                seccomp, caps, close fds
//            <---------------- Error{errno, msg}  on any failure, then _exit(1)
//            <---------------- Fd (SCM_RIGHTS)    optional: a pty master for the parent
//            <---------------- Exec               right before execve
//   EOF after Exec: execve succeeded (the socket is close-on-exec).
//   Error after Exec: execve itself failed.
// exec/enter (runtime/join.cpp) differ: the child is vs-init --join from a sealed memfd; it gets
// Plan instead of Go, may send Fd, and closes its end before it starts the command (EOF); the
// command's pid and a failed execve come back in a shared memfd (init_protocol::JoinResult).
// The numbers and layouts are proc/init_protocol.hpp, shared with vs-init.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "proc/init_protocol.hpp"

namespace vs::proc {

enum class SyncMsg : uint32_t {
    Go = init_protocol::kGo,        ///< parent -> child: continue
    Error = init_protocol::kError,  ///< child -> parent: {errno, message}
    Exec = init_protocol::kExec,    ///< child -> parent: about to execve
    Fd = init_protocol::kFd,        ///< child -> parent: an fd in SCM_RIGHTS (pty master)
    Ready = init_protocol::kReady,  ///< child -> parent: reached a sync point
    Plan = init_protocol::kPlan,    ///< vserver -> vs-init --join: the join plan
};

struct SyncMessage {
    SyncMsg type = SyncMsg::Go;
    Error error;       ///< for Error
    UniqueFd fd;       ///< for Fd
    int value = 0;     ///< the header's code field
    bool eof = false;  ///< the peer closed its end (after a successful exec, or it died)
};

class SyncChannel {
public:
    SyncChannel() = default;
    explicit SyncChannel(UniqueFd fd) : fd_(std::move(fd)) {}

    /// A connected SOCK_SEQPACKET pair (close-on-exec): [0] for the parent, [1] for the child.
    static Result<std::pair<SyncChannel, SyncChannel>> make_pair();

    Status send(SyncMsg type);
    Status send_error(const Error& e);
    /// `value` travels in the header's code field (SyncMessage::value).
    Status send_fd(int fd, int value = 0);
    /// One message of any size the socket buffer takes (the others stop at kMaxMessage).
    Status send_payload(SyncMsg type, std::string_view payload);
    /// Blocks for the next message; eof=true when the peer's end is closed.
    Result<SyncMessage> recv();
    /// recv() that expects `type`: an Error message comes back as that Error (wrapped by the
    /// caller), EOF as "child exited before <what>".
    Status expect(SyncMsg type, const char* what);

    int fd() const { return fd_.get(); }
    void close() { fd_.reset(); }

private:
    UniqueFd fd_;
};

}  // namespace vs::proc
