// Exclude lists: parsing util-vserver's syntax and matching guest paths against it.
#include "unify/exclude.hpp"

#include <fnmatch.h>

#include "base/safe_read.hpp"
#include "base/strings.hpp"

namespace vs::unify {

using namespace vs::str;  // NOLINT: the string helpers read better unqualified

namespace {

constexpr const char* kShipped =
    "# Never shared unless an admin list says `+PATH`: configuration, state and users' data\n"
    "# belong to one guest, the rest is not a real file tree.\n"
    "/etc\n/var\n/home\n/root\n/tmp\n/run\n/dev\n/proc\n/sys\n/boot\n/mnt\n/media\n/srv\n"
    "/lost+found\n/*/ls-R\n";

// The literal part of a pattern, up to its first wildcard.
std::string_view literal_prefix(std::string_view p) {
    size_t i = p.find_first_of("*?[\\");
    return i == std::string_view::npos ? p : p.substr(0, i);
}

}  // namespace

Result<ExcludeList> ExcludeList::parse(std::string_view text, const std::string& origin) {
    ExcludeList l;
    size_t n = 0;
    for (const auto& raw : split(text, '\n', false)) {
        ++n;
        std::string_view s = trim(raw);
        if (s.empty() || s[0] == '#') continue;
        ExcludeRule r;
        if (s[0] == '+' || s[0] == '-' || s[0] == '~') {
            r.include = s[0] == '+';
            s = trim(s.substr(1));
        }
        if (s.empty() || s[0] != '/')
            return make_error(EINVAL, "{}:{}: exclude pattern {} is not an absolute path", origin,
                              n, quote(raw));
        while (s.size() > 1 && s.back() == '/') s.remove_suffix(1);
        r.pattern = std::string(s);
        r.origin = fmt::format("{}:{}", origin, n);
        l.rules_.push_back(std::move(r));
    }
    return l;
}

ExcludeList ExcludeList::shipped() { return *parse(kShipped, "(shipped default)"); }

void ExcludeList::append(const ExcludeList& o) {
    rules_.insert(rules_.end(), o.rules_.begin(), o.rules_.end());
}

ExcludeList::Decision ExcludeList::decide(const std::string& path) const {
    for (const auto& r : rules_)
        if (::fnmatch(r.pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0)
            return r.include ? Decision::Include : Decision::Exclude;
    return Decision::None;
}

bool ExcludeList::excluded(const std::string& path) const {
    std::string p = path;
    while (!p.empty()) {
        if (Decision d = decide(p); d != Decision::None) return d == Decision::Exclude;
        size_t slash = p.rfind('/');
        if (slash == 0 || slash == std::string::npos) break;
        p.resize(slash);
    }
    return false;
}

bool ExcludeList::skip_dir(const std::string& dir) const {
    return excluded(dir) && !may_include_below(dir);
}

bool ExcludeList::may_include_below(const std::string& dir) const {
    const std::string below = dir + "/";
    for (const auto& r : rules_) {
        if (!r.include) continue;
        std::string_view lit = literal_prefix(r.pattern);
        // An include rule whose fixed part leads into this directory, or that has a wildcard
        // before reaching it, may match something below.
        if (starts_with(lit, below) || starts_with(below, lit)) return true;
    }
    return false;
}

Result<ExcludeList> load_excludes(const std::string& guest_config_dir,
                                  const std::string& defaults_dir) {
    ExcludeList all;
    for (const auto& dir : {guest_config_dir, defaults_dir}) {
        if (dir.empty()) continue;
        std::string file = dir + "/apps/vunify/exclude";
        auto text = sys::read_regular(file, {.max_bytes = 1 << 20});
        if (!text) {
            if (text.error().code == ENOENT) continue;
            return std::move(text).error();
        }
        all.append(VS_TRY(ExcludeList::parse(*text, file)));
    }
    all.append(ExcludeList::shipped());
    return all;
}

}  // namespace vs::unify
