// runc-style argument parsing for vsrun.
#include "cli/vsrun_args.hpp"

namespace vs::cli::vsrun {

bool Parsed::has(const std::string& n) const { return values.count(n) != 0; }

std::string Parsed::get(const std::string& n, const std::string& def) const {
    auto it = values.find(n);
    return it == values.end() || it->second.empty() ? def : it->second.back();
}

bool Parsed::flag(const std::string& n) const {
    auto it = values.find(n);
    if (it == values.end()) return false;
    const std::string& v = it->second.empty() ? std::string("true") : it->second.back();
    return v != "false" && v != "0";
}

Result<Parsed> parse(const std::vector<std::string>& args, size_t from,
                     const std::vector<OptSpec>& specs, size_t* stopped_at,
                     bool stop_at_positional) {
    Parsed p;
    size_t i = from;
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a.size() < 2 || a[0] != '-') {
            if (stop_at_positional) break;
            p.positional.push_back(a);
            continue;
        }
        std::string body = a.substr(a[1] == '-' ? 2 : 1);
        std::optional<std::string> inline_value;
        if (auto eq = body.find('='); eq != std::string::npos) {
            inline_value = body.substr(eq + 1);
            body = body.substr(0, eq);
        }
        const OptSpec* spec = nullptr;
        for (const auto& s : specs)
            for (const auto& n : s.names)
                if (n == body) spec = &s;
        if (!spec) return make_error(EINVAL, "unknown option \"{}\"", a);
        auto& slot = p.values[spec->names[0]];
        if (!spec->takes_value) {
            slot.push_back(inline_value.value_or("true"));
            continue;
        }
        if (!inline_value) {
            if (i + 1 >= args.size()) return make_error(EINVAL, "option \"{}\" needs a value", a);
            inline_value = args[++i];
        }
        if (!spec->repeat) slot.clear();
        slot.push_back(*inline_value);
    }
    if (stopped_at) *stopped_at = i;
    for (; i < args.size(); ++i) p.positional.push_back(args[i]);
    return p;
}

Result<std::string> one_id(const Parsed& p, const char* verb, size_t max_extra) {
    if (p.positional.empty()) return make_error(EINVAL, "{}: a container id is required", verb);
    if (p.positional.size() > 1 + max_extra)
        return make_error(EINVAL, "{}: unexpected argument \"{}\"", verb,
                          p.positional[1 + max_extra]);
    return p.positional[0];
}

}  // namespace vs::cli::vsrun
