// fstab parsing and formatting.
#include "config/vserver/fstab.hpp"

#include <cctype>
#include <cerrno>

#include "base/strings.hpp"

namespace vs::config::vserver {

namespace {

// fstab(5): spaces and tabs inside a field are written as \040 and \011 (also \\ and \012).
std::string unescape(std::string_view s) {
    std::string o;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' &&
            s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
            o += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            o += s[i];
        }
    }
    return o;
}

// Every byte the parser splits fields on (isspace: also \v, \f, \r) is escaped, so a field
// written here reads back as one field.
std::string escape(std::string_view s) {
    std::string o;
    for (char c : s) {
        if (std::isspace(static_cast<unsigned char>(c)) || c == '\\' || c == '#')
            o += fmt::format("\\{:03o}", static_cast<unsigned char>(c));
        else
            o += c;
    }
    return o;
}

}  // namespace

Result<std::vector<spec::FstabEntry>> parse_fstab(std::string_view text) {
    std::vector<spec::FstabEntry> out;
    for (const auto& l : str::lines(text)) {
        auto w = str::split_ws(l);
        if (w.size() < 3 || w.size() > 6)
            return make_error(EINVAL,
                              "invalid fstab line {}: expected SOURCE TARGET TYPE "
                              "[OPTIONS [DUMP [PASS]]]",
                              str::quote(l));
        spec::FstabEntry e{unescape(w[0]), unescape(w[1]), unescape(w[2]),
                           w.size() > 3 ? unescape(w[3]) : "defaults"};
        // \000 would cut the path or option string short where the kernel reads it.
        for (const std::string* f : {&e.source, &e.target, &e.fstype, &e.options})
            if (f->find('\0') != std::string::npos)
                return make_error(EINVAL, "invalid fstab line \"{}\": \\000 (NUL) in a field", l);
        if (e.target.empty() || e.target.front() != '/')
            return make_error(EINVAL, "invalid fstab line {}: target {} is not absolute",
                              str::quote(l), str::quote(e.target));
        // A guest-relative target may not climb out of the guest root by its text; symlinks
        // are handled at mount time (openat2 RESOLVE_IN_ROOT).
        for (const auto& part : str::split(e.target, '/'))
            if (part == "..")
                return make_error(EINVAL, "invalid fstab line {}: target {} contains ..",
                                  str::quote(l), str::quote(e.target));
        out.push_back(std::move(e));
    }
    return out;
}

std::string format_fstab(const std::vector<spec::FstabEntry>& entries) {
    std::string o;
    for (const auto& e : entries)
        o += fmt::format("{}\t{}\t{}\t{}\t0 0\n", escape(e.source), escape(e.target),
                         escape(e.fstype), escape(e.options));
    return o;
}

std::vector<spec::FstabEntry> builtin_default_fstab() {
    return {
        {"none", "/proc", "proc", "defaults"},
        {"none", "/tmp", "tmpfs", "size=16m,mode=1777"},
        {"none", "/dev/pts", "devpts", "gid=5,mode=620"},
    };
}

}  // namespace vs::config::vserver
