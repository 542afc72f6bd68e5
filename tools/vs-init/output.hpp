// vs-init's end of `vserver start` showing a sysv guest's rc output (vs-init --output): the rc
// process's stdout/stderr, its exit status for start, and draining the pipes once start is gone.
#pragma once

#include <stdint.h>

namespace vsinit {

/// `--output S,OW,EW,OR,ER`: fds vserver start made and the guest's first process kept for us:
///   S   our end of a socketpair: we send the command's wait status (4 bytes) when it exits, and
///       see start close its end (EOF) once it has shown everything and returned;
///   OW, EW  write ends of two pipes: the command's stdout and stderr (only its process tree
///       holds them: we close ours right after the fork);
///   OR, ER  read ends of the same pipes: start reads them while it runs; we only hold them
///       until then, and drain them after (see drain()).
struct Output {
    int status = -1, out_w = -1, err_w = -1, out_r = -1, err_r = -1;
    int sigfd = -1;  ///< signalfd for every (blocked) signal: one ppoll waits for all
    long command_pid = -1;
    bool draining = false;  ///< start is gone: we read and discard what the pipes get
    bool enabled = false;   ///< --output was given

    bool active() const { return enabled; }
    /// Parses "S,OW,EW,OR,ER"; false on anything else.
    bool parse(const char* arg);
    /// In the forked command, before its execve: OW/EW become its fds 1 and 2, every other fd
    /// above 2 is closed (the socket and the read ends stay ours alone).
    void child_stdio() const;
    /// In vs-init after the fork (pid < 0: fork failed, reported as exit status 127).
    void after_fork(long pid, const uint64_t* all_signals);
    /// The command (pid) exited with wait status `st`: tells start.
    void command_exited(long pid, int st);
    /// Waits for the next signal while serving the fds; returns it (or 0 after fd work only).
    long wait_signal(const uint64_t* all_signals);
};

}  // namespace vsinit
