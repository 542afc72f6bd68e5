// The config writer: validation of the tree as it will be (a staged copy), then the commit of
// an Edit with an undo step per change.
#include "base/strings.hpp"
#include "config/legacy/legacy_file.hpp"
#include "config/vserver/writer.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>

#include "base/log.hpp"
#include "base/scope_exit.hpp"
#include "base/sys.hpp"
#include "base/sys_subdirs.hpp"
#include "config/vserver/defaults.hpp"
#include "config/vserver/read.hpp"
#include "config/vserver/registry.hpp"
#include "fs/remove.hpp"

namespace vs::config::vserver {

namespace {

std::string base_of(const std::string& p) {
    auto slash = p.find_last_of('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
}

// A name in flight beside `path`: ".<base>.tmp.<pid>.<what>" (is_in_flight_name).
std::string in_flight(const std::string& path, const char* what) {
    return fmt::format("{}/.{}.tmp.{}.{}", str::parent_dir(path), base_of(path), ::getpid(), what);
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    if (from.empty()) return;
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
}

Status fsync_dir(const std::string& dir) {
    auto fd = VS_TRY(sys::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (::fsync(fd.get()) < 0) return errno_error(fmt::format("fsync \"{}\"", dir));
    return ok();
}

Status rename_noreplace(const std::string& from, const std::string& to) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) < 0)
        return errno_error(fmt::format("rename \"{}\" to \"{}\"", from, to));
    return ok();
}

// A symlink put in place by rename(2): whatever was at `path` (a file, a link) is replaced in
// one step.
Status put_link(const std::string& target, const std::string& path) {
    std::string tmp = in_flight(path, "link");
    (void)sys::remove_if_exists(tmp);
    VS_TRY(sys::symlink(target, tmp));
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        Error e = errno_error(fmt::format("rename \"{}\" to \"{}\"", tmp, path));
        ::unlink(tmp.c_str());
        return e;
    }
    return ok();
}

// Every directory between `dir` and `rel`'s last component that exists is a real directory: a
// change never goes through a symlink (or lands in whatever it points to), in the checked copy
// (where the links are the tree's own) nor in the tree.
Status check_parents(const std::string& dir, const std::string& rel) {
    for (auto slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1)) {
        std::string p = dir + "/" + rel.substr(0, slash);
        struct stat st {};
        if (::lstat(p.c_str(), &st) < 0) {
            if (errno == ENOENT) return ok();  // made by the change, as a real directory
            return errno_error(fmt::format("stat \"{}\"", p));
        }
        if (!S_ISDIR(st.st_mode))
            return make_error(ENOTDIR, "{}: not a directory{}", p,
                              S_ISLNK(st.st_mode) ? " (a symlink; never written through)" : "");
    }
    return ok();
}

// ---- validation: the tree as it will be ---------------------------------------------------

// Copies what the loader reads of `src`/`rel` into `dst`/`rel`: key files with their content,
// links as links, scripts and a real directory standing for a link key (a vdir holding the
// root) as links to the original, unknown files as empty ones (they only make warnings).
Status copy_for_check(const std::string& src, const std::string& dst, const std::string& rel) {
    std::string from = rel.empty() ? src : src + "/" + rel;
    for (const auto& e : VS_TRY(sys::list_entries(from))) {
        if (is_in_flight_name(e.name)) continue;
        std::string r = rel.empty() ? e.name : rel + "/" + e.name;
        std::string s = src + "/" + r, d = dst + "/" + r;
        const Key* key = find_key(r);
        switch (e.type) {
            case sys::EntryType::Link: {
                auto target = VS_TRY(sys::readlink(s));
                VS_TRY(sys::symlink(target, d));
                break;
            }
            case sys::EntryType::Dir:
                if (key && key->kind == FileKind::Link) {
                    VS_TRY(sys::symlink(s, d));
                } else {
                    if (::mkdir(d.c_str(), 0700) < 0)
                        return errno_error(fmt::format("mkdir \"{}\"", d));
                    VS_TRY(copy_for_check(src, dst, r));
                }
                break;
            case sys::EntryType::File: {
                if (key && key->kind == FileKind::Program) {
                    VS_TRY(sys::symlink(s, d));
                    break;
                }
                std::string text = key ? VS_TRY(read_config_file(s, key->kind)) : std::string();
                VS_TRY(sys::write_file_replace(d, text, 0600));
                break;
            }
            case sys::EntryType::Other:
                if (key) return make_error(EINVAL, "{}: not a regular file", s);
                VS_TRY(sys::write_file_replace(d, "", 0600));
                break;
        }
    }
    return ok();
}

// The changes on the staged copy: plain writes, nothing to undo there.
Status apply_to_copy(const std::string& dir, const std::vector<Change>& changes) {
    for (const auto& c : changes) {
        std::string p = dir + "/" + c.rel;
        VS_TRY(check_parents(dir, c.rel));
        switch (c.op) {
            case Change::Op::Write:
                VS_TRY(sys::mkdir_p(str::parent_dir(p), 0700));
                if (sys::is_dir(p) && !sys::readlink(p))
                    return make_error(EISDIR, "{}: is a directory", p);
                VS_TRY(sys::write_file_replace(p, c.content, 0600));
                break;
            case Change::Op::Link:
                VS_TRY(sys::mkdir_p(str::parent_dir(p), 0700));
                if (sys::is_dir(p) && !sys::readlink(p))
                    return make_error(EISDIR, "{}: is a directory", p);
                VS_TRY(put_link(c.content, p));
                break;
            case Change::Op::Remove:
                if (sys::is_dir(p) && !sys::readlink(p))
                    return make_error(EISDIR, "{}: is a directory", p);
                VS_TRY(sys::remove_if_exists(p));
                break;
            case Change::Op::RemoveDir:
                if (sys::readlink(p) || (sys::exists(p) && !sys::is_dir(p)))
                    return make_error(ENOTDIR, "{}: not a directory", p);
                VS_TRY(fs::remove_path(p));
                break;
        }
    }
    return ok();
}

// Paths the loader derived from the staged dir, as they are for the real one.
void rebase(spec::GuestSpec& s, const std::string& from, const std::string& to) {
    for (auto* p : {&s.config_dir, &s.root, &s.cache_dir}) replace_all(*p, from, to);
    for (auto& [phase, list] : s.scripts.by_phase)
        for (auto& p : list) replace_all(p, from, to);
}

// ---- commit: one undo step per change ---------------------------------------------------------

// What was at a path before a change, to put it back.
struct Previous {
    enum class Kind { Absent, File, Link } kind = Kind::Absent;
    std::string content;  ///< file content or link target
    mode_t mode = 0644;
};

Result<Previous> previous_at(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) {
        if (errno == ENOENT) return Previous{};
        return errno_error(fmt::format("stat \"{}\"", path));
    }
    if (S_ISLNK(st.st_mode)) return Previous{Previous::Kind::Link, VS_TRY(sys::readlink(path))};
    if (S_ISDIR(st.st_mode)) return make_error(EISDIR, "{}: is a directory", path);
    if (!S_ISREG(st.st_mode)) return make_error(EINVAL, "{}: not a regular file", path);
    return Previous{Previous::Kind::File, VS_TRY(sys::read_file(path)), st.st_mode & 07777};
}

Status restore(const std::string& path, const Previous& p) {
    switch (p.kind) {
        case Previous::Kind::Absent:
            return sys::remove_if_exists(path);
        case Previous::Kind::File:
            return sys::write_file_atomic(path, p.content, p.mode);
        case Previous::Kind::Link:
            return put_link(p.content, path);
    }
    return ok();
}

void undo_step(const Status& s) {
    if (!s) log::warn("config: undo: {}", s.error().what());
}

class Committer {
public:
    explicit Committer(std::string dir) : dir_(std::move(dir)) {}
    ~Committer() {
        undo_.run();
        for (const auto& [top, staged] : new_dirs_) (void)fs::remove_path(staged);
    }

    Status run(const std::vector<Change>& changes) {
        for (const auto& c : changes) VS_TRY(one(c));
        // Directories that did not exist arrive whole, one rename each.
        for (const auto& [top, staged] : new_dirs_) {
            std::string target = dir_ + "/" + top;
            VS_TRY(rename_noreplace(staged, target));
            // An init-capture: clang 14 (the sanitizer build) cannot capture a structured binding.
            undo_.add([target, from = staged] { undo_step(rename_noreplace(target, from)); });
            VS_TRY(fsync_dir(str::parent_dir(target)));
        }
        undo_.commit();
        new_dirs_.clear();
        for (const auto& gone : removed_) undo_step(fs::remove_path(gone));
        return ok();
    }

private:
    // The path a change of `rel` writes: in its new directory's staging copy when one of its
    // parents does not exist yet (that directory is then staged whole).
    Result<std::string> target_of(const std::string& rel) {
        if (std::string s = in_new_dir(rel); !s.empty()) return s;
        std::string missing;  // the top-most missing parent directory, relative
        for (auto slash = rel.find('/'); slash != std::string::npos;
             slash = rel.find('/', slash + 1)) {
            std::string d = rel.substr(0, slash);
            if (!sys::exists(dir_ + "/" + d)) {
                missing = d;
                break;
            }
            if (!sys::is_dir(dir_ + "/" + d) || sys::readlink(dir_ + "/" + d))
                return make_error(ENOTDIR, "{}/{}: not a directory", dir_, d);
        }
        if (missing.empty()) return dir_ + "/" + rel;
        std::string staged = in_flight(dir_ + "/" + missing, "new");
        VS_TRY(fs::remove_path(staged));
        if (::mkdir(staged.c_str(), 0755) < 0)
            return errno_error(fmt::format("mkdir \"{}\"", staged));
        new_dirs_.emplace_back(missing, staged);
        return staged + rel.substr(missing.size());
    }

    // The staging path of `rel` when it lies in a directory this batch creates, else "".
    std::string in_new_dir(const std::string& rel) const {
        for (const auto& [top, staged] : new_dirs_)
            if (rel.compare(0, top.size() + 1, top + "/") == 0)
                return staged + rel.substr(top.size());
        return "";
    }

    Status one(const Change& c) {
        VS_TRY(check_parents(dir_, c.rel));
        // A removal inside a directory this batch creates acts on its staging copy.
        if (c.op == Change::Op::Remove || c.op == Change::Op::RemoveDir) {
            if (std::string s = in_new_dir(c.rel); !s.empty())
                return c.op == Change::Op::Remove ? sys::remove_if_exists(s) : fs::remove_path(s);
            for (auto it = new_dirs_.begin(); it != new_dirs_.end(); ++it)
                if (it->first == c.rel) {
                    VS_TRY(fs::remove_path(it->second));
                    new_dirs_.erase(it);
                    return ok();
                }
        }
        if (c.op == Change::Op::RemoveDir) {
            std::string p = dir_ + "/" + c.rel;
            if (!sys::exists(p) && !sys::readlink(p)) return ok();
            if (!sys::is_dir(p) || sys::readlink(p))
                return make_error(ENOTDIR, "{}: not a directory", p);
            std::string away = in_flight(p, "old");
            VS_TRY(fs::remove_path(away));
            VS_TRY(rename_noreplace(p, away));
            undo_.add([p, away] { undo_step(rename_noreplace(away, p)); });
            VS_TRY(fsync_dir(str::parent_dir(p)));
            removed_.push_back(away);
            return ok();
        }
        if (c.op == Change::Op::Remove) {
            std::string p = dir_ + "/" + c.rel;
            auto prev = VS_TRY(previous_at(p));
            if (prev.kind == Previous::Kind::Absent) return ok();
            if (::unlink(p.c_str()) < 0) return errno_error(fmt::format("unlink \"{}\"", p));
            undo_.add([p, prev] { undo_step(restore(p, prev)); });
            return fsync_dir(str::parent_dir(p));
        }
        std::string p = VS_TRY(target_of(c.rel));
        if (p != dir_ + "/" + c.rel) {
            // Inside a new directory's staging copy: undone by removing the copy.
            VS_TRY(sys::mkdir_p(str::parent_dir(p), 0755));
            if (c.op == Change::Op::Link) return put_link(c.content, p);
            return sys::write_file_atomic(p, c.content, 0644);
        }
        auto prev = VS_TRY(previous_at(p));
        mode_t mode = prev.kind == Previous::Kind::File ? prev.mode : 0644;
        if (c.op == Change::Op::Link)
            VS_TRY(put_link(c.content, p));
        else
            VS_TRY(sys::write_file_atomic(p, c.content, mode));
        undo_.add([p, prev] { undo_step(restore(p, prev)); });
        return ok();
    }

    std::string dir_;
    Rollback undo_;
    std::vector<std::pair<std::string, std::string>> new_dirs_;  ///< (rel, staging path)
    std::vector<std::string> removed_;                           ///< renamed away, to delete
};

}  // namespace

bool is_in_flight_name(const std::string& name) {
    return !name.empty() && name[0] == '.' && name.find(".tmp.") != std::string::npos;
}

Result<PreparedEdit> prepare_dir(const std::string& dir, const spec::GuestSpec& base,
                                 const Edit& edit, bool* invalid) {
    bool refused = true;
    ScopeExit tell([&] {
        if (invalid) *invalid = refused;
    });
    VS_TRY(edit.check());
    if (!sys::is_dir(dir)) return make_error(ENOENT, "config dir \"{}\" does not exist", dir);
    refused = false;
    // Beside the real dir, so that relative link targets resolve alike.
    std::string copy = in_flight(dir, "check");
    VS_TRY(fs::remove_path(copy));
    if (::mkdir(copy.c_str(), 0700) < 0) return errno_error(fmt::format("mkdir \"{}\"", copy));
    ScopeExit drop([&] { undo_step(fs::remove_path(copy)); });
    // Errors name the real files: the copy is ours.
    auto real = [&](Error e) {
        replace_all(e.message, copy, dir);
        return e;
    };
    if (auto r = copy_for_check(dir, copy, ""); !r)
        return real(std::move(r).error().wrap(fmt::format("check config {}", dir)));
    if (auto r = apply_to_copy(copy, edit.changes()); !r) {
        // A change the tree cannot take (a file or a symlink where it wants a directory, a
        // directory where it wants a file) is refused; anything else failed to check.
        refused = r.error().code == ENOTDIR || r.error().code == EISDIR;
        return real(std::move(r).error());
    }
    auto loaded = load_dir(copy, base);
    if (!loaded) {
        refused = true;
        return real(std::move(loaded).error());
    }
    rebase(loaded->spec, copy, dir);
    for (auto& w : loaded->warnings) replace_all(w, copy, dir);
    return PreparedEdit{dir, edit.changes(), std::move(*loaded)};
}

Result<PreparedEdit> prepare(const Paths& paths, const std::string& name, const Edit& edit,
                             bool* invalid) {
    if (invalid) *invalid = true;
    auto base = VS_TRY(base_spec(paths, name));
    std::string dir = paths.guest_config(name);
    if (!sys::is_dir(dir)) return legacy::missing_guest(paths, name);
    auto p = VS_TRY(prepare_dir(dir, base, edit, invalid));
    // As load() does: a guest without its own shell follows .defaults/shell.
    if (p.loaded.spec.shell.empty()) {
        auto d = load_defaults(paths);
        if (!d) {
            if (invalid) *invalid = true;
            return std::move(d).error().wrap(fmt::format("load guest {}", name));
        }
        p.loaded.spec.shell = d->shell;
    }
    return p;
}

Status commit(const PreparedEdit& prepared) {
    Committer c(prepared.dir);
    return c.run(prepared.changes).wrap("save config {}", prepared.dir);
}

Result<LoadResult> apply(const Paths& paths, const std::string& name, const Edit& edit) {
    auto p = VS_TRY(prepare(paths, name, edit));
    VS_TRY(commit(p));
    return std::move(p.loaded);
}

}  // namespace vs::config::vserver
