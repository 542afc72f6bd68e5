// dpkg_conffiles(): the guest's dpkg database, read as hostile input.
#include "unify/conffiles.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "base/strings.hpp"
#include "base/sys.hpp"
#include "fs/resolve.hpp"

namespace vs::unify {

using namespace vs::str;  // NOLINT: the string helpers read better unqualified

namespace {

constexpr size_t kInfoMax = 1 << 20;      // one package's .conffiles
constexpr size_t kStatusMax = 256 << 20;  // the status file of a very large install

void add_path(std::set<std::string>& out, std::string_view line) {
    // A line is "/etc/x", or "remove-on-upgrade /etc/x" (dpkg ≥ 1.20.6): the path is the token
    // that starts with '/'; in status, "/etc/x MD5 [obsolete]" puts it first.
    for (const auto& tok : split_ws(line))
        if (!tok.empty() && tok[0] == '/') {
            out.insert(tok);
            return;
        }
}

}  // namespace

Result<std::set<std::string>> dpkg_conffiles(int rootfd, const std::string& root_path) {
    std::set<std::string> out;
    fs::Resolve how{.no_xdev = true, .nofollow_last = true};
    auto info = fs::open_in_root(rootfd, "var/lib/dpkg/info", O_RDONLY | O_DIRECTORY, 0, how);
    if (!info) {
        if (info.error().code == ENOENT) return out;
        return std::move(
            std::move(info).error().wrap(fmt::format("read dpkg conffiles of \"{}\"", root_path)));
    }
    int dfd = ::dup(info->get());
    if (dfd < 0) return errno_error("dup");
    DIR* d = ::fdopendir(dfd);
    if (!d) {
        ::close(dfd);
        return errno_error(fmt::format("opendir \"{}/var/lib/dpkg/info\"", root_path));
    }
    std::vector<std::string> names;
    while (auto* ent = ::readdir(d)) {
        std::string_view n = ent->d_name;
        if (n.size() > 10 && n.substr(n.size() - 10) == ".conffiles") names.emplace_back(n);
    }
    ::closedir(d);
    for (const auto& n : names) {
        std::string what = fmt::format("{}/var/lib/dpkg/info/{}", root_path, n);
        auto fd = fs::open_regular(info->get(), n, O_RDONLY | O_NONBLOCK);
        if (!fd) {
            if (fd.error().code == ENOENT) continue;
            return std::move(fd).error().wrap("read dpkg conffiles");
        }
        auto text = VS_TRY(sys::read_all(fd->get(), what, kInfoMax));
        for (const auto& l : lines(text)) add_path(out, l);
    }
    auto st = fs::open_regular_in_root(rootfd, "var/lib/dpkg/status", O_RDONLY | O_NONBLOCK);
    if (!st) {
        if (st.error().code == ENOENT) return out;
        return std::move(
            std::move(st).error().wrap(fmt::format("read dpkg conffiles of \"{}\"", root_path)));
    }
    auto text = VS_TRY(sys::read_all(st->get(), root_path + "/var/lib/dpkg/status", kStatusMax));
    bool in = false;
    for (const auto& l : split(text, '\n', false)) {
        if (l.rfind("Conffiles:", 0) == 0) {
            in = true;
            continue;
        }
        if (in && !l.empty() && (l[0] == ' ' || l[0] == '\t'))
            add_path(out, l);
        else
            in = false;
    }
    return out;
}

}  // namespace vs::unify
