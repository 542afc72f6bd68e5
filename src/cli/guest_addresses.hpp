// A running guest's addresses for status displays (`vserver NAME status`, `vserver-stat --json`).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "config/paths.hpp"

namespace vs::cli {

/// [{"dev": "eth0", "ip": "192.0.2.10", "prefix": 24}, ...] of the guest's live addresses; []
/// when it is stopped or has loopback only, null when they cannot be read.
nlohmann::json guest_addresses_json(const config::Paths& paths, const std::string& guest);

/// "192.0.2.10/24 (eth0), 2001:db8::10/64 (eth0)"; "" when there are none or on error.
std::string guest_addresses_text(const config::Paths& paths, const std::string& guest);

}  // namespace vs::cli
