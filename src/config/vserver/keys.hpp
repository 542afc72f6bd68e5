// Internal to the registry: the key groups (one file each) and helpers for writing rows.
#pragma once

#include <string>
#include <vector>

#include "config/vserver/registry.hpp"

namespace vs::config::vserver::rows {

void add_identity(std::vector<Key>& out);    // keys_identity.cpp
void add_network(std::vector<Key>& out);     // keys_network.cpp
void add_security(std::vector<Key>& out);    // keys_security.cpp
void add_init(std::vector<Key>& out);        // keys_init.cpp
void add_filesystem(std::vector<Key>& out);  // keys_filesystem.cpp
void add_limits(std::vector<Key>& out);      // keys_limits.cpp
void add_resources(std::vector<Key>& out);   // keys_resources.cpp
void add_unify(std::vector<Key>& out);       // keys_unify.cpp
void add_layered(std::vector<Key>& out);     // keys_layered.cpp
/// Key::applies, builtin and applies_hint of every row (key_effects.cpp).
void fill_effects(std::vector<Key>& keys);

/// A writer for keys whose value another row writes (aliases, derived keys): emits nothing.
inline void write_nothing(const spec::GuestSpec&, std::vector<OutFile>&) {}

inline void text(std::vector<OutFile>& out, std::string rel, std::string content) {
    out.push_back({OutFile::Type::Text, std::move(rel), std::move(content)});
}
inline void line(std::vector<OutFile>& out, std::string rel, const std::string& value) {
    text(out, std::move(rel), value + "\n");
}
inline void flag_file(std::vector<OutFile>& out, std::string rel) { text(out, std::move(rel), ""); }

}  // namespace vs::config::vserver::rows
