// open(): validates the names, detects (or takes) the layout and builds the guest's Group.
#include <memory>

#include "base/strings.hpp"
#include "cgroup/group.hpp"
#include "cgroup/hierarchy.hpp"
#include "cgroup/manager.hpp"

namespace vs::cgroup {

namespace {

// A component must stay one directory below its parent: no "..", no "/", nothing hidden
// that cgroupfs would refuse or that could climb out of the hierarchy.
bool valid_component(const std::string& c) {
    return !c.empty() && c != "." && c != ".." && c.find('/') == std::string::npos &&
           c.find('\n') == std::string::npos;
}

}  // namespace

Result<std::unique_ptr<Manager>> open(const Options& opt) {
    if (!valid_component(opt.name))
        return make_error(EINVAL, "cgroup: invalid guest name \"{}\"", opt.name);
    auto parts = str::split(opt.parent, '/');  // skips empty parts: "/a//b/" -> a, b
    if (parts.empty())
        return make_error(EINVAL, "cgroup: empty parent \"{}\" (a guest never sits at the root)",
                          opt.parent);
    for (const auto& p : parts)
        if (!valid_component(p))
            return make_error(EINVAL, "cgroup: invalid parent \"{}\"", opt.parent);
    if (opt.layout) {
        auto h = VS_TRY(discover(opt.root, *opt.layout, false));
        return std::unique_ptr<Manager>(
            std::make_unique<Group>(opt, *opt.layout, std::move(h), parts));
    }
    auto [layout, h] = VS_TRY(detect_and_discover(opt.root));
    return std::unique_ptr<Manager>(std::make_unique<Group>(opt, layout, std::move(h), parts));
}

}  // namespace vs::cgroup
