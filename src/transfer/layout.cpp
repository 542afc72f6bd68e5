// Compression chosen from the archive's file name.
#include "transfer/layout.hpp"

#include <string_view>

namespace vs::transfer {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Result<Compression> compression_for(const std::string& file) {
    if (ends_with(file, ".tar")) return Compression::None;
    if (ends_with(file, ".tar.gz") || ends_with(file, ".tgz")) return Compression::Gzip;
    if (ends_with(file, ".tar.xz") || ends_with(file, ".txz")) return Compression::Xz;
    if (ends_with(file, ".tar.zst") || ends_with(file, ".tar.zstd") || ends_with(file, ".tzst"))
        return Compression::Zstd;
    return make_error(
        EINVAL, "archive \"{}\": unknown extension (use .tar, .tar.gz, .tar.xz or .tar.zst)", file);
}

const char* compression_name(Compression c) {
    switch (c) {
        case Compression::None:
            return "none";
        case Compression::Gzip:
            return "gzip";
        case Compression::Xz:
            return "xz";
        case Compression::Zstd:
            return "zstd";
    }
    return "?";
}

}  // namespace vs::transfer
