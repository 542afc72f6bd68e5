// Reading and writing a guest's config tree through the key registry.
#include "config/legacy/legacy_file.hpp"
#include "config/vserver/tree.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <optional>
#include <set>

#include "base/safe_read.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/sys_subdirs.hpp"
#include "config/vserver/defaults.hpp"
#include "config/vserver/read.hpp"
#include "config/vserver/registry.hpp"
#include "config/vserver/values.hpp"
#include "spec/validate.hpp"

namespace vs::config::vserver {

namespace {

// Our own leftovers from an interrupted write_file_atomic (".<name>.tmp.<pid>").
bool is_atomic_tmp(const std::string& name) {
    return !name.empty() && name[0] == '.' && name.find(".tmp.") != std::string::npos;
}

// One '/'-free component against one pattern component ('*' matches any non-empty run).
bool match_component(std::string_view pat, std::string_view s) {
    if (pat.empty()) return s.empty();
    if (pat[0] == '*') {
        for (size_t n = 1; n <= s.size(); ++n)
            if (match_component(pat.substr(1), s.substr(n))) return true;
        return false;
    }
    return !s.empty() && pat[0] == s[0] && match_component(pat.substr(1), s.substr(1));
}

// True when some key lives below `rel` (interfaces/0 holds interfaces/*/ip): `rel` is one of the
// tree's directories, so a file or a symlink there is a mistake, not an unknown file.
bool holds_keys(const std::string& rel) {
    auto want = str::split(rel, '/');
    for (const auto& k : keys()) {
        auto pat = str::split(k.pattern, '/');
        if (pat.size() <= want.size()) continue;
        size_t i = 0;
        while (i < want.size() && match_component(pat[i], want[i])) ++i;
        if (i == want.size()) return true;
    }
    return false;
}

// Scripts are run (or fed to /bin/sh) later: a FIFO there would hang the phase, a device would be
// read by the shell. A symlink to a script elsewhere is fine (scripts/*.d/* link to shared ones).
Status check_program(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) < 0) return errno_error(fmt::format("stat \"{}\"", path));
    if (!S_ISREG(st.st_mode))
        return make_error(EINVAL, "\"{}\" is {}, expected a script (a regular file)", path,
                          sys::file_type_name(st.st_mode));
    return ok();
}

// The rules (docs/config-vserver.md, "How files are read"): a key's file must be a regular file
// (read with a size cap, never through a symlink); a Link key (vdir, cache, run) is a symlink,
// read with readlink, or a real directory; a directory of the tree (interfaces/, limits/) must be
// a real directory. Unknown entries are reported, never opened.
Status walk(const std::string& dir, const std::string& prefix, spec::GuestSpec& s, LoadState& st,
            LoadResult& r) {
    std::string abs = prefix.empty() ? dir : dir + "/" + prefix;
    auto entries = VS_TRY(sys::list_entries(abs));
    for (const auto& e : entries) {
        const std::string& n = e.name;
        if (is_atomic_tmp(n)) continue;
        std::string rel = prefix.empty() ? n : prefix + "/" + n;
        std::string path = dir + "/" + rel;
        KeyFile f{rel, path, {}, {}};
        const Key* key = find_key(rel, &f.parts);
        const bool is_link_key = key && key->kind == FileKind::Link;
        if (e.type == sys::EntryType::Link) {
            if (is_link_key) {
                f.text = VS_TRY(sys::readlink(path));
            } else if (key && key->kind == FileKind::Program) {
                VS_TRY(check_program(path));
            } else if (key) {
                return make_error(ELOOP,
                                  "\"{}\" is a symbolic link, not followed (only vdir, cache, run "
                                  "and scripts may be links)",
                                  path);
            } else if (holds_keys(rel)) {
                return make_error(ELOOP, "\"{}\" is a symbolic link, expected a directory", path);
            } else {
                r.unknown.push_back(rel);
                continue;
            }
        } else if (e.type == sys::EntryType::Dir) {
            if (is_link_key) {
                // A real directory for vdir/cache/run is taken as the value itself and never
                // walked (it may hold a whole guest root).
                f.text = path;
            } else if (holds_keys(rel) || !key) {
                // A directory of keys (interfaces/0, scripts/pre-start.d), or one we do not know
                // (its files are reported as unknown).
                VS_TRY(walk(dir, rel, s, st, r));
                continue;
            } else {
                return make_error(EISDIR, "\"{}\" is a directory, expected a {} file", path,
                                  kind_name(key->kind));
            }
        } else if (is_link_key) {
            return make_error(EINVAL, "\"{}\": expected a symlink or a directory", path);
        } else if (!key) {
            if (holds_keys(rel)) return make_error(ENOTDIR, "\"{}\" is not a directory", path);
            r.unknown.push_back(rel);
            continue;
        } else if (key->kind == FileKind::Program) {
            // Scripts are run, not read: the parser records the path.
            VS_TRY(check_program(path));
        } else {
            f.text = VS_TRY(read_config_file(path, key->kind));
        }
        VS_TRY(key->parse(s, st, f).wrap("{}", path));
    }
    return ok();
}

}  // namespace

Result<spec::GuestSpec> base_spec(const Paths& paths, const std::string& name) {
    VS_TRY(spec::validate_name(name));
    spec::GuestSpec s;
    s.name = name;
    s.config_dir = paths.guest_config(name);
    s.root = paths.guest_root(name);
    s.cache_dir = paths.cache_base + "/" + name;
    // A new guest starts from util-vserver's defaults (secure capability set, default flags and
    // ccaps); the writer stores only differences from them.
    apply_defaults(s);
    return s;
}

Result<LoadResult> load_dir(const std::string& dir, spec::GuestSpec base) {
    LoadResult r;
    r.spec = std::move(base);
    r.spec.config_dir = dir;
    apply_defaults(r.spec);
    LoadState st;
    st.dir = dir;
    VS_TRY(walk(dir, "", r.spec, st, r));
    VS_TRY(finalize(r.spec, st));
    VS_TRY(spec::validate(r.spec).wrap("{}", dir));
    r.warnings = std::move(st.warnings);
    return r;
}

Result<LoadResult> load(const Paths& paths, const std::string& name) {
    auto base = VS_TRY(base_spec(paths, name));
    std::string dir = paths.guest_config(name);
    if (!sys::is_dir(dir)) return legacy::missing_guest(paths, name);
    auto r = VS_TRY(load_dir(dir, std::move(base)).wrap("load guest {}", name));
    if (r.spec.shell.empty()) {
        auto d = VS_TRY(load_defaults(paths).wrap("load guest {}", name));
        r.spec.shell = d.shell;
    }
    return r;
}

namespace {

// Removes files of known keys that `keep` does not list, then directories left empty by that.
Status remove_stale(const std::string& dir, const std::string& prefix,
                    const std::set<std::string>& keep, bool& emptied) {
    std::string abs = prefix.empty() ? dir : dir + "/" + prefix;
    auto names = VS_TRY(sys::list_dir(abs));
    size_t removed = 0;
    for (const auto& n : names) {
        std::string rel = prefix.empty() ? n : prefix + "/" + n;
        std::string path = dir + "/" + rel;
        bool link = sys::readlink(path).has_value();
        if (find_key(rel)) {
            if (!keep.count(rel) && (link || !sys::is_dir(path))) {
                VS_TRY(sys::remove_if_exists(path));
                ++removed;
            }
        } else if (!link && sys::is_dir(path)) {
            bool sub_empty = false;
            VS_TRY(remove_stale(dir, rel, keep, sub_empty));
            if (sub_empty) {
                VS_TRY(sys::remove_if_exists(path));
                ++removed;
            }
        }
    }
    emptied = !prefix.empty() && removed == names.size() && removed > 0;
    return ok();
}

Status write_one(const std::string& dir, const OutFile& f) {
    std::string path = dir + "/" + f.rel;
    auto slash = path.rfind('/');
    VS_TRY(sys::mkdir_p(path.substr(0, slash)));
    switch (f.type) {
        case OutFile::Type::Keep:
            return ok();
        case OutFile::Type::Text: {
            auto link = sys::readlink(path);
            if (link) VS_TRY(sys::remove_if_exists(path));  // never write through a symlink
            return sys::write_file_atomic(path, f.content);
        }
        case OutFile::Type::Symlink: {
            auto link = sys::readlink(path);
            if (link && *link == f.content) return ok();
            if (sys::exists(path)) VS_TRY(sys::remove_if_exists(path));
            return sys::symlink(f.content, path);
        }
    }
    return ok();
}

}  // namespace

namespace {

// .defaults/shell for a guest dir <config_dir>/<name> ("" when absent or unreadable).
std::string default_shell_for(const std::string& dir) {
    auto slash = dir.find_last_of('/');
    if (slash == std::string::npos) return "";
    auto text = read_optional(dir.substr(0, slash) + "/.defaults/shell", FileKind::Scalar);
    return text && *text ? scalar(**text) : "";
}

}  // namespace

Status save(const spec::GuestSpec& in, const std::string& dir) {
    VS_TRY(spec::validate(in).wrap("save {}", dir));
    spec::GuestSpec spec = in;
    // Scripts that live in another config dir are linked from this one (see scripts/*.d/*).
    spec.config_dir = dir;
    // load() fills the shell from .defaults/shell; writing it back would freeze the global
    // default into this guest.
    if (!spec.shell.empty() && spec.shell == default_shell_for(dir)) spec.shell.clear();
    auto files = render(spec);
    VS_TRY(sys::mkdir_p(dir));
    std::set<std::string> keep;
    for (const auto& f : files) {
        VS_TRY(write_one(dir, f).wrap("save {}", dir));
        keep.insert(f.rel);
    }
    bool emptied = false;
    VS_TRY(remove_stale(dir, "", keep, emptied).wrap("save {}", dir));
    return ok();
}

Result<std::vector<std::string>> list_guests(const Paths& paths) {
    std::vector<std::string> out;
    if (!sys::is_dir(paths.config_dir)) return out;
    auto names = VS_TRY(sys::list_dir(paths.config_dir));
    for (const auto& n : names) {
        if (n.empty() || n[0] == '.') continue;  // .defaults, .distributions
        if (!spec::validate_name(n)) continue;
        if (!sys::is_dir(paths.config_dir + "/" + n)) continue;
        out.push_back(n);
    }
    return out;
}

}  // namespace vs::config::vserver
