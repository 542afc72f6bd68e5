// Running host helper programs (debootstrap, rsync, hook scripts) and waiting for them.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"

namespace vs::exec {

struct Options {
    std::string cwd;                   ///< empty: inherit
    std::vector<std::string> env_add;  ///< "K=V" added to the inherited environment
    bool quiet = false;                ///< send stdout to /dev/null
    bool capture_stdout = false;       ///< return stdout in Outcome::out
    bool capture_stderr = false;       ///< stderr too, into Outcome::out (as 2>&1)
    /// Seconds the command may run (0: no bound). Past it, its process group (it leads a new
    /// one, so what it started goes too) is SIGKILLed and Outcome::timed_out is set.
    int timeout_s = 0;
};

struct Outcome {
    int status = 0;          ///< exit code, or 128+signal
    std::string out;         ///< stdout (and stderr) when captured
    bool timed_out = false;  ///< killed at Options::timeout_s
};

/// fork + execvp + wait. Fails only when the program could not be started; a non-zero exit is
/// reported in Outcome::status for the caller to judge.
Result<Outcome> run(const std::vector<std::string>& argv, const Options& opt = {});

/// run() that also turns a non-zero exit into an Error naming the command.
Status run_checked(const std::vector<std::string>& argv, const Options& opt = {});

}  // namespace vs::exec
