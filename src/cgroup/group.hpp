// Group: the one Manager implementation; a guest's leaf in every discovered hierarchy, so V1,
// V2 and Hybrid differ only in which hierarchies exist (hierarchy.hpp), never in code paths.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cgroup/hierarchy.hpp"
#include "cgroup/manager.hpp"

namespace vs::cgroup {

class Group final : public Manager {
public:
    Group(Options opt, Layout layout, Hierarchies h, std::vector<std::string> parent_parts);

    Layout layout() const override { return layout_; }
    Status create() override;
    bool exists() const override;
    Status apply(const spec::Resources& r) override;
    Status add_pid(pid_t pid) override;
    Status join_self(bool unified) override;
    Result<std::vector<SelfJoin>> open_self_join(bool unified) const override;
    std::vector<std::string> self_join_files() const override;
    Result<std::vector<pid_t>> pids() const override;
    Status freeze(bool frozen) override;
    Status kill_all() override;
    Status signal_all(int sig) override;
    Result<Stats> stats() const override;
    Status destroy() override;
    Result<bool> destroy_if_empty() override;
    void remove_unused_parents() override;
    std::string unified_path() const override;
    std::string controller_path(const std::string& controller) const override;

private:
    std::string leaf(const Hierarchy& h) const;
    /// Creates parent dirs and the leaf in one hierarchy; appends the dirs it made.
    Status create_in(const Hierarchy& h, std::vector<std::string>& made);
    /// v2: enables `wanted` (those the level offers) in cgroup.subtree_control from the mount
    /// down to the leaf's parent, so the leaf gets the controllers' files.
    Status enable_v2(const std::vector<std::string>& wanted);
    /// Pids in every hierarchy (the union): kill_all must not miss a stray in one of them.
    Result<std::vector<pid_t>> all_pids() const;
    /// True when no hierarchy holds a process (v2: cgroup.events "populated 0").
    Result<bool> empty() const;
    const Hierarchy* v1_with(const std::string& controller) const;
    /// Every hierarchy, in the order destroy removes the leaf from them.
    std::vector<const Hierarchy*> removal_order() const;
    /// Where a controller's files are for this guest: its v1 hierarchy, else cgroup2.
    struct Where {
        std::string dir;
        bool v2 = false;
    };
    std::optional<Where> locate(const std::string& controller) const;
    Status apply_passthrough(const std::string& file, const std::string& value);

    Options opt_;
    Layout layout_;
    Hierarchies h_;
    std::vector<std::string> parent_parts_;
};

}  // namespace vs::cgroup
