// A guest's console log on the host: what the guest wrote to its /dev/console, with every byte
// a terminal would act on made visible, in a file that rotates at a fixed size.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace vs::runtime::console {

/// Makes guest output safe to print on an admin's terminal: C0 controls other than newline and
/// tab become caret notation (ESC -> "^["), DEL "^?", carriage returns are dropped, and the C1
/// controls a terminal also obeys (bytes 0x80-0x9f alone, or UTF-8 U+0080-U+009F) become
/// "\xNN". Other bytes pass unchanged. Stateful: a sequence may be split across calls.
class Sanitizer {
public:
    std::string feed(std::string_view in);

private:
    bool pending_c2_ = false;  ///< the previous call ended in 0xc2 (a UTF-8 lead byte)
};

/// console.log in `dir` (created 0700), appended to; once it holds `limit` bytes it becomes
/// console.log.1 (replacing the older one) and a new console.log starts, so a guest never uses
/// more than twice `limit` of the host's disk however much it writes.
class RotatingLog {
public:
    static Result<RotatingLog> open(const std::string& dir, uint64_t limit);
    /// Appends `text`; errors (a full disk) are returned, the log stays usable.
    Status write(std::string_view text);
    const std::string& path() const { return path_; }

private:
    RotatingLog(std::string path, UniqueFd fd, uint64_t size, uint64_t limit)
        : path_(std::move(path)), fd_(std::move(fd)), size_(size), limit_(limit) {}
    Status rotate();
    std::string path_;
    UniqueFd fd_;
    uint64_t size_ = 0;
    uint64_t limit_ = 0;
};

/// Bytes per file of a guest's console log (twice this on disk at most).
constexpr uint64_t kLogLimit = 1024 * 1024;

}  // namespace vs::runtime::console
