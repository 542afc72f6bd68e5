// Reading and writing a guest's config tree through the key registry.
#include "config/vserver/tree.hpp"

#include <cerrno>
#include <optional>
#include <set>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/sys_subdirs.hpp"
#include "config/vserver/defaults.hpp"
#include "config/vserver/registry.hpp"
#include "config/vserver/values.hpp"
#include "spec/validate.hpp"

namespace vs::config::vserver {

namespace {

// Our own leftovers from an interrupted write_file_atomic (".<name>.tmp.<pid>").
bool is_atomic_tmp(const std::string& name) {
    return !name.empty() && name[0] == '.' && name.find(".tmp.") != std::string::npos;
}

Status walk(const std::string& dir, const std::string& prefix, spec::GuestSpec& s, LoadState& st,
            LoadResult& r) {
    std::string abs = prefix.empty() ? dir : dir + "/" + prefix;
    auto entries = VS_TRY(sys::list_entries(abs));
    for (const auto& e : entries) {
        const std::string& n = e.name;
        if (is_atomic_tmp(n)) continue;
        std::string rel = prefix.empty() ? n : prefix + "/" + n;
        std::string path = dir + "/" + rel;
        // The listing's types spare a readlink and a stat per file; only a symlink costs a
        // stat (following it), which answers the link-to-directory checks below.
        std::optional<std::string> link;
        if (e.type == sys::EntryType::Link)
            if (auto l = sys::readlink(path)) link = std::move(*l);
        KeyFile f{rel, path, {}, {}};
        const Key* key = find_key(rel, &f.parts);
        const bool dir_target =
            e.type == sys::EntryType::Link ? sys::is_dir(path) : e.type == sys::EntryType::Dir;
        bool real_dir = !link && dir_target;
        if (key && key->kind == FileKind::Link) {
            // vdir/cache/run are links; a real directory there is taken as the value itself and
            // never walked (it may hold a whole guest root).
            if (link)
                f.text = *link;
            else if (real_dir)
                f.text = path;
            else
                return make_error(EINVAL, "{}: expected a symlink or a directory", path);
        } else if (real_dir) {
            // A real directory holds keys (interfaces/0, scripts/pre-start.d); a symlinked one
            // is a value we do not know, so it is reported below, never followed.
            VS_TRY(walk(dir, rel, s, st, r));
            continue;
        } else if (!key) {
            r.unknown.push_back(rel);
            continue;
        } else if (key->kind == FileKind::Program) {
            // Scripts are run, not read: the parser records the path.
        } else {
            if (dir_target)
                return make_error(EISDIR, "{}: expected a file, found a link to a directory", path);
            f.text = VS_TRY(sys::read_file(path));
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
    if (!sys::is_dir(dir))
        return make_error(ENOENT, "guest \"{}\" does not exist (no config dir {})", name, dir);
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
    auto text = sys::read_file(dir.substr(0, slash) + "/.defaults/shell");
    return text ? scalar(*text) : "";
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
