// Unification of guest trees (vhashify, vunify, hashify --undo): identical files of several
// guests share their data, by extent dedupe on btrfs/XFS or by immutable hard links elsewhere.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace vs::unify {

/// One guest as unification sees it; paths are the host's (from the guest's config).
struct GuestTree {
    std::string name;
    std::string root;        ///< the guest root (vdir)
    std::string config_dir;  ///< /etc/vservers/NAME: apps/vunify/exclude
    std::string cache_dir;   ///< the guest's cache dir: the hash cache lives in unify/
    bool reference = false;  ///< vunify's reference guest: a source, never changed
};

enum class Method { Dedupe, HardLink };
const char* method_name(Method m);

struct Options {
    std::string defaults_dir;  ///< /etc/vservers/.defaults: its apps/vunify/exclude
    bool dry_run = false;      ///< find and report, change nothing
    bool progress = false;     ///< a progress line on stderr (the caller checks for a tty)
    uint64_t min_size = 16;    ///< smaller files are not worth an inode or an extent
    /// Share by immutable hard links where the filesystem has no shared extents (ext4). Off by
    /// default: a guest can then neither modify nor replace nor remove a shared file, so its
    /// package manager cannot upgrade it (docs/unification.md); the run refuses such a guest.
    bool allow_hardlink = false;
};

struct GuestReport {
    std::string name;
    std::string method;  ///< "dedupe" or "hardlink"
    uint64_t files = 0, candidates = 0, hashed = 0, cached = 0, bytes_hashed = 0;
    uint64_t shared_files = 0, shared_bytes = 0, already_shared = 0;
    uint64_t resealed = 0;  ///< shared inodes a killed run left without the immutable flag
    uint64_t excluded = 0, conffiles = 0, small = 0, special = 0, hardlinked = 0;
    uint64_t inline_files = 0;  ///< btrfs keeps their data in its metadata: no extent to share
    std::vector<std::string> changed;  ///< skipped: changed while hashed or linked
    std::vector<std::string> errors;   ///< per-file failures (the run goes on)
};

struct Summary {
    std::vector<GuestReport> guests;
    uint64_t shared_files = 0, shared_bytes = 0;
    /// Free space gained on the guests' filesystems (statvfs before and after, after syncfs):
    /// what `df` shows, the way util-vserver users measured it. Negative is possible only when
    /// something else wrote meanwhile.
    int64_t bytes_saved = 0;
    double seconds = 0;
    bool dry_run = false;
};

/// Finds files identical across `guests` and shares them (Options::dry_run: only reports).
/// A reference guest's files are used as sources and never replaced. Per-file problems (a file
/// that changed while hashed, an I/O error) are reported in the summary and skip that file;
/// setup errors (a root that cannot be opened, a bad exclude list) fail the run before any
/// change.
Result<Summary> hashify(const std::vector<GuestTree>& guests, const Options& opt);

/// Gives `guest` private copies of every file it shares: a hard-linked shared inode is replaced
/// by a copy, a file with shared extents (FIEMAP) by a copy written byte by byte. Other guests
/// keep sharing among themselves.
Result<Summary> undo(const GuestTree& guest, const Options& opt);

/// The summary as the JSON object `--json` prints (docs/unification.md).
std::string summary_json(const Summary& s);
/// One line per guest plus a total, for a terminal.
std::string summary_text(const Summary& s);

}  // namespace vs::unify
