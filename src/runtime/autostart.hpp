// vservers-default / vserver-autostart: every guest of a mark group started (or stopped) in
// apps/init/depends order, several at a time, each by its own `vserver NAME start|stop`.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/paths.hpp"

namespace vs::runtime {

struct AutostartOptions {
    std::string mark = "default";  ///< apps/init/mark word of the group
    unsigned parallel = 6;         ///< util-vserver's NUMPARALLEL
    bool stop = false;             ///< stop the group, dependants first
    /// The vserver binary each guest's start or stop runs as (argv[0] "vserver"): its own
    /// process, so a guest's locks, forks and failures stay its own.
    std::string vserver_exe = "/proc/self/exe";
};

struct AutostartEvent {
    enum class Kind {
        Done,     ///< started (stopped)
        Already,  ///< was running (was stopped): nothing to do
        Failed,   ///< its start (stop) failed or its config does not load
        Skipped,  ///< not tried: a cycle, or a dependency that did not start (stop)
    };
    std::string name;
    Kind kind = Kind::Done;
    std::string detail;  ///< why (Failed, Skipped): the command's last output lines
    double seconds = 0;  ///< how long its start (stop) took
};

struct AutostartReport {
    std::vector<std::string> group;  ///< the guests of the mark, sorted
    std::vector<std::vector<std::string>> cycles;
    std::vector<AutostartEvent> events;  ///< one per guest of the group, in completion order
    std::vector<std::string> legacy;     ///< guests with only a legacy NAME.conf (not started)
    bool all_ok() const;
};

/// Runs the group. `on_event` is called as each guest ends, for progress output. Fails only
/// when the config dir cannot be listed; every guest's own failure is in the report.
Result<AutostartReport> autostart(const config::Paths& paths, const AutostartOptions& opt,
                                  const std::function<void(const AutostartEvent&)>& on_event);

/// The guests whose apps/init/mark is `mark`, sorted.
Result<std::vector<std::string>> marked_guests(const config::Paths& paths, const std::string& mark);

}  // namespace vs::runtime
