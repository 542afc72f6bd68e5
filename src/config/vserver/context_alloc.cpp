// allocate_context: flock-protected context.next counter.
#include "config/vserver/context_alloc.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "base/safe_read.hpp"
#include "base/strings.hpp"
#include "base/lock_file.hpp"
#include "base/sys.hpp"
#include "config/vserver/defaults.hpp"
#include "config/vserver/read.hpp"
#include "config/vserver/tree.hpp"
#include "config/vserver/values.hpp"

namespace vs::config::vserver {

namespace {

constexpr uint32_t kMaxContext = 49151;  // above: util-vserver's dynamic range

// Holds an exclusive flock(2) for its lifetime; the kernel drops it if we die.
Result<UniqueFd> lock_file(const std::string& path) {
    // Only a regular file is locked: a FIFO put there must not hang every build (O_NONBLOCK), a
    // device is not even opened (lstat first), a symlink is not followed.
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
        return make_error(EINVAL, "\"{}\" is {}, not a regular file", path,
                          sys::file_type_name(st.st_mode));
    auto fd = VS_TRY(
        sys::open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600));
    if (::fstat(fd.get(), &st) < 0) return errno_error(fmt::format("stat \"{}\"", path));
    if (!S_ISREG(st.st_mode))
        return make_error(EINVAL, "\"{}\" is {}, not a regular file", path,
                          sys::file_type_name(st.st_mode));
    VS_TRY(sys::lock_exclusive(fd.get(), path));
    return fd;
}

}  // namespace

std::vector<uint32_t> contexts_in_use(const Paths& paths) {
    std::vector<uint32_t> out;
    auto guests = list_guests(paths);
    if (!guests) return out;
    for (const auto& g : *guests) {
        auto n = peek_context(paths, g);
        if (n && *n <= kMaxContext) out.push_back(*n);
    }
    std::sort(out.begin(), out.end());
    return out;
}

Result<uint32_t> allocate_context(const Paths& paths) {
    std::string dir = defaults_dir(paths);
    VS_TRY(sys::mkdir_p(dir));
    auto lock = VS_TRY(lock_file(dir + "/.context.lock"));
    auto defaults = VS_TRY(load_defaults(paths));
    uint32_t start = defaults.context_start;
    uint32_t next = start;
    std::string next_path = dir + "/context.next";
    if (auto text = VS_TRY(read_optional(next_path, FileKind::Scalar))) {
        auto n = str::parse_u64(scalar(*text));
        if (!n || *n < 2)
            return make_error(EINVAL, "{}: invalid context {}", next_path,
                              str::quote(scalar(*text)));
        next = *n > kMaxContext ? start : static_cast<uint32_t>(*n);
    }
    auto used_v = contexts_in_use(paths);
    std::set<uint32_t> used(used_v.begin(), used_v.end());
    // From next up to the top, then once more from start up to next.
    auto scan = [&](uint32_t from, uint32_t to) -> std::optional<uint32_t> {
        for (uint32_t c = from; c <= to; ++c)
            if (!used.count(c)) return c;
        return std::nullopt;
    };
    auto c = scan(next, kMaxContext);
    if (!c && start < next) c = scan(start, next - 1);
    if (!c)
        return make_error(ENOSPC, "no free context between {} and {} (set one with --context)",
                          start, kMaxContext);
    VS_TRY(sys::write_file_atomic(next_path, fmt::format("{}\n", *c + 1)));
    return *c;
}

}  // namespace vs::config::vserver
