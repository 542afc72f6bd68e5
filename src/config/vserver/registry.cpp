// The key registry: assembles the key groups, matches relative paths, renders a spec.
#include "config/vserver/registry.hpp"


#include "base/strings.hpp"
#include "config/vserver/keys.hpp"
#include "spec/capabilities.hpp"
#include "spec/context_flags.hpp"

namespace vs::config::vserver {

const char* kind_name(FileKind k) {
    switch (k) {
        case FileKind::Scalar: return "scalar";
        case FileKind::List: return "list";
        case FileKind::Bool: return "bool";
        case FileKind::Hash: return "hash";
        case FileKind::Link: return "link";
        case FileKind::Program: return "program";
        case FileKind::Data: return "data";
    }
    return "?";
}

const std::vector<Key>& keys() {
    static const std::vector<Key> all = [] {
        std::vector<Key> v;
        rows::add_identity(v);
        rows::add_network(v);
        rows::add_security(v);
        rows::add_init(v);
        rows::add_filesystem(v);
        rows::add_limits(v);
        rows::add_resources(v);
        return v;
    }();
    return all;
}

namespace {

// Splits `rel` by the pattern's '*'s: each '*' matches a non-empty run without '/'.
bool match(std::string_view pat, std::string_view rel, std::vector<std::string>* parts) {
    if (pat.empty()) return rel.empty();
    if (pat[0] == '*') {
        size_t stop = rel.find('/');
        if (stop == std::string_view::npos) stop = rel.size();
        // Longest first so "scripts/*" never swallows what "scripts/*.d/*" is meant to get:
        // patterns are distinct by their '/' count anyway.
        for (size_t n = stop; n >= 1; --n) {
            size_t mark = parts ? parts->size() : 0;
            if (parts) parts->emplace_back(rel.substr(0, n));
            if (match(pat.substr(1), rel.substr(n), parts)) return true;
            if (parts) parts->resize(mark);
        }
        return false;
    }
    if (rel.empty() || pat[0] != rel[0]) return false;
    return match(pat.substr(1), rel.substr(1), parts);
}

}  // namespace

const Key* find_key(std::string_view rel, std::vector<std::string>* parts) {
    // Exact patterns win over wildcard ones ("interfaces/dev" before "interfaces/*/..."): the
    // first matching row in registry order is taken, and groups list exact rows first.
    for (const auto& k : keys()) {
        std::vector<std::string> p;
        if (match(k.pattern, rel, &p)) {
            if (parts) *parts = std::move(p);
            return &k;
        }
    }
    return nullptr;
}

void apply_defaults(spec::GuestSpec& spec) {
    spec.caps.bounding = spec::default_bounding_set();
    spec.caps.ccaps = spec::default_ccaps();
    spec.flags.names = spec::default_cflags();
}

std::vector<OutFile> render(const spec::GuestSpec& spec) {
    std::vector<OutFile> out;
    for (const auto& k : keys()) k.write(spec, out);
    return out;
}

}  // namespace vs::config::vserver
