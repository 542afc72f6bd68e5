// The messages between vserver and vs-consoled on the daemon's SOCK_SEQPACKET socket: one
// record each, the first byte saying what it is.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::runtime::console::proto {

// vserver -> daemon
constexpr char kAdd = 'A';      ///< "A" NAME "\n" LOGDIR, fds: init pidfd, masters
constexpr char kAttach = 'T';   ///< "T" NAME "\n" INDEX
constexpr char kInput = 'I';    ///< attached: bytes for the guest
constexpr char kWinsize = 'W';  ///< attached: "ROWS COLS"
// daemon -> vserver
constexpr char kOk = 'O';      ///< the request was done
constexpr char kError = 'E';   ///< "E" MESSAGE: it was refused
constexpr char kOutput = 'D';  ///< attached: bytes from the guest
constexpr char kEnd = 'X';     ///< attached: "X" WHY; the daemon closes the connection next

/// Largest record either side sends (the daemon reads the guest in chunks of this less one).
constexpr size_t kMaxRecord = 8192;
/// Most fds one kAdd carries: the pidfd, the console and the ttys (apps/init/ttys <= 16).
constexpr size_t kMaxFds = 18;

/// sendmsg of one record with `fds` (none: a plain send). MSG_NOSIGNAL always.
Status send(int sock, std::string_view record, const std::vector<int>& fds = {}, int flags = 0);

struct Record {
    std::string data;  ///< empty: the peer closed the connection
    std::vector<UniqueFd> fds;
};
/// recvmsg of one record (close-on-exec fds); a truncated record or fd list is an error.
Result<Record> recv(int sock);

}  // namespace vs::runtime::console::proto
