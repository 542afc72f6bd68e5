// Build method names.
#include "store/build_request.hpp"

namespace vs::store {

std::optional<Method> method_from_name(std::string_view n) {
    if (n == "skeleton") return Method::Skeleton;
    if (n == "template") return Method::Template;
    if (n == "debootstrap") return Method::Debootstrap;
    if (n == "clone") return Method::Clone;
    if (n == "rsync") return Method::Rsync;
    return std::nullopt;
}

const char* method_name(Method m) {
    switch (m) {
        case Method::Skeleton:
            return "skeleton";
        case Method::Template:
            return "template";
        case Method::Debootstrap:
            return "debootstrap";
        case Method::Clone:
            return "clone";
        case Method::Rsync:
            return "rsync";
    }
    return "?";
}

}  // namespace vs::store
