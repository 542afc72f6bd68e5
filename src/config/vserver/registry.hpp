// The key registry: every file of /etc/vservers/NAME that vserver-ng understands, with its parser
// (file -> GuestSpec), writer (GuestSpec -> files) and documentation line.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "spec/guest_spec.hpp"

namespace vs::config::vserver {

/// util-vserver's file types (reference §2.0).
enum class FileKind {
    Scalar,   ///< first line is the value
    List,     ///< one entry per line, '#' comments and blank lines ignored
    Bool,     ///< the file's existence is the value
    Hash,     ///< VAR=VALUE lines
    Link,     ///< a symlink; the value is its target
    Program,  ///< a script, run (or sourced) at a phase
    Data,     ///< free-form text with its own format (fstab)
};
const char* kind_name(FileKind k);

/// When a changed value takes effect on a guest (a running guest keeps what it started with).
enum class Applies {
    Unset,        ///< not filled in: registry_test fails
    Now,          ///< read by the command that uses it each time it runs (autostart's mark)
    NextStart,    ///< read by start: a running guest needs a restart
    NextStop,     ///< read by stop: the next stop uses it, no restart needed
    StartOrStop,  ///< read at every start and stop (hooks, apps/init/timeout)
    Never,        ///< accepted without effect, or refused
};
/// "now", "next-start", "next-stop", "next-start-or-stop", "never".
const char* applies_name(Applies a);

/// What a parser gets for one file.
struct KeyFile {
    std::string rel;                 ///< "interfaces/0/ip"
    std::string path;                ///< absolute path, for messages
    std::vector<std::string> parts;  ///< what each '*' of the pattern matched: {"0"}
    std::string text;                ///< content; the link target for Link keys
};

/// Per-load scratch state: values that only make sense once every file has been read.
struct LoadState {
    std::string dir;                    ///< the config dir being read
    std::vector<std::string> warnings;  ///< accepted but without effect: said to the user
    std::optional<uint64_t> sched_fill_rate, sched_interval;
    std::string sched_fill_rate_path, sched_interval_path;
    std::map<std::string, std::string> iface_mask_paths;  ///< id -> path of its mask/prefix file
    std::set<std::string> ccaps_cleared;                  ///< ccaps the file cleared with '!'
    bool ccaps_seen = false;
    bool pids_max_set = false, memory_max_set = false, memory_high_set = false;
    bool cpu_max_set = false;
    std::map<std::string, unsigned> dlimit_seen;  ///< id -> bits of the files read (see keys)
};

/// One file the writer wants in the tree.
struct OutFile {
    enum class Type { Text, Symlink, Keep };
    Type type = Type::Text;
    std::string rel;
    std::string content;  ///< text, or the symlink target; unused for Keep
};

using Parser = std::function<Status(spec::GuestSpec&, LoadState&, const KeyFile&)>;
using Writer = std::function<void(const spec::GuestSpec&, std::vector<OutFile>&)>;

struct Key {
    std::string pattern;  ///< relative path; '*' matches within one path component
    FileKind kind;
    std::string type;  ///< value type for the docs: "uint 2..49151", "IP address"
    Parser parse;
    Writer write;
    std::string doc;   ///< what it means and what it maps to
    std::string maps;  ///< the GuestSpec field(s) it sets (filled from registry.cpp's table)
    /// When a change takes effect, what holds without the file and a line for the user
    /// (filled from key_effects.cpp's table).
    Applies applies = Applies::Unset;
    std::optional<std::string> builtin;  ///< the value an absent file means, when it has one
    std::string applies_hint;            ///< e.g. the command that changes it live; may be ""
};

/// Every key, in documentation order.
const std::vector<Key>& keys();

/// The key that claims `rel`, filling `parts` with the '*' matches; nullptr when none does.
const Key* find_key(std::string_view rel, std::vector<std::string>* parts = nullptr);

/// Sets what a GuestSpec holds before any file is read (util-vserver's defaults).
void apply_defaults(spec::GuestSpec& spec);

/// Runs after every file was read: cross-file rules and derived values (documented per key).
Status finalize(spec::GuestSpec& spec, LoadState& st);

/// Every file `spec` produces (registry writers in order).
std::vector<OutFile> render(const spec::GuestSpec& spec);

}  // namespace vs::config::vserver
