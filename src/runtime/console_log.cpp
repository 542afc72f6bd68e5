// Console log: the sanitizer and the size-bounded file.
#include "runtime/console_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "base/sys.hpp"

namespace vs::runtime::console {

namespace {

void hex(std::string& out, unsigned char c) {
    char b[5];
    std::snprintf(b, sizeof b, "\\x%02x", c);
    out += b;
}

}  // namespace

std::string Sanitizer::feed(std::string_view in) {
    std::string out;
    out.reserve(in.size() + 16);
    for (char ch : in) {
        auto c = static_cast<unsigned char>(ch);
        if (pending_c2_) {
            pending_c2_ = false;
            // U+0080..U+009F: C1 controls (CSI is U+009B), which UTF-8 terminals obey.
            if (c >= 0x80 && c <= 0x9f) {
                hex(out, 0xc2);
                hex(out, c);
                continue;
            }
            out += '\xc2';
        }
        if (c == '\n' || c == '\t') {
            out += ch;
        } else if (c == '\r') {
            continue;
        } else if (c < 0x20) {
            out += '^';
            out += static_cast<char>(c + 0x40);
        } else if (c == 0x7f) {
            out += "^?";
        } else if (c == 0xc2) {
            pending_c2_ = true;
        } else if (c >= 0x80 && c <= 0x9f) {
            hex(out, c);  // a lone C1 byte: an 8-bit terminal's control
        } else {
            out += ch;
        }
    }
    return out;
}

Result<RotatingLog> RotatingLog::open(const std::string& dir, uint64_t limit) {
    VS_TRY(sys::mkdir_p(dir, 0700));
    std::string path = dir + "/console.log";
    auto fd = VS_TRY(sys::open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return errno_error(fmt::format("stat \"{}\"", path));
    if (!S_ISREG(st.st_mode)) return make_error(EINVAL, "\"{}\" is not a regular file", path);
    return RotatingLog(std::move(path), std::move(fd), static_cast<uint64_t>(st.st_size), limit);
}

Status RotatingLog::rotate() {
    std::string old = path_ + ".1";
    if (::rename(path_.c_str(), old.c_str()) < 0)
        return errno_error(fmt::format("rename \"{}\" to \"{}\"", path_, old));
    fd_ = VS_TRY(sys::open(path_, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    size_ = 0;
    return ok();
}

Status RotatingLog::write(std::string_view text) {
    while (!text.empty()) {
        if (size_ >= limit_) VS_TRY(rotate());
        size_t n = std::min<uint64_t>(text.size(), limit_ - size_);
        ssize_t w = ::write(fd_.get(), text.data(), n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return errno_error(fmt::format("write \"{}\"", path_));
        }
        size_ += static_cast<uint64_t>(w);
        text.remove_prefix(static_cast<size_t>(w));
    }
    return ok();
}

}  // namespace vs::runtime::console
