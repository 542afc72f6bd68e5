// Exclude lists in util-vserver's syntax: which paths of a guest hashify may share.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace vs::unify {

/// One line of a list: `+PATTERN` makes matching paths candidates; `-PATTERN`, `~PATTERN` or a
/// bare PATTERN excludes them (util-vserver's vunify-exclude). Patterns are absolute guest paths
/// with shell wildcards (fnmatch(3) with FNM_PATHNAME: `*` stays inside one component).
struct ExcludeRule {
    bool include = false;
    std::string pattern;
    std::string origin;  ///< "FILE:LINE", for messages
};

class ExcludeList {
public:
    /// Parses a list; blank lines and lines starting with `#` are ignored. A pattern that is not
    /// absolute is an error naming `origin` (the file), the line and the value.
    static Result<ExcludeList> parse(std::string_view text, const std::string& origin);
    /// vserver-ng's shipped default: /etc, /var, /home, /root and the pseudo and scratch trees.
    static ExcludeList shipped();

    /// Appends `o`'s rules after this list's (earlier rules win at the same depth).
    void append(const ExcludeList& o);

    /// Whether the absolute guest path `path` ("/usr/bin/ls") must not be shared. The rule
    /// matching the deepest of the path and its ancestors decides, the earliest such rule if
    /// several do: `/etc` excludes /etc/x/y, and `+/etc/x` before it (or deeper) lets /etc/x in.
    bool excluded(const std::string& path) const;
    /// What the earliest rule matching `path` itself (not an ancestor) says: Decision::None when
    /// no rule matches it. A walk that keeps each directory's decision gets excluded() of an
    /// entry as its own decision, or else its directory's, matching one path instead of every
    /// ancestor's.
    enum class Decision { None, Include, Exclude };
    Decision decide(const std::string& path) const;
    /// Whether the walk may skip the directory `dir` whole: excluded, and no `+` rule could
    /// match below it.
    bool skip_dir(const std::string& dir) const;
    /// Whether a `+` rule could match something below the directory `dir`.
    bool may_include_below(const std::string& dir) const;

    const std::vector<ExcludeRule>& rules() const { return rules_; }

private:
    std::vector<ExcludeRule> rules_;
};

/// The list for one guest: the guest's `apps/vunify/exclude`, then
/// `.defaults/apps/vunify/exclude`, then the shipped default (each admin list is read with the
/// project's safe reader; an absent file is no rules).
Result<ExcludeList> load_excludes(const std::string& guest_config_dir,
                                  const std::string& defaults_dir);

}  // namespace vs::unify
