// caps: reads capability sets, NoNewPrivs and Seccomp back from
// /proc/PID/status.
#include <charconv>
#include <optional>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "caps/apply.hpp"

namespace vs::caps {

namespace {

std::optional<uint64_t> parse_hex(std::string_view s) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

}  // namespace

std::string format_mask(uint64_t mask) { return fmt::format("{:016x}", mask); }

Result<ProcCaps> parse_status(std::string_view text) {
    ProcCaps out;
    struct Field {
        std::string_view key;
        uint64_t* dst;
        bool seen = false;
    };
    Field fields[] = {{"CapInh", &out.inheritable},
                      {"CapPrm", &out.permitted},
                      {"CapEff", &out.effective},
                      {"CapBnd", &out.bounding},
                      {"CapAmb", &out.ambient}};
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view key = line.substr(0, colon);
        std::string_view val = str::trim(line.substr(colon + 1));
        for (auto& f : fields) {
            if (key != f.key) continue;
            auto v = parse_hex(val);
            if (!v) return make_error(EINVAL, "parse status line \"{}\"", line);
            *f.dst = *v;
            f.seen = true;
        }
        if (key == "NoNewPrivs") out.no_new_privs = val == "1";
        if (key == "Seccomp") out.seccomp = val.empty() ? 0 : val[0] - '0';
    }
    for (auto& f : fields)
        if (!f.seen) return make_error(EINVAL, "status has no {} line", f.key);
    return out;
}

Result<ProcCaps> read_status(pid_t pid) {
    std::string path = pid == 0 ? "/proc/self/status" : fmt::format("/proc/{}/status", pid);
    auto text = VS_TRY(sys::read_file(path));
    return parse_status(text).wrap("read {}", path);
}

}  // namespace vs::caps
