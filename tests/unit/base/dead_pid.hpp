// dead_pid(): the pid of a child that has exited and been reaped, for the tests of what a
// killed writer leaves (".X.tmp.PID" names judged by whether PID still runs).
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace vs::test {

inline std::string dead_pid() {
    pid_t p = ::fork();
    if (p == 0) ::_exit(0);
    ::waitpid(p, nullptr, 0);
    return std::to_string(p);
}

}  // namespace vs::test
