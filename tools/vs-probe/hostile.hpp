// vs-probe's active attacks for the battery's A13-A20, B and C tests (hostile.cpp): loops that
// race the host (ptrace of joining processes, path swaps), tty injection, host sockets, shared
// IPC, resource hogs, forged packets and the host-side packet counter.
#pragma once

#include <string>
#include <vector>

namespace vsprobe {

// Each prints one JSON object (or array) on stdout and returns the exit code of the command.
// `args` are the command's arguments after its name; a wrong count prints usage and returns 2.
int cmd_ptrace_watch(const std::vector<std::string>& args);
int cmd_stop_watch(const std::vector<std::string>& args);
int cmd_exchange_loop(const std::vector<std::string>& args);
int cmd_tty_inject(const std::vector<std::string>& args);
int cmd_unix_connect(const std::vector<std::string>& args);
int cmd_unix_listen(const std::vector<std::string>& args);
int cmd_ipc_make(const std::vector<std::string>& args);
int cmd_ipc_find(const std::vector<std::string>& args);
int cmd_inotify_hog(const std::vector<std::string>& args);
int cmd_fd_hog(const std::vector<std::string>& args);
int cmd_net_forge(const std::vector<std::string>& args);
int cmd_udp_send(const std::vector<std::string>& args);
int cmd_sniff(const std::vector<std::string>& args);

// The usage lines of the commands above, for vs-probe's usage message.
extern const char* const kHostileUsage;

}  // namespace vsprobe
