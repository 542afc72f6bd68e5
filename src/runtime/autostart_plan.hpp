// The order of an autostart run: apps/init/depends as a graph, its cycles, and which guests may
// go next as others finish (no processes here, so every rule is unit-tested).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace vs::runtime {

class AutostartPlan {
public:
    struct Skip {
        std::string name;
        std::string reason;
    };

    /// `guests`: the group, in the order to prefer among guests that are ready together.
    /// `depends`: each guest's apps/init/depends. A dependency outside the group is the
    /// caller's to judge first: pass the ones that block in `blocked` (guest -> reason).
    /// Start (`stop` false): a guest goes once every dependency in the group has started.
    /// Stop: once every guest of the group that depends on it has stopped.
    /// A dependency cycle is reported (cycles()); on start its guests and everything that
    /// depends on them are skipped, on stop the cycle's own edges are ignored (stopping must
    /// not be prevented, and any order among them is as good as another).
    AutostartPlan(const std::vector<std::string>& guests,
                  const std::map<std::string, std::vector<std::string>>& depends,
                  const std::map<std::string, std::string>& blocked, bool stop);

    /// Each cycle as its guests in dependency order, the first repeated at the end:
    /// {"a", "b", "a"} for a depends on b, b depends on a.
    const std::vector<std::vector<std::string>>& cycles() const { return cycles_; }

    /// Guests whose prerequisites are all done, at most `max` of them; they count as running
    /// until finish() is called for them.
    std::vector<std::string> take_ready(size_t max);
    /// Records the outcome of a guest taken by take_ready(); a failure skips everything that
    /// waits on it, transitively.
    void finish(const std::string& name, bool ok);
    /// Guests skipped since the last call (cycle, blocked or failed prerequisite), with why.
    std::vector<Skip> take_skipped();
    /// Nothing left to run or running.
    bool done() const;

private:
    void skip(size_t i, const std::string& reason);
    void find_cycles();

    bool stop_;
    std::vector<std::string> names_;
    std::map<std::string, size_t> index_;
    std::vector<std::vector<size_t>> waits_on_;  ///< i waits until these are done
    std::vector<std::vector<size_t>> waited_by_;
    enum class St { Pending, Running, Ok, Failed, Skipped };
    std::vector<St> st_;
    std::vector<size_t> missing_;  ///< prerequisites of i not yet done
    std::vector<std::vector<std::string>> cycles_;
    std::vector<Skip> skipped_;
};

}  // namespace vs::runtime
