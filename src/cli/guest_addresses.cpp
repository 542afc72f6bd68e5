// guest_addresses_json / _text over net::live_address_list.
#include "cli/guest_addresses.hpp"

#include <fmt/format.h>

#include "net/live_view.hpp"

namespace vs::cli {

nlohmann::json guest_addresses_json(const config::Paths& paths, const std::string& guest) {
    auto list = net::live_address_list(paths.guest_run(guest));
    if (!list) return nullptr;
    nlohmann::json out = nlohmann::json::array();
    for (const auto& a : *list)
        out.push_back({{"dev", a.dev}, {"ip", a.addr.addr.to_string()}, {"prefix", a.addr.prefix}});
    return out;
}

std::string guest_addresses_text(const config::Paths& paths, const std::string& guest) {
    auto list = net::live_address_list(paths.guest_run(guest));
    if (!list) return "";
    std::string out;
    for (const auto& a : *list) {
        if (!out.empty()) out += ", ";
        out += a.addr.to_string();
        if (!a.dev.empty()) out += fmt::format(" ({})", a.dev);
    }
    return out;
}

}  // namespace vs::cli
