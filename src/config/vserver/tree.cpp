// Reading and writing a guest's config tree through the key registry.
#include "config/vserver/tree.hpp"

#include <cerrno>
#include <set>

#include "base/strings.hpp"
#include "base/wrapped.hpp"
#include "base/sys.hpp"
#include "config/vserver/registry.hpp"
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
    auto names = VS_TRY(sys::list_dir(abs));
    for (const auto& n : names) {
        if (is_atomic_tmp(n)) continue;
        std::string rel = prefix.empty() ? n : prefix + "/" + n;
        std::string path = dir + "/" + rel;
        auto link = sys::readlink(path);
        KeyFile f{rel, path, {}, {}};
        const Key* key = find_key(rel, &f.parts);
        if (!key) {
            // A real directory is a container of keys (interfaces/0); a symlinked one is a value
            // we do not know, so it is reported, never followed.
            if (!link && sys::is_dir(path)) {
                VS_TRY(walk(dir, rel, s, st, r));
            } else {
                r.unknown.push_back(rel);
            }
            continue;
        }
        if (key->kind == FileKind::Link) {
            if (!link) return make_error(EINVAL, "{}: expected a symlink", path);
            f.text = *link;
        } else if (key->kind == FileKind::Program) {
            // Scripts are run, not read: the parser records the path.
        } else {
            if (sys::is_dir(path)) return make_error(EISDIR, "{}: expected a file, found a directory", path);
            f.text = VS_TRY(sys::read_file(path));
        }
        VS_TRY(wrapped(key->parse(s, st, f), "{}", path));
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
    VS_TRY(wrapped(spec::validate(r.spec), "{}", dir));
    r.warnings = std::move(st.warnings);
    return r;
}

Result<LoadResult> load(const Paths& paths, const std::string& name) {
    auto base = VS_TRY(base_spec(paths, name));
    std::string dir = paths.guest_config(name);
    if (!sys::is_dir(dir))
        return make_error(ENOENT, "guest \"{}\" does not exist (no config dir {})", name, dir);
    return VS_TRY(wrapped(load_dir(dir, std::move(base)), "load guest {}", name));
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

Status save(const spec::GuestSpec& spec, const std::string& dir) {
    VS_TRY(wrapped(spec::validate(spec), "save {}", dir));
    auto files = render(spec);
    VS_TRY(sys::mkdir_p(dir));
    std::set<std::string> keep;
    for (const auto& f : files) {
        VS_TRY(wrapped(write_one(dir, f), "save {}", dir));
        keep.insert(f.rel);
    }
    bool emptied = false;
    VS_TRY(wrapped(remove_stale(dir, "", keep, emptied), "save {}", dir));
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
