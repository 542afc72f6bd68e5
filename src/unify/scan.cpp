// scan(): the exclude and conffile rules applied on fs::walk.
#include "unify/scan.hpp"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "base/log.hpp"
#include "fs/walk.hpp"
#include "unify/file_ops.hpp"

namespace vs::unify {

InodeId inode_id(const struct statx& s) {
    return {makedev(s.stx_dev_major, s.stx_dev_minor), s.stx_ino};
}

namespace {

class Scanner : public fs::Visitor {
public:
    Scanner(const ScanRules* r, ScanCounts* c) : rules_(r), counts_(c) {}
    std::vector<Found> found;

    Result<fs::Action> visit(const fs::Entry& e) override {
        const std::string abs = "/" + e.path;
        if (e.is_dir()) {
            if (rules_ && excluded(abs, e.depth, true) &&
                !rules_->excludes->may_include_below(abs)) {
                ++counts_->excluded;
                return fs::Action::Skip;
            }
            return fs::Action::Descend;
        }
        if (!e.is_regular()) {
            if (counts_) ++counts_->special;
            return fs::Action::Descend;
        }
        if (counts_) ++counts_->files;
        if (e.name.rfind(kTempPrefix, 0) == 0 && rules_ && rules_->remove_temps) {
            // A killed run's temporary: a second name of a shared inode or the guest's old
            // copy of a file that was shared; either way the real name holds the content.
            if (::unlinkat(e.dirfd, e.name.c_str(), 0) == 0 && counts_) ++counts_->temps_removed;
            return fs::Action::Descend;
        }
        if (counts_ && e.stx.stx_nlink > 1) ++counts_->names[inode_id(e.stx)];
        if (rules_) {
            if (excluded(abs, e.depth, false)) {
                ++counts_->excluded;
                return fs::Action::Descend;
            }
            if (rules_->conffiles->count(abs)) {
                ++counts_->conffiles;
                return fs::Action::Descend;
            }
            if (e.stx.stx_size < rules_->min_size) {
                ++counts_->small;
                return fs::Action::Descend;
            }
        }
        found.push_back({e.path, e.stx});
        return fs::Action::Descend;
    }

    Status mount_point(const fs::Entry& e) override {
        // Another file system mounted inside the root (a bind mount from fstab): not the
        // guest's own tree, never entered.
        log::debug("unify: not entering mount point \"{}\"", e.path);
        return ok();
    }

private:
    // ExcludeList::excluded(abs) from the path's own decision or else its directory's, kept per
    // depth: the walk visits a directory before its entries (depth 1 is the root's entries).
    bool excluded(const std::string& abs, size_t depth, bool is_dir) {
        using D = ExcludeList::Decision;
        D d = rules_->excludes->decide(abs);
        if (d == D::None && depth > 1) d = dirs_[depth - 2];
        if (is_dir) {
            if (dirs_.size() < depth) dirs_.resize(depth);
            dirs_[depth - 1] = d;
        }
        return d == D::Exclude;
    }

    const ScanRules* rules_;
    ScanCounts* counts_;
    std::vector<ExcludeList::Decision> dirs_;  ///< the decision of the directory open per depth
};

}  // namespace

Result<std::vector<Found>> scan(int rootfd, const std::string& root_path, const ScanRules& r,
                                ScanCounts& counts) {
    Scanner s(&r, &counts);
    VS_TRY(fs::walk(rootfd, root_path, s));
    return std::move(s.found);
}

Result<std::vector<Found>> scan_all(int rootfd, const std::string& root_path) {
    Scanner s(nullptr, nullptr);
    VS_TRY(fs::walk(rootfd, root_path, s));
    return std::move(s.found);
}

}  // namespace vs::unify
