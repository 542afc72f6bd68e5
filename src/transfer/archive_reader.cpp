// Reader: libarchive's tar reader with in-process filters.
#include "transfer/archive_reader.hpp"

#include <fcntl.h>

#include <optional>

#include "base/sys.hpp"

namespace vs::transfer {

Result<Reader> Reader::open(const std::string& file) {
    Reader r;
    r.fd = VS_TRY(sys::open(file, O_RDONLY | O_CLOEXEC));
    r.a.reset(archive_read_new());
    archive* a = r.a.get();
    archive_read_support_format_tar(a);
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_zstd(a);
    if (archive_read_open_fd(a, r.fd.get(), 1 << 16) != ARCHIVE_OK)
        return make_error(EINVAL, "archive \"{}\": {}", file, r.error());
    return r;
}

std::string Reader::error() const {
    const char* s = archive_error_string(a.get());
    return s ? s : "unknown libarchive error";
}

std::optional<std::string> member_of(const std::string& path, const std::string& prefix) {
    std::string p = path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    if (p == prefix) return std::string();
    if (p.size() > prefix.size() && p.compare(0, prefix.size(), prefix) == 0 &&
        p[prefix.size()] == '/')
        return p.substr(prefix.size() + 1);
    return std::nullopt;
}

bool safe_relative(const std::string& rel) {
    if (rel.empty() || rel[0] == '/') return false;
    size_t start = 0;
    for (;;) {
        size_t end = rel.find('/', start);
        std::string c =
            rel.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (c.empty() || c == "." || c == "..") return false;
        if (end == std::string::npos) return true;
        start = end + 1;
    }
}

}  // namespace vs::transfer
