// restore(): manifest and config members first (in this process, *at calls), then the root
// members extracted in a chrooted child, then the renames.
#include "transfer/restore.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstring>
#include <memory>

#include "base/log.hpp"
#include "base/scope_exit.hpp"
#include "base/sys.hpp"
#include "config/vserver/tree.hpp"
#include "fs/remove.hpp"
#include "spec/validate.hpp"
#include "store/template_extract.hpp"
#include "transfer/archive_reader.hpp"
#include "transfer/layout.hpp"
#include "transfer/new_guest.hpp"
#include "transfer/progress.hpp"

namespace vs::transfer {

namespace cv = config::vserver;

namespace {

constexpr int64_t kManifestCap = 64 * 1024;
constexpr int64_t kConfigFileCap = 1 << 20;
constexpr int64_t kConfigTotalCap = 16 << 20;

struct ConfigMember {
    std::string rel;
    mode_t type = 0, perm = 0;
    std::string data;  // contents, or the symlink's target
};

struct Head {
    nlohmann::json manifest;
    std::string name;
    std::vector<ConfigMember> config;
};

Result<std::string> read_member(Reader& r, archive_entry* e, int64_t cap, const std::string& file) {
    const int64_t size = archive_entry_size(e);
    const char* p = archive_entry_pathname(e);
    if (size > cap)
        return make_error(EFBIG, "archive \"{}\": member \"{}\" is {} bytes (at most {})", file,
                          p ? p : "", size, cap);
    std::string out(size_t(size), '\0');
    la_ssize_t n = size ? archive_read_data(r.a.get(), out.data(), out.size()) : 0;
    if (n != size)
        return make_error(EIO, "archive \"{}\": read \"{}\": {}", file, p ? p : "", r.error());
    return out;
}

// The manifest and the config members, which come before the root's.
Result<Head> read_head(const std::string& file) {
    auto r = VS_TRY(Reader::open(file));
    Head h;
    archive_entry* e = nullptr;
    int rc = archive_read_next_header(r.a.get(), &e);
    if (rc < ARCHIVE_WARN)
        return make_error(EINVAL, "archive \"{}\": not a readable archive: {}", file, r.error());
    if (rc == ARCHIVE_EOF || std::string(archive_entry_pathname(e)) != kManifest)
        return make_error(EINVAL, "archive \"{}\": not a vserver backup (no {} first)", file,
                          kManifest);
    auto text = VS_TRY(read_member(r, e, kManifestCap, file));
    h.manifest = nlohmann::json::parse(text, nullptr, false);
    if (h.manifest.is_discarded() || !h.manifest.is_object() ||
        !h.manifest.value("format", nlohmann::json()).is_number_integer() ||
        !h.manifest.value("name", nlohmann::json()).is_string())
        return make_error(EINVAL, "archive \"{}\": {} is not a valid manifest", file, kManifest);
    if (h.manifest["format"].get<int>() != kFormatVersion)
        return make_error(EINVAL, "archive \"{}\": backup format {} (this vserver reads {})", file,
                          h.manifest["format"].get<int>(), kFormatVersion);
    h.name = h.manifest["name"].get<std::string>();
    int64_t total = 0;
    for (;;) {
        rc = archive_read_next_header(r.a.get(), &e);
        if (rc == ARCHIVE_EOF) break;
        if (rc < ARCHIVE_WARN) return make_error(EIO, "archive \"{}\": {}", file, r.error());
        const std::string path = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
        if (member_of(path, kRootPrefix)) break;
        auto rel = member_of(path, kConfigPrefix);
        if (!rel) return make_error(EINVAL, "archive \"{}\": unexpected member \"{}\"", file, path);
        if (rel->empty()) continue;
        if (!safe_relative(*rel))
            return make_error(EINVAL, "archive \"{}\": unsafe member \"{}\"", file, path);
        ConfigMember m;
        m.rel = *rel;
        m.type = archive_entry_filetype(e);
        m.perm = archive_entry_perm(e) & 07777;
        if (archive_entry_hardlink(e))
            return make_error(EINVAL, "archive \"{}\": config member \"{}\" is a hard link", file,
                              path);
        if (m.type == AE_IFREG) {
            m.data = VS_TRY(read_member(r, e, kConfigFileCap, file));
            total += int64_t(m.data.size());
            if (total > kConfigTotalCap)
                return make_error(EFBIG, "archive \"{}\": the config members exceed {} bytes", file,
                                  kConfigTotalCap);
        } else if (m.type == AE_IFLNK) {
            m.data = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
        } else if (m.type != AE_IFDIR) {
            return make_error(EINVAL, "archive \"{}\": config member \"{}\" is a special file",
                              file, path);
        }
        h.config.push_back(std::move(m));
    }
    return h;
}

// Writes the config members below `dir` (made here, 0700) with *at calls on directory fds,
// never following a symlink: a crafted archive cannot write anywhere else. The links to the
// old guest's places (vdir, cache, run) are left out: the new config gets its own.
Status write_config(const std::string& dir, const std::vector<ConfigMember>& members) {
    if (::mkdir(dir.c_str(), 0700) < 0) return errno_error(fmt::format("mkdir \"{}\"", dir));
    auto top = VS_TRY(sys::open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    for (auto& m : members) {
        if (m.rel == "vdir" || m.rel == "cache" || m.rel == "run") continue;
        UniqueFd cur;
        int at = top.get();
        std::string rest = m.rel;
        for (size_t slash; (slash = rest.find('/')) != std::string::npos;) {
            std::string c = rest.substr(0, slash);
            rest = rest.substr(slash + 1);
            int fd = ::openat(at, c.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) return errno_error(fmt::format("open \"{}/{}\"", dir, m.rel));
            cur = UniqueFd(fd);
            at = fd;
        }
        const std::string shown = fmt::format("{}/{}", dir, m.rel);
        if (m.type == AE_IFDIR) {
            if (::mkdirat(at, rest.c_str(), 0700) < 0 && errno != EEXIST)
                return errno_error(fmt::format("mkdir \"{}\"", shown));
        } else if (m.type == AE_IFLNK) {
            if (::symlinkat(m.data.c_str(), at, rest.c_str()) < 0)
                return errno_error(fmt::format("symlink \"{}\"", shown));
        } else {
            int fd = ::openat(at, rest.c_str(),
                              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, m.perm & 0755);
            if (fd < 0) return errno_error(fmt::format("create \"{}\"", shown));
            UniqueFd f(fd);
            VS_TRY(sys::write_all(fd, m.data, shown));
            if (::fchmod(fd, m.perm & 0755) < 0)
                return errno_error(fmt::format("chmod \"{}\"", shown));
        }
    }
    return ok();
}

// What the chrooted child does per entry: the root's members renamed from "root/x" to "x";
// the manifest, the config (read before) and the root dir itself skipped; a config member after
// the root's, an unsafe name or a hard link out of the root refused. Directories with paths
// too long for libarchive's deferred time fix (it works on whole paths) are remembered and
// fixed by finish() one component at a time.
class RootFilter {
public:
    std::string operator()(archive_entry* e) {
        const std::string path = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
        if (path == kManifest && !seen_root_) return "-";
        if (auto c = member_of(path, kConfigPrefix)) {
            if (seen_root_) return fmt::format("config member \"{}\" after the root's", path);
            return "-";
        }
        auto rel = member_of(path, kRootPrefix);
        if (!rel) return fmt::format("unexpected member \"{}\"", path);
        seen_root_ = true;
        if (rel->empty()) return "-";
        if (!safe_relative(*rel)) return fmt::format("unsafe member \"{}\"", path);
        if (const char* h = archive_entry_hardlink(e)) {
            auto target = member_of(h, kRootPrefix);
            if (!target || target->empty() || !safe_relative(*target))
                return fmt::format("hard link \"{}\" to \"{}\" leaves the root", path, h);
            archive_entry_copy_hardlink(e, target->c_str());
        }
        if (archive_entry_filetype(e) == AE_IFDIR && rel->size() >= PATH_MAX / 2) {
            struct timespec t {};
            t.tv_sec = archive_entry_mtime(e);
            t.tv_nsec = archive_entry_mtime_nsec(e);
            deep_dirs_.emplace_back(*rel, t);
        }
        archive_entry_copy_pathname(e, rel->c_str());
        return "";
    }

    // Deepest first, so setting a directory's time is not undone by its children.
    std::string finish() {
        for (auto it = deep_dirs_.rbegin(); it != deep_dirs_.rend(); ++it) {
            UniqueFd cur;
            int at = AT_FDCWD;
            std::string rest = it->first;
            bool ok_path = true;
            for (;;) {
                size_t slash = rest.find('/');
                std::string c = rest.substr(0, slash);
                int fd = ::openat(at == AT_FDCWD ? AT_FDCWD : at, c.c_str(),
                                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                    ok_path = false;
                    break;
                }
                cur = UniqueFd(fd);
                at = fd;
                if (slash == std::string::npos) break;
                rest = rest.substr(slash + 1);
            }
            if (!ok_path) return fmt::format("open \"{}\": {}", it->first, std::strerror(errno));
            struct timespec ts[2] = {it->second, it->second};
            if (::futimens(cur.get(), ts) < 0)
                return fmt::format("set the time of \"{}\": {}", it->first, std::strerror(errno));
        }
        return "";
    }

private:
    bool seen_root_ = false;
    std::vector<std::pair<std::string, struct timespec>> deep_dirs_;
};

}  // namespace

Result<std::string> archived_name(const std::string& file) {
    auto h = VS_TRY(read_head(file));
    return h.name;
}

Result<RestoreResult> restore(const config::Paths& paths, const std::string& file,
                              const RestoreOptions& opt) {
    const int64_t t0 = monotonic_ns();
    auto head = VS_TRY(read_head(file).wrap("restore"));
    RestoreResult res;
    res.archived_name = head.name;
    res.name = opt.name.empty() ? head.name : opt.name;
    VS_TRY(spec::validate_name(res.name).wrap("restore"));
    VS_TRY(check_name_free(paths, res.name).wrap("restore"));

    // The config, written and loaded through the registry: what start would accept.
    VS_TRY(sys::mkdir_p(paths.config_dir, 0755));
    const std::string tmp_cfg =
        fmt::format("{}/.{}.tmp.{}.restore", paths.config_dir, res.name, ::getpid());
    ScopeExit drop_tmp([&] {
        if (auto r = fs::remove_path(tmp_cfg); !r) log::warn("{}", r.error().what());
    });
    VS_TRY(write_config(tmp_cfg, head.config).wrap("restore"));
    auto base = VS_TRY(cv::base_spec(paths, res.name).wrap("restore"));
    auto loaded = VS_TRY(cv::load_dir(tmp_cfg, base).wrap("restore: the archived config"));
    res.dropped = loaded.unknown;
    for (auto& u : loaded.unknown)
        log::warn("restore: config file \"{}\" is no known key; left out", u);
    spec::GuestSpec s = std::move(loaded.spec);
    Identity id{res.name, head.name, opt.interfaces};
    VS_TRY(rewrite_identity(paths, s, id).wrap("restore {}", res.name));

    auto stage = VS_TRY(GuestStage::create(paths, res.name).wrap("restore {}", res.name));
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0) res.archive_bytes = uint64_t(st.st_size);
    Progress progress(fmt::format("restore {}", res.name), res.archive_bytes, opt.progress);
    store::ExtractHooks hooks;
    auto filter = std::make_shared<RootFilter>();
    hooks.filter = [filter](archive_entry* e) { return (*filter)(e); };
    hooks.finish = [filter] { return filter->finish(); };
    hooks.progress = [&](uint64_t at) { progress.set(at); };
    hooks.writeback = true;  // stage.sync() below
    VS_TRY(store::extract_archive_with(file, stage.root(), hooks).wrap("restore {}", res.name));
    progress.finish();
    // Registered only once written: a crash after the commit must not leave a guest whose
    // files are empty or missing.
    VS_TRY(stage.sync().wrap("restore {}", res.name));
    VS_TRY(stage.commit(paths, s, tmp_cfg, &res).wrap("restore {}", res.name));
    res.seconds = double(monotonic_ns() - t0) / 1e9;
    return res;
}

}  // namespace vs::transfer
