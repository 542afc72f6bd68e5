// cgroupfs file helpers.
#include "cgroup/cgroupfs.hpp"

#include <cerrno>
#include <chrono>
#include <thread>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "base/sys_subdirs.hpp"
#include "base/sys_fs.hpp"

namespace vs::cgroup::fs {

namespace {
// trusted.* needs CAP_SYS_ADMIN and works on cgroupfs v1 and v2 on every kernel we support;
// user.* is the fallback for fake trees in unprivileged unit tests.
constexpr const char* kMarkers[] = {"trusted.vserver-ng.created", "user.vserver-ng.created"};
}  // namespace

Result<std::optional<uint64_t>> read_key(const std::string& file, const std::string& key) {
    auto text = VS_TRY(sys::read_file(file));
    for (const auto& line : str::split(text, '\n')) {
        auto w = str::split_ws(line);
        if (w.size() >= 2 && w[0] == key) {
            auto v = str::parse_u64(w[1]);
            if (!v)
                return make_error(EINVAL, "read \"{}\": {} is \"{}\", not a number", file, key,
                                  w[1]);
            return std::optional<uint64_t>(*v);
        }
    }
    return std::optional<uint64_t>();
}

Result<std::optional<uint64_t>> read_u64(const std::string& file) {
    auto text = VS_TRY(read_trimmed(file));
    if (text == "max") return std::optional<uint64_t>();
    auto v = str::parse_u64(text);
    if (!v) return make_error(EINVAL, "read \"{}\": \"{}\" is not a number", file, text);
    return std::optional<uint64_t>(*v);
}

Result<std::string> read_trimmed(const std::string& file) {
    auto text = VS_TRY(sys::read_file(file));
    return std::string(str::trim(text));
}

Status write(const std::string& file, std::string_view value) {
    return sys::write_file(file, value);
}

Result<std::string> limit_text(int64_t v, const char* unlimited, const std::string& file) {
    if (v == -1) return std::string(unlimited);
    if (v < 0) return make_error(EINVAL, "write \"{}\" = \"{}\": negative limit", file, v);
    return std::to_string(v);
}

Status write_limit(const std::string& file, int64_t v, const char* unlimited) {
    auto text = VS_TRY(limit_text(v, unlimited, file));
    return write(file, text);
}

Result<std::vector<pid_t>> procs_tree(const std::string& dir) {
    std::vector<pid_t> out;
    auto text = sys::read_file(dir + "/cgroup.procs");
    if (!text) {
        // The cgroup may vanish between listing and reading (a nested cgroup removed by the
        // guest): it has no processes then.
        if (text.error().code == ENOENT || text.error().code == ENODEV) return out;
        return std::move(text).error();
    }
    for (const auto& w : str::split_ws(*text)) {
        auto v = str::parse_u64(w);
        if (v && *v > 0) out.push_back(static_cast<pid_t>(*v));
    }
    // Subcgroups from d_type: a stat per control file made this walk (run several times per
    // stop over every hierarchy) cost hundreds of syscalls.
    auto entries = sys::list_subdirs(dir);
    if (!entries) {
        if (entries.error().code == ENOENT) return out;
        return std::move(entries).error();
    }
    for (const auto& e : *entries) {
        std::string sub = dir + "/" + e;
        auto more = VS_TRY(procs_tree(sub));
        out.insert(out.end(), more.begin(), more.end());
    }
    return out;
}

Result<bool> make_dir(const std::string& dir, bool mark) {
    bool created = VS_TRY(sys::mkdir_one(dir));
    if (created && mark) {
        for (const char* m : kMarkers)
            if (sys::set_xattr(dir, m, "1")) break;
    }
    return created;
}

bool has_marker(const std::string& dir) {
    for (const char* m : kMarkers)
        if (sys::get_xattr(dir, m)) return true;
    return false;
}

Status remove_dir(const std::string& dir) {
    for (int attempt = 0;; ++attempt) {
        auto r = sys::rmdir(dir);
        if (r || r.error().code == ENOENT) return ok();
        if (r.error().code != EBUSY || attempt >= 50) return r;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

Status remove_tree(const std::string& dir, bool wait) {
    auto r = sys::rmdir(dir);
    if (r || r.error().code == ENOENT) return ok();
    // cgroupfs answers EBUSY for child cgroups as for tasks; a plain directory (a fake tree in
    // the unit tests) ENOTEMPTY.
    if (r.error().code != EBUSY && r.error().code != ENOTEMPTY) return r;
    auto entries = sys::list_subdirs(dir);
    if (!entries) return entries.error().code == ENOENT ? ok() : Status(entries.error());
    if (entries->empty() && !wait) return r;  // busy with a task of its own
    for (const auto& e : *entries) VS_TRY(remove_tree(dir + "/" + e, wait));
    if (wait) return remove_dir(dir);
    r = sys::rmdir(dir);
    if (r || r.error().code == ENOENT) return ok();
    return r;
}

}  // namespace vs::cgroup::fs
