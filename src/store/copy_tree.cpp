// clone (cp --reflink=auto) and rsync copies into a new guest root.
#include "store/copy_tree.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "base/exec.hpp"
#include "base/strings.hpp"
#include "base/sys.hpp"
#include "fs/mounts.hpp"
#include "spec/validate.hpp"

namespace vs::store {

namespace {

Result<std::string> real_dir(const std::string& what, const std::string& path) {
    // The top-level source is the user's choice, so resolving it is intended; everything inside
    // is copied without following links.
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf)) return errno_error(fmt::format("{} \"{}\"", what, path));
    if (!sys::is_dir(buf)) return make_error(ENOTDIR, "{} \"{}\": not a directory", what, path);
    return std::string(buf);
}

}  // namespace

Result<std::string> resolve_clone_source(const config::Paths& paths, const std::string& source) {
    if (source.empty()) return make_error(EINVAL, "clone: --source is required");
    if (source.find('/') == std::string::npos && source != "." && source != "..") {
        if (spec::validate_name(source) && sys::exists(paths.guest_config(source))) {
            std::string vdir = paths.guest_config(source) + "/vdir";
            auto link = sys::readlink(vdir);
            std::string root = link ? *link : paths.guest_root(source);
            return real_dir(fmt::format("clone: root of guest {}", source), root);
        }
        if (!sys::exists(source))
            return make_error(ENOENT, "clone: --source \"{}\": no such guest or directory", source);
    }
    return real_dir("clone: --source", source);
}

Result<std::string> resolve_rsync_source(const std::string& source) {
    if (source.empty()) return make_error(EINVAL, "rsync: --source is required");
    auto colon = source.find(':');
    auto slash = source.find('/');
    if (colon != std::string::npos && (slash == std::string::npos || colon < slash))
        return source;  // host:path, rsync's remote syntax
    return real_dir("rsync: --source", source);
}

Status check_rsync_opts(const std::vector<std::string>& opts) {
    static const char* const kRefused[] = {
        "-L", "--copy-links",    "--copy-unsafe-links", "-k", "--copy-dirlinks",
        "-K", "--keep-dirlinks", "--safe-links-off"};
    for (auto& o : opts) {
        for (auto* r : kRefused)
            if (o == r)
                return make_error(EINVAL,
                                  "rsync: -o \"{}\": following symlinks out of the source is "
                                  "refused",
                                  o);
        // Short-option bundles like "-aL".
        if (o.size() > 1 && o[0] == '-' && o[1] != '-' &&
            o.find_first_of("LkK") != std::string::npos)
            return make_error(EINVAL, "rsync: -o \"{}\": -L/-k/-K follow symlinks and are refused",
                              o);
    }
    return ok();
}

Status check_no_submounts(const std::string& source_dir) {
    // cp --one-file-system and rsync -x compare device numbers, so a bind mount of the same file
    // system inside the source (an fstab bind, /srv/data) would be copied into the new guest.
    std::vector<std::string> found;
    for (auto& m : VS_TRY(fs::mounts_below(source_dir)))
        if (m.mount_point != source_dir) found.push_back(m.describe());
    if (!found.empty())
        return make_error(EBUSY, "source \"{}\" has file systems mounted inside: {}; unmount them",
                          source_dir, str::join(found, "; "));
    return ok();
}

Status clone_tree(const std::string& source_dir, const std::string& root) {
    VS_TRY(check_no_submounts(source_dir).wrap("clone"));
    return exec::run_checked({"cp", "--archive", "--reflink=auto", "--one-file-system",
                              "--no-target-directory", source_dir, root})
        .wrap("clone \"{}\"", source_dir);
}

Status rsync_tree(const std::string& source, const std::string& root,
                  const std::vector<std::string>& opts) {
    if (!source.empty() && source[0] == '/') VS_TRY(check_no_submounts(source).wrap("rsync"));
    std::vector<std::string> argv = {"rsync", "-aHAX", "--numeric-ids", "-x"};
    argv.insert(argv.end(), opts.begin(), opts.end());
    std::string src = source;
    if (src.empty() || src.back() != '/') src += '/';  // copy the contents, not the dir
    argv.push_back(src);
    argv.push_back(root + "/");
    return exec::run_checked(argv).wrap("rsync \"{}\"", source);
}

}  // namespace vs::store
