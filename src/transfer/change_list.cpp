// changed_since(): a walk of the stopped guest's root comparing inode change times.
#include "transfer/change_list.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include <cstdlib>

#include "base/sys.hpp"
#include "fs/walk.hpp"

namespace vs::transfer {

namespace {

// ctime is taken from the coarse clock (one tick behind the fine one at most) and kept in
// whole seconds by some file systems (ext4 with 128-byte inodes): an entry changed just after
// `since` may carry a time up to a second before it. Listing more is only slower.
constexpr int64_t kMarginNs = 2'000'000'000;
// The two clocks read at `since` and now may drift apart by this much without a step.
constexpr int64_t kClockSlackNs = 50'000'000;

int64_t clock_ns(clockid_t c) {
    struct timespec ts {};
    ::clock_gettime(c, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int64_t ctime_ns(const struct statx& s) {
    return int64_t(s.stx_ctime.tv_sec) * 1'000'000'000 + s.stx_ctime.tv_nsec;
}

class Scan : public fs::Visitor {
public:
    Scan(int64_t from, ChangeList& out) : from_(from), out_(out) {}

    Result<fs::Action> visit(const fs::Entry& e) override {
        ++out_.scanned;
        if (ctime_ns(e.stx) < from_) return fs::Action::Descend;
        // A changed directory goes whole (rsync -r): nothing below it needs listing.
        out_.entries += "./";
        out_.entries += e.path;
        if (e.is_dir()) out_.entries += '/';
        out_.entries += '\0';
        ++out_.count;
        return fs::Action::Skip;
    }
    // Another file system's root: rsync --one-file-system does not cross it either.
    Status mount_point(const fs::Entry&) override { return ok(); }

private:
    int64_t from_;
    ChangeList& out_;
};

}  // namespace

ChangeEpoch ChangeEpoch::now() { return {clock_ns(CLOCK_REALTIME), clock_ns(CLOCK_MONOTONIC)}; }

Result<ChangeList> changed_since(const std::string& root, const ChangeEpoch& since) {
    const ChangeEpoch now = ChangeEpoch::now();
    const int64_t step =
        (now.realtime_ns - since.realtime_ns) - (now.monotonic_ns - since.monotonic_ns);
    if (std::llabs(step) > kClockSlackNs)
        return make_error(ESTALE,
                          "changes of \"{}\": the wall clock stepped by {} ms since the first "
                          "pass; change times cannot tell what changed",
                          root, step / 1'000'000);
    auto top = VS_TRY(sys::open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct statx self {};
    if (::statx(top.get(), "", AT_EMPTY_PATH, STATX_CTIME, &self) < 0)
        return errno_error(fmt::format("statx \"{}\"", root));
    ChangeList out;
    const int64_t from = since.realtime_ns - kMarginNs;
    if (ctime_ns(self) >= from) {
        out.entries = std::string("./\0", 3);
        out.count = 1;
        return out;
    }
    Scan scan(from, out);
    VS_TRY(fs::walk(top.get(), root, scan));
    return out;
}

}  // namespace vs::transfer
