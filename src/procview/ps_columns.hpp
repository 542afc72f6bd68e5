// vps: finding ps's PID column and inserting the CONTEXT column after it (pure text functions).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vs::procview {

/// util-vserver's vps inserts a CONTEXT column of this width (separator included) after PID.
constexpr size_t kContextWidth = 20;

struct PidColumn {
    size_t end = 0;    ///< index one past the last character of "PID" in the header
    size_t token = 0;  ///< its position among the header's whitespace-separated words
};

/// The "PID" column of a ps header line; nullopt when the format has none.
std::optional<PidColumn> find_pid_column(std::string_view header);

/// The pid in a data line and the index just past it. ps right-aligns PID, so the digits end
/// at col.end; when a wide earlier column shifted the line, fall back to the word position.
struct PidAt {
    pid_t pid = 0;
    size_t end = 0;
};
std::optional<PidAt> pid_in_line(std::string_view line, const PidColumn& col);

/// line[0, at) + " " + label padded to kContextWidth-1 + line[at, end), trailing blanks
/// trimmed. A label longer than the column is kept whole (ps does the same with wide values).
std::string insert_column(std::string_view line, size_t at, std::string_view label);

}  // namespace vs::procview
