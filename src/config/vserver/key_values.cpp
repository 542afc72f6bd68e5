// Reading a guest's keys with their provenance (config get/list) and suggesting near keys.
#include "config/vserver/key_values.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include <nlohmann/json.hpp>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "config/legacy/legacy_file.hpp"
#include "config/vserver/defaults.hpp"
#include "config/vserver/read.hpp"
#include "config/vserver/values.hpp"
#include "config/vserver/writer.hpp"
#include "spec/validate.hpp"

namespace vs::config::vserver {

const char* source_name(Source s) {
    switch (s) {
        case Source::Guest:
            return "guest";
        case Source::Defaults:
            return "defaults";
        case Source::Builtin:
            return "builtin";
        case Source::Unset:
            return "unset";
    }
    return "?";
}

namespace {

std::vector<std::string> text_lines(std::string_view t) {
    auto v = str::split(t, '\n', false);
    while (!v.empty() && v.back().empty()) v.pop_back();
    return v;
}

bool is_argv_key(const Key& k) { return k.pattern.rfind("apps/init/cmd.", 0) == 0; }

// A file of the tree as the loader would read it: a link key by readlink, a program not at all.
Result<KeyValue> read_one(const std::string& dir, const std::string& rel, const Key* k) {
    KeyValue v;
    v.rel = rel;
    v.key = k;
    v.source = Source::Guest;
    if (!k) return v;
    std::string path = dir + "/" + rel;
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) return errno_error(fmt::format("lstat \"{}\"", path));
    if (k->kind == FileKind::Link && S_ISLNK(st.st_mode)) {
        v.text = VS_TRY(sys::readlink(path));
    } else if (k->kind == FileKind::Link && S_ISDIR(st.st_mode)) {
        v.text = path;  // a real directory for vdir/cache is the value itself
    } else if (k->kind == FileKind::Program || k->kind == FileKind::Link) {
        v.text = "";
    } else {
        v.text = VS_TRY(read_config_file(path, k->kind));
    }
    return v;
}

// The value an absent key has: the guest-dependent paths, .defaults/shell, the table's default.
KeyValue absent(const Paths& paths, const std::string& name, const std::string& rel, const Key* k) {
    KeyValue v;
    v.rel = rel;
    v.key = k;
    if (rel == "name") {
        v.source = Source::Builtin;
        v.text = name;
    } else if (rel == "vdir") {
        v.source = Source::Builtin;
        v.text = paths.guest_root(name);
    } else if (rel == "cache") {
        v.source = Source::Builtin;
        v.text = paths.cache_base + "/" + name;
    } else if (rel == "shell") {
        auto d = read_optional(defaults_dir(paths) + "/shell", FileKind::Scalar);
        if (d && *d && !scalar(**d).empty()) {
            v.source = Source::Defaults;
            v.text = scalar(**d) + "\n";
        }
    } else if (k && k->kind == FileKind::Bool) {
        v.source = Source::Builtin;  // an absent flag is "no"
    } else if (k && k->builtin) {
        v.source = Source::Builtin;
        v.text = *k->builtin;
    }
    return v;
}

Status walk(const std::string& dir, const std::string& prefix, std::vector<KeyValue>& out) {
    std::string abs = prefix.empty() ? dir : dir + "/" + prefix;
    auto names = VS_TRY(sys::list_dir(abs));
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
        // Dot names are the writers' files in flight and the tree's own dot dirs.
        if (n.empty() || n[0] == '.' || is_in_flight_name(n)) continue;
        std::string rel = prefix.empty() ? n : prefix + "/" + n;
        const Key* k = find_key(rel);
        struct stat st {};
        if (::lstat((dir + "/" + rel).c_str(), &st) < 0)
            return errno_error(fmt::format("lstat \"{}/{}\"", dir, rel));
        if (S_ISDIR(st.st_mode)) {
            // A real directory for vdir/cache is the value itself, never walked (it may hold a
            // whole guest root); any other is a directory of keys (interfaces/0,
            // scripts/pre-start.d) or one we do not know, whose files are listed as unknown.
            if (k && k->kind == FileKind::Link) {
                out.push_back({rel, k, Source::Guest, dir + "/" + rel});
                continue;
            }
            VS_TRY(walk(dir, rel, out));
            continue;
        }
        out.push_back(VS_TRY(read_one(dir, rel, k)));
    }
    return ok();
}

Status check_guest(const Paths& paths, const std::string& name) {
    VS_TRY(spec::validate_name(name));
    if (!sys::is_dir(paths.guest_config(name))) return legacy::missing_guest(paths, name);
    return ok();
}

size_t distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

// The pattern with each '*' component replaced by `rel`'s component at that place.
std::string instantiate(const std::string& pattern, std::string_view rel) {
    auto pp = str::split(pattern, '/', false);
    auto rp = str::split(rel, '/', false);
    if (pp.size() != rp.size()) return pattern;
    std::string out;
    for (size_t i = 0; i < pp.size(); ++i) {
        if (i) out += '/';
        out += pp[i] == "*" ? rp[i] : pp[i];
    }
    return out;
}

nlohmann::json value_json(const KeyValue& v) {
    if (!v.key) return nullptr;
    if (v.key->kind == FileKind::Bool) return static_cast<bool>(v.text);
    if (!v.text) return nullptr;
    auto lines = value_lines(v);
    switch (v.key->kind) {
        case FileKind::Scalar:
        case FileKind::Link:
            return lines.empty() ? "" : lines[0];
        case FileKind::List:
        case FileKind::Hash:
            return lines;
        case FileKind::Data:
            return *v.text;
        case FileKind::Program:
        case FileKind::Bool:
            return nullptr;
    }
    return nullptr;
}

}  // namespace

std::vector<std::string> value_lines(const KeyValue& v) {
    if (v.key && v.key->kind == FileKind::Bool) return {v.text ? "yes" : "no"};
    if (!v.text) return {};
    if (!v.key) return {};
    switch (v.key->kind) {
        case FileKind::Scalar:
        case FileKind::Link:
            return {scalar(*v.text)};
        case FileKind::List:
            return is_argv_key(*v.key) ? argv_lines(*v.text) : list_lines(*v.text);
        case FileKind::Hash:
            return list_lines(*v.text);
        case FileKind::Data:
            return text_lines(*v.text);
        case FileKind::Program:
        case FileKind::Bool:
            return {};
    }
    return {};
}

nlohmann::json entry_json(const KeyValue& v) {
    nlohmann::json j = {
        {"key", v.rel}, {"value", value_json(v)}, {"source", source_name(v.source)}};
    if (v.key) {
        j["pattern"] = v.key->pattern;
        j["kind"] = kind_name(v.key->kind);
        j["applies"] = applies_name(v.key->applies);
        if (!v.key->applies_hint.empty()) j["note"] = v.key->applies_hint;
    } else {
        j["pattern"] = nullptr;
        j["kind"] = "unknown";
        j["applies"] = "never";
        j["note"] = "no key claims this file: it is ignored";
    }
    return j;
}

Result<std::vector<KeyValue>> list_values(const Paths& paths, const std::string& name) {
    VS_TRY(check_guest(paths, name));
    std::vector<KeyValue> out;
    const std::string dir = paths.guest_config(name);
    VS_TRY(walk(dir, "", out));
    // Old names read for compatibility, listed only when their file exists.
    static const std::set<std::string> aliases = {"flags", "hostname", "domainname",
                                                  "interfaces/mask", "apps/init/runlevel.start"};
    for (const auto& k : keys()) {
        if (k.pattern.find('*') != std::string::npos) continue;
        if (k.applies == Applies::Never || aliases.count(k.pattern)) continue;
        bool present = std::any_of(out.begin(), out.end(),
                                   [&](const KeyValue& v) { return v.rel == k.pattern; });
        if (!present) out.push_back(absent(paths, name, k.pattern, &k));
    }
    return out;
}

Result<KeyValue> get_value(const Paths& paths, const std::string& name, const std::string& rel) {
    VS_TRY(check_guest(paths, name));
    const Key* k = find_key(rel);
    if (!k) return make_error(EINVAL, "config key \"{}\": no such key", rel);
    const std::string path = paths.guest_config(name) + "/" + rel;
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) {
        if (errno != ENOENT) return errno_error(fmt::format("lstat \"{}\"", path));
        return absent(paths, name, rel, k);
    }
    return read_one(paths.guest_config(name), rel, k);
}

std::vector<std::string> suggest_keys(std::string_view rel) {
    std::vector<std::pair<size_t, std::string>> scored;
    for (const auto& k : keys()) {
        std::string cand = instantiate(k.pattern, rel);
        size_t d = distance(rel, cand);
        // A near key: a typo or two, or `rel` is the key's last component (nodename).
        auto slash = cand.find_last_of('/');
        bool tail = slash != std::string::npos && cand.substr(slash + 1) == rel;
        if (tail) d = 1;
        if (cand == rel || d > std::max<size_t>(2, rel.size() / 4)) continue;
        // On a tie a key of its own beats one filled in from `rel` (rlimits/*).
        bool wild = k.pattern.find('*') != std::string::npos;
        scored.emplace_back(2 * d + (wild ? 1 : 0), cand);
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (auto& [d, c] : scored) {
        if (std::find(out.begin(), out.end(), c) != out.end()) continue;
        out.push_back(c);
        if (out.size() == 3) break;
    }
    return out;
}

}  // namespace vs::config::vserver
