// The host's apt sources (one-line sources.list and deb822 .sources): the default debootstrap
// mirror comes from here, so no mirror host is ever written into vserver-ng itself.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace vs::store::apt {

struct Source {
    std::vector<std::string> types;  ///< "deb", "deb-src"
    std::vector<std::string> uris;
    std::vector<std::string> suites;
    std::vector<std::string> components;
    bool enabled = true;
};

/// One-line format (sources.list(5)): "deb [opt=val ...] URI SUITE [COMPONENT...]".
std::vector<Source> parse_one_line(std::string_view text);

/// deb822 format (sources.list(5) "DEB822-STYLE FORMAT"): stanzas of Types/URIs/Suites/
/// Components/Enabled fields separated by blank lines; continuation lines start with a blank.
std::vector<Source> parse_deb822(std::string_view text);

/// Reads APT_DIR/sources.list, then APT_DIR/sources.list.d/*.list and *.sources in name order
/// (apt's order). Missing files are skipped; an unreadable one is an error.
Result<std::vector<Source>> read_sources(const std::string& apt_dir = "/etc/apt");

/// The first enabled "deb" URI serving `suite`; if none lists it, the first serving any Debian
/// release name (so `-d bullseye` on a bookworm host still finds the Debian mirror). Security
/// and updates suites never qualify: they do not carry a base release.
std::optional<std::string> pick_debian_mirror(const std::vector<Source>& sources,
                                              std::string_view suite);

/// read_sources + pick_debian_mirror, with an error naming the files when nothing qualifies.
Result<std::string> default_mirror(std::string_view suite, const std::string& apt_dir = "/etc/apt");

}  // namespace vs::store::apt
