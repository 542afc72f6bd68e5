// Parsing of apt's sources.list / deb822 files and the choice of the default Debian mirror.
#include "store/apt_sources.hpp"

#include <algorithm>
#include <cerrno>

#include "base/strings.hpp"
#include "base/sys.hpp"

namespace vs::store::apt {

namespace {

// Release names and aliases of Debian's main archive. Used only to recognise which configured
// source is Debian's; no host name is involved.
constexpr std::string_view kDebianSuites[] = {
    "stretch", "buster",       "bullseye",  "bookworm", "trixie",  "forky",   "duke",
    "sid",     "oldoldstable", "oldstable", "stable",   "testing", "unstable"};

bool is_debian_suite(std::string_view s) {
    return std::find(std::begin(kDebianSuites), std::end(kDebianSuites), s) !=
           std::end(kDebianSuites);
}

bool has(const std::vector<std::string>& v, std::string_view x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

// debootstrap fetches over these schemes only; "mirror+file:" and "cdrom:" do not work there.
bool usable_uri(std::string_view u) {
    return str::starts_with(u, "http://") || str::starts_with(u, "https://") ||
           str::starts_with(u, "ftp://") || str::starts_with(u, "file:/");
}

bool ends_with(std::string_view s, std::string_view suf) {
    return s.size() >= suf.size() && s.substr(s.size() - suf.size()) == suf;
}

}  // namespace

std::vector<Source> parse_one_line(std::string_view text) {
    std::vector<Source> out;
    for (auto& raw : str::split(text, '\n')) {
        std::string line(raw);
        if (auto h = line.find('#'); h != std::string::npos) line.resize(h);
        // "[ opt=val opt2=val ]" may hold blanks; drop it before splitting the rest.
        if (auto lb = line.find('['); lb != std::string::npos) {
            auto rb = line.find(']', lb);
            if (rb == std::string::npos) continue;  // malformed: apt refuses it too
            line.erase(lb, rb - lb + 1);
        }
        auto w = str::split_ws(line);
        if (w.size() < 3) continue;
        if (w[0] != "deb" && w[0] != "deb-src") continue;
        Source s;
        s.types = {w[0]};
        s.uris = {w[1]};
        s.suites = {w[2]};
        s.components.assign(w.begin() + 3, w.end());
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<Source> parse_deb822(std::string_view text) {
    std::vector<Source> out;
    Source cur;
    bool any = false;
    std::string field;  // the field a continuation line belongs to
    auto flush = [&] {
        if (any && !cur.types.empty() && !cur.uris.empty()) out.push_back(std::move(cur));
        cur = Source{};
        any = false;
        field.clear();
    };
    auto add = [&](const std::string& f, std::string_view value) {
        auto words = str::split_ws(value);
        std::string k = str::lower(f);
        if (k == "types")
            cur.types.insert(cur.types.end(), words.begin(), words.end());
        else if (k == "uris")
            cur.uris.insert(cur.uris.end(), words.begin(), words.end());
        else if (k == "suites")
            cur.suites.insert(cur.suites.end(), words.begin(), words.end());
        else if (k == "components")
            cur.components.insert(cur.components.end(), words.begin(), words.end());
        else if (k == "enabled")
            cur.enabled = str::lower(str::trim(value)) != "no";
    };
    for (auto& line : str::split(text, '\n', false)) {
        if (!line.empty() && line[0] == '#') continue;
        if (str::trim(line).empty()) {
            flush();
            continue;
        }
        if (line[0] == ' ' || line[0] == '\t') {  // continuation of the previous field
            if (!field.empty()) add(field, line);
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        field = std::string(str::trim(std::string_view(line).substr(0, colon)));
        add(field, std::string_view(line).substr(colon + 1));
        any = true;
    }
    flush();
    return out;
}

Result<std::vector<Source>> read_sources(const std::string& apt_dir) {
    std::vector<Source> all;
    auto take = [&](const std::string& path, bool deb822) -> Status {
        auto text = sys::read_file(path);
        if (!text) {
            if (text.error().code == ENOENT) return ok();
            return std::move(text).error().wrap("read apt sources");
        }
        auto v = deb822 ? parse_deb822(*text) : parse_one_line(*text);
        all.insert(all.end(), v.begin(), v.end());
        return ok();
    };
    VS_TRY(take(apt_dir + "/sources.list", false));
    std::string d = apt_dir + "/sources.list.d";
    if (sys::is_dir(d)) {
        for (auto& n : VS_TRY(sys::list_dir(d))) {
            if (ends_with(n, ".list"))
                VS_TRY(take(d + "/" + n, false));
            else if (ends_with(n, ".sources"))
                VS_TRY(take(d + "/" + n, true));
        }
    }
    return all;
}

std::optional<std::string> pick_debian_mirror(const std::vector<Source>& sources,
                                              std::string_view suite) {
    auto first_uri = [](const Source& s) -> std::optional<std::string> {
        for (auto& u : s.uris)
            if (usable_uri(u)) return u;
        return std::nullopt;
    };
    for (auto& s : sources) {
        if (!s.enabled || !has(s.types, "deb")) continue;
        if (!suite.empty() && has(s.suites, suite))
            if (auto u = first_uri(s)) return u;
    }
    for (auto& s : sources) {
        if (!s.enabled || !has(s.types, "deb")) continue;
        if (std::any_of(s.suites.begin(), s.suites.end(),
                        [](const std::string& x) { return is_debian_suite(x); }))
            if (auto u = first_uri(s)) return u;
    }
    return std::nullopt;
}

Result<std::string> default_mirror(std::string_view suite, const std::string& apt_dir) {
    auto sources = VS_TRY(read_sources(apt_dir));
    if (auto m = pick_debian_mirror(sources, suite)) return *m;
    return make_error(ENOENT,
                      "no Debian \"deb\" source for suite \"{}\" in {}/sources.list or {}/"
                      "sources.list.d (give a mirror with -m)",
                      suite, apt_dir, apt_dir);
}

}  // namespace vs::store::apt
