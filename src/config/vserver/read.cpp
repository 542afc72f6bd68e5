// read_config_file: the tree's caps over sys::read_regular.
#include "config/vserver/read.hpp"

#include <cerrno>

#include "base/safe_read.hpp"
#include "base/strings.hpp"
#include "config/vserver/values.hpp"

namespace vs::config::vserver {

size_t cap_for(FileKind kind) {
    return kind == FileKind::Scalar || kind == FileKind::Bool ? kScalarCap : kTextCap;
}

Result<std::string> read_config_file(const std::string& path, FileKind kind) {
    return sys::read_regular(path, {cap_for(kind), false});
}

Result<std::optional<std::string>> read_optional(const std::string& path, FileKind kind) {
    auto text = read_config_file(path, kind);
    if (!text) {
        if (text.error().code == ENOENT) return std::optional<std::string>{};
        return std::move(text).error();
    }
    return std::optional<std::string>(std::move(*text));
}

std::optional<uint32_t> peek_context(const Paths& paths, const std::string& guest) {
    auto text = read_config_file(paths.guest_config(guest) + "/context", FileKind::Scalar);
    if (!text) return std::nullopt;
    auto n = str::parse_u64(scalar(*text));
    if (!n || *n > UINT32_MAX) return std::nullopt;
    return static_cast<uint32_t>(*n);
}

}  // namespace vs::config::vserver
