// Every vsrun option table: the global options and each verb's (runc's names and short forms).
#include "cli/vsrun_options.hpp"

namespace vs::cli::vsrun {

// Function-local tables: vsrun's CommandDoc reads them while static objects are initialized,
// in an order C++ leaves open across files.
const std::vector<OptSpec>& global_options() {
    const OptSpec kHelpOpt = {{"help", "h"}, false};
    static const std::vector<OptSpec> specs = {
        {{"root"}, true},
        {{"log"}, true},
        {{"log-format"}, true},
        {{"debug"}, false},
        {{"systemd-cgroup"}, false},
        {{"rootless"}, true},
        {{"criu"}, true},
        kHelpOpt,
        {{"version", "v"}, false},
    };
    return specs;
}

const std::map<std::string, std::vector<OptSpec>>& verb_options() {
    static const auto specs = [] {
        const OptSpec kHelpOpt = {{"help", "h"}, false};
        const std::vector<OptSpec> kCreate = {
            {{"bundle", "b"}, true},    {{"pid-file"}, true},
            {{"console-socket"}, true}, {{"preserve-fds"}, true},
            {{"no-pivot"}, false},      {{"no-new-keyring"}, false},
            {{"detach", "d"}, false},   kHelpOpt,
        };
        std::vector<OptSpec> run = kCreate;
        run.push_back({{"keep"}, false});
        const std::vector<OptSpec> kIdOnly = {kHelpOpt};
        return std::map<std::string, std::vector<OptSpec>>{
            {"create", kCreate},
            {"run", run},
            {"exec",
             {{{"process", "p"}, true},
              {{"detach", "d"}, false},
              {{"pid-file"}, true},
              {{"console-socket"}, true},
              {{"tty", "t"}, false},
              {{"cwd"}, true},
              {{"env", "e"}, true, true},
              {{"user", "u"}, true},
              {{"cap", "c"}, true, true},
              {{"preserve-fds"}, true},
              {{"additional-gids", "g"}, true, true},
              {{"no-new-privs"}, false},
              {{"ignore-paused"}, false},
              kHelpOpt}},
            {"start", kIdOnly},
            {"state", kIdOnly},
            {"pause", kIdOnly},
            {"resume", kIdOnly},
            {"kill", {{{"all", "a"}, false}, {{"pid", "p"}, true}, kHelpOpt}},
            {"delete", {{{"force", "f"}, false}, kHelpOpt}},
            {"ps", {{{"format", "f"}, true}, {{"json"}, false}, kHelpOpt}},
            {"list",
             {{{"format", "f"}, true}, {{"json"}, false}, {{"quiet", "q"}, false}, kHelpOpt}},
            {"update",
             {{{"resources", "r"}, true},
              {{"memory", "m"}, true},
              {{"memory-swap"}, true},
              {{"pids-limit"}, true},
              {{"cpu-shares"}, true},
              {{"cpu-quota"}, true},
              {{"cpu-period"}, true},
              {{"cpuset-cpus"}, true},
              {{"cpuset-mems"}, true},
              kHelpOpt}},
            {"events", {{{"stats"}, false}, {{"interval"}, true}, kHelpOpt}},
            {"spec", {{{"bundle", "b"}, true}, {{"rootless"}, false}, kHelpOpt}},
            {"features", kIdOnly},
        };
    }();
    return specs;
}

const std::vector<OptSpec>& options_of(const std::string& verb) { return verb_options().at(verb); }

}  // namespace vs::cli::vsrun
