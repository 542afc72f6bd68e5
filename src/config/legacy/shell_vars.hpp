// Reading util-vserver's legacy NAME.conf: shell VAR=VALUE assignments parsed as text, never run.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace vs::config::legacy {

/// One assignment of the file, its value with the quoting removed.
struct Assignment {
    std::string name;
    std::string value;
    int line = 0;  ///< 1-based line where the assignment starts
};

/// Parses the assignments of a legacy config. Accepted: blank lines, '#' comments (whole line
/// or after the value), an optional `export`, values bare, in "double" or 'single' quotes, and
/// the typographic renderings of "..." that printed copies of such files carry (>>...>>,
/// «...», “...”), backslash escapes and line continuations as sh(1) reads them. The file is
/// never run: anything that needs the shell to mean something (a $ expansion, a command
/// substitution, a command, an unquoted operator) is an error naming `file`, the line and
/// the text. A later assignment of a name replaces an earlier one, as in sh.
Result<std::vector<Assignment>> parse_shell_vars(std::string_view text, std::string_view file);

}  // namespace vs::config::legacy
