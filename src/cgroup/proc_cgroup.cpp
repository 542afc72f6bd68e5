// guest_from_proc_cgroup: maps a /proc/<pid>/cgroup text to the guest it belongs to.
#include "base/strings.hpp"
#include "cgroup/manager.hpp"

namespace vs::cgroup {

std::optional<std::string> guest_from_proc_cgroup(const std::string& cgroup_file,
                                                  const std::string& parent) {
    auto parent_parts = str::split(parent, '/');
    if (parent_parts.empty()) return std::nullopt;
    // Lines are "id:controllers:/path" (v1, "id" > 0) or "0::/path" (v2). The path may hold
    // ':' itself, so split on the first two only. Any hierarchy naming a guest is enough:
    // a process sits in the same guest in all of them.
    for (const auto& line : str::split(cgroup_file, '\n')) {
        auto c1 = line.find(':');
        if (c1 == std::string::npos) continue;
        auto c2 = line.find(':', c1 + 1);
        if (c2 == std::string::npos) continue;
        auto parts = str::split(std::string_view(line).substr(c2 + 1), '/');
        if (parts.size() <= parent_parts.size()) continue;
        bool match = true;
        for (size_t i = 0; i < parent_parts.size() && match; ++i)
            match = parts[i] == parent_parts[i];
        if (match) return parts[parent_parts.size()];
    }
    return std::nullopt;
}

}  // namespace vs::cgroup
