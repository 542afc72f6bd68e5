// util-vserver rlimit resource names -> setrlimit(2) resources, units, and what mainline lacks.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace vs::spec {

struct RlimitInfo {
    const char* name;     ///< util-vserver name: "nofile", "rss", ...
    int resource;         ///< RLIMIT_* for setrlimit(2), -1 when there is none
    bool in_pages;        ///< util-vserver counts rss and as in pages; setrlimit wants bytes
    const char* refused;  ///< non-null: why the name is refused (context-wide VServer limits)
};

/// Every name util-vserver and setrlimit(2) know, refused ones included.
const std::vector<RlimitInfo>& rlimit_table();

/// nullptr for a name neither knows.
const RlimitInfo* rlimit_info(std::string_view name);

}  // namespace vs::spec
