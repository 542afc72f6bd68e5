// Edit: building a batch of config changes, each checked through its key's registry row.
#include <cerrno>

#include "base/strings.hpp"
#include "config/vserver/registry.hpp"
#include "config/vserver/writer.hpp"

namespace vs::config::vserver {

namespace {

// A path inside the config dir: relative, no empty, "." or ".." component, and no hidden
// component (those names are the writers' files in flight and the tree's own dot dirs).
Status check_rel(const std::string& rel) {
    if (rel.empty()) return make_error(EINVAL, "empty config key");
    if (rel.front() == '/' || rel.back() == '/')
        return make_error(EINVAL, "config key \"{}\": want a path relative to the config dir", rel);
    for (const auto& part : str::split(rel, '/', false))
        if (part.empty() || part.front() == '.')
            return make_error(EINVAL, "config key \"{}\": invalid path component \"{}\"", rel,
                              part);
    return ok();
}

Result<const Key*> key_of(const std::string& rel, std::vector<std::string>* parts) {
    VS_TRY(check_rel(rel));
    const Key* k = find_key(rel, parts);
    if (!k)
        return make_error(EINVAL, "config key \"{}\": no such key (docs/config-vserver.md)", rel);
    return k;
}

// Runs the key's parser over the value as the loader would read it from the file, so a bad
// value is refused before anything is written. `shown` is the value as the caller gave it.
Status check_value(const Key& k, const std::string& rel, std::vector<std::string> parts,
                   const std::string& text, const std::string& shown) {
    spec::GuestSpec scratch;
    apply_defaults(scratch);
    LoadState st;
    st.dir = ".";
    KeyFile f{rel, rel, std::move(parts), text};
    if (auto r = k.parse(scratch, st, f); !r) {
        Error e = std::move(r).error();
        // Parsers quote the value they refuse; say it here when one does not.
        if (e.message.find(shown) == std::string::npos || shown.empty())
            e.wrap(fmt::format("{} = \"{}\"", rel, shown));
        else
            e.wrap(rel);
        return e;
    }
    return ok();
}

}  // namespace

Edit& Edit::add(Change c) {
    changes_.push_back(std::move(c));
    return *this;
}

Status Edit::check() const {
    if (refused_) return *refused_;
    return ok();
}

Edit& Edit::set(const std::string& rel, const std::string& value) {
    if (refused_) return *this;
    std::vector<std::string> parts;
    auto k = key_of(rel, &parts);
    if (!k) {
        refused_ = std::move(k).error();
        return *this;
    }
    const Key& key = **k;
    std::string text;
    switch (key.kind) {
        case FileKind::Scalar:
            if (value.find('\n') != std::string::npos) {
                refused_ = make_error(EINVAL, "{} = \"{}\": a {} key holds one line", rel,
                                      str::trim(value), kind_name(key.kind));
                return *this;
            }
            text = value + "\n";
            break;
        case FileKind::Bool:
            text = value.empty() ? "" : value + "\n";
            break;
        case FileKind::List:
        case FileKind::Hash:
        case FileKind::Data:
            text = value.empty() || value.back() == '\n' ? value : value + "\n";
            break;
        case FileKind::Link:
            refused_ = make_error(EINVAL, "config key \"{}\" is a symlink: set its target", rel);
            return *this;
        case FileKind::Program:
            refused_ = make_error(EINVAL,
                                  "config key \"{}\" is a script: install it as a file, it is "
                                  "not a value",
                                  rel);
            return *this;
    }
    if (auto r = check_value(key, rel, std::move(parts), text, value); !r) {
        refused_ = std::move(r).error();
        return *this;
    }
    return add({Change::Op::Write, rel, std::move(text)});
}

Edit& Edit::set_lines(const std::string& rel, const std::vector<std::string>& lines) {
    for (const auto& l : lines)
        if (l.find('\n') != std::string::npos) {
            if (!refused_)
                refused_ = make_error(EINVAL, "{}: entry \"{}\" spans more than one line", rel,
                                      str::trim(l));
            return *this;
        }
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    return set(rel, text);
}

Edit& Edit::set_flag(const std::string& rel) {
    if (refused_) return *this;
    auto k = key_of(rel, nullptr);
    if (k && (*k)->kind != FileKind::Bool)
        k = make_error(EINVAL, "config key \"{}\" is a {} key, not a flag", rel,
                       kind_name((*k)->kind));
    if (!k) {
        refused_ = std::move(k).error();
        return *this;
    }
    return add({Change::Op::Write, rel, ""});
}

Edit& Edit::set_link(const std::string& rel, const std::string& target) {
    if (refused_) return *this;
    std::vector<std::string> parts;
    auto k = key_of(rel, &parts);
    if (k && (*k)->kind != FileKind::Link)
        k = make_error(EINVAL, "config key \"{}\" is a {} key, not a symlink", rel,
                       kind_name((*k)->kind));
    if (k && target.empty()) k = make_error(EINVAL, "config key \"{}\": empty link target", rel);
    if (!k) {
        refused_ = std::move(k).error();
        return *this;
    }
    if (auto r = check_value(**k, rel, std::move(parts), target, target); !r) {
        refused_ = std::move(r).error();
        return *this;
    }
    return add({Change::Op::Link, rel, target});
}

Edit& Edit::unset(const std::string& rel) {
    if (refused_) return *this;
    if (auto k = key_of(rel, nullptr); !k) {
        refused_ = std::move(k).error();
        return *this;
    }
    return add({Change::Op::Remove, rel, ""});
}

Edit& Edit::remove_dir(const std::string& rel) {
    if (refused_) return *this;
    if (auto r = check_rel(rel); !r) {
        refused_ = std::move(r).error();
        return *this;
    }
    if (find_key(rel)) {
        refused_ = make_error(EINVAL, "config key \"{}\" is a file: unset it", rel);
        return *this;
    }
    return add({Change::Op::RemoveDir, rel, ""});
}

Edit& Edit::set_interface(const spec::Interface& i) {
    if (refused_) return *this;
    if (i.id.empty() || i.id.find('/') != std::string::npos || i.id.front() == '.') {
        refused_ = make_error(EINVAL, "invalid interface id \"{}\"", i.id);
        return *this;
    }
    spec::GuestSpec one;
    one.interfaces = {i};
    const std::string dir = "interfaces/" + i.id + "/";
    for (const auto& f : render(one)) {
        if (f.rel.compare(0, dir.size(), dir) != 0) continue;
        if (f.type != OutFile::Type::Text) continue;
        std::vector<std::string> parts;
        const Key* k = find_key(f.rel, &parts);
        if (!k) continue;
        if (k->kind == FileKind::Bool) {
            set_flag(f.rel);
            continue;
        }
        std::string shown = f.content;
        while (!shown.empty() && shown.back() == '\n') shown.pop_back();
        set(f.rel, shown);
    }
    return *this;
}

}  // namespace vs::config::vserver
