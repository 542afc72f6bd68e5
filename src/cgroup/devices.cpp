// Device rules: their effective state and the v1 devices controller's files.
#include "cgroup/devices.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/unique_fd.hpp"

namespace vs::cgroup {

namespace {

std::string access_text(uint8_t a) {
    std::string s;
    if (a & kDevRead) s += 'r';
    if (a & kDevWrite) s += 'w';
    if (a & kDevMknod) s += 'm';
    return s;
}

std::string num(int64_t n) { return n < 0 ? "*" : std::to_string(n); }

bool same_device(const DeviceRule& a, const DeviceRule& b) {
    return a.type == b.type && a.major == b.major && a.minor == b.minor;
}

bool is_reset(const DeviceRule& r) { return r.type == 'a' && r.major < 0 && r.minor < 0; }

void apply_rule(DeviceState& s, const DeviceRule& r) {
    if (is_reset(r)) {
        // The kernel ignores the numbers' and access' text after "a": the whole state resets.
        s.default_allow = r.allow;
        s.exceptions.clear();
        return;
    }
    auto it = std::find_if(s.exceptions.begin(), s.exceptions.end(),
                           [&](const DeviceRule& e) { return same_device(e, r); });
    if (r.allow == s.default_allow) {
        if (it == s.exceptions.end()) return;
        it->access &= static_cast<uint8_t>(~r.access);
        if (!it->access) s.exceptions.erase(it);
        return;
    }
    if (it != s.exceptions.end()) {
        it->access |= r.access;
        return;
    }
    DeviceRule e = r;
    e.allow = !s.default_allow;
    s.exceptions.push_back(e);
}

}  // namespace

std::string DeviceRule::text() const {
    if (is_reset(*this)) return "a";
    return fmt::format("{} {}:{} {}", type, num(major), num(minor), access_text(access));
}

DeviceState device_state(const std::vector<DeviceRule>& rules) {
    DeviceState s;
    for (const auto& r : rules) {
        if (r.access == 0) continue;
        if (r.type == 'a' && !is_reset(r)) {
            // v1 reads any "a" line as all devices; numbers given mean both kinds of node.
            for (char t : {'c', 'b'}) {
                DeviceRule one = r;
                one.type = t;
                apply_rule(s, one);
            }
            continue;
        }
        apply_rule(s, r);
    }
    return s;
}

Result<DeviceRule> parse_v1_device_line(const std::string& line) {
    auto bad = [&] { return make_error(EINVAL, "devices.list line \"{}\" not understood", line); };
    auto f = str::split_ws(line);
    if (f.size() != 3 || f[0].size() != 1) return bad();
    DeviceRule r;
    r.allow = true;
    r.type = f[0][0];
    if (r.type != 'a' && r.type != 'c' && r.type != 'b') return bad();
    auto colon = f[1].find(':');
    if (colon == std::string::npos) return bad();
    for (auto [text, out] : {std::pair{f[1].substr(0, colon), &r.major},
                             std::pair{f[1].substr(colon + 1), &r.minor}}) {
        if (text == "*") continue;
        auto n = str::parse_u64(text);
        if (!n || *n > 0xffffffffu) return bad();
        *out = static_cast<int64_t>(*n);
    }
    r.access = 0;
    for (char c : f[2]) {
        if (c == 'r')
            r.access |= kDevRead;
        else if (c == 'w')
            r.access |= kDevWrite;
        else if (c == 'm')
            r.access |= kDevMknod;
        else
            return bad();
    }
    return r;
}

Status apply_v1_devices(const std::string& dir, const DeviceState& target) {
    // Each file is opened once for all its rules: the controller takes one rule per write(2)
    // (devcgroup_update_access in security/device_cgroup.c), and a container's dozen rules
    // would otherwise cost a path walk and a kernfs open each.
    UniqueFd allow_fd, deny_fd;
    auto write = [&](bool allow, const std::string& text) -> Status {
        std::string file = dir + (allow ? "/devices.allow" : "/devices.deny");
        UniqueFd& fd = allow ? allow_fd : deny_fd;
        if (!fd)
            fd = VS_TRY(sys::open(file, O_WRONLY | O_CLOEXEC).wrap("device rule \"{}\"", text));
        return sys::write_all(fd.get(), text, file).wrap("device rule \"{}\"", text);
    };
    // devices.list shows "a *:* rwm" alone while the default is allow (its deny exceptions
    // are not listed), else one line per allowed exception.
    auto list = VS_TRY(sys::read_file(dir + "/devices.list"));
    std::vector<DeviceRule> current;
    bool current_allow = false;
    for (const auto& line : str::split(list, '\n')) {
        if (str::trim(line).empty()) continue;
        auto r = VS_TRY(parse_v1_device_line(line).wrap("{}/devices.list", dir));
        if (r.type == 'a' && r.major < 0 && r.minor < 0) current_allow = true;
        current.push_back(r);
    }
    if (target.default_allow) {
        VS_TRY(write(true, "a"));
        for (const auto& e : target.exceptions) VS_TRY(write(false, e.text()));
        return ok();
    }
    if (current_allow) {
        VS_TRY(write(false, "a"));
        current.clear();
    }
    for (const auto& e : target.exceptions) VS_TRY(write(true, e.text()));
    for (const auto& c : current) {
        auto t = std::find_if(target.exceptions.begin(), target.exceptions.end(),
                              [&](const DeviceRule& e) { return same_device(e, c); });
        DeviceRule extra = c;
        extra.access =
            static_cast<uint8_t>(c.access & ~(t == target.exceptions.end() ? 0 : t->access));
        if (extra.access) VS_TRY(write(false, extra.text()));
    }
    return ok();
}

}  // namespace vs::cgroup
