// oci::Node: typed reads of config.json values, each error naming the JSON path and value.
#include "config/oci/node.hpp"

#include <cctype>
#include <cerrno>
#include <limits>

#include "base/strings.hpp"

namespace vs::config::oci {

namespace {

bool is_identifier(std::string_view k) {
    if (k.empty()) return false;
    for (char c : k)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    return true;
}

const char* type_name(const nlohmann::json& j) {
    switch (j.type()) {
        case nlohmann::json::value_t::object:
            return "an object";
        case nlohmann::json::value_t::array:
            return "an array";
        case nlohmann::json::value_t::string:
            return "a string";
        case nlohmann::json::value_t::boolean:
            return "a boolean";
        case nlohmann::json::value_t::null:
            return "null";
        default:
            return "a number";
    }
}

}  // namespace

Node Node::operator[](std::string_view key) const {
    std::string p = is_identifier(key)
                        ? (path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key))
                        : fmt::format("{}[{}]", path_, str::quote(key));
    if (!present() || !j_->is_object()) return Node(nullptr, std::move(p), ignored_);
    auto it = j_->find(key);
    return Node(it == j_->end() ? nullptr : &*it, std::move(p), ignored_);
}

Node Node::at(size_t i) const { return Node(&(*j_)[i], fmt::format("{}[{}]", path_, i), ignored_); }

std::string Node::show() const {
    if (!j_) return "nothing";
    if (j_->is_string()) return str::quote(j_->get_ref<const std::string&>());
    // Only scalars are printed: dump() recurses, and a value may nest deeply.
    if (j_->is_object() || j_->is_array() || j_->is_null()) return type_name(*j_);
    return j_->dump();
}

Status Node::expect_object() const {
    if (!present() || !j_->is_object()) return error("expected an object, got {}", show());
    return ok();
}

Status Node::expect_array() const {
    if (!present() || !j_->is_array()) return error("expected an array, got {}", show());
    return ok();
}

Result<std::vector<Node>> Node::elements() const {
    std::vector<Node> out;
    if (!present()) return out;
    VS_TRY(expect_array());
    out.reserve(j_->size());
    for (size_t i = 0; i < j_->size(); ++i) out.push_back(at(i));
    return out;
}

Result<std::vector<std::pair<std::string, Node>>> Node::members() const {
    std::vector<std::pair<std::string, Node>> out;
    if (!present()) return out;
    VS_TRY(expect_object());
    for (auto it = j_->begin(); it != j_->end(); ++it) {
        if (it.key().find('\0') != std::string::npos)
            return error("a key holds a NUL byte: {}", str::quote(it.key()));
        out.emplace_back(it.key(), (*this)[it.key()]);
    }
    return out;
}

void Node::note_unknown(std::initializer_list<std::string_view> keys) const {
    if (!ignored_ || !present() || !j_->is_object()) return;
    for (auto it = j_->begin(); it != j_->end(); ++it) {
        bool known = false;
        for (auto k : keys) known = known || it.key() == k;
        if (!known) ignored_->push_back((*this)[it.key()].path());
    }
}

Status Node::refuse(std::string_view key, std::string_view why) const {
    Node n = (*this)[key];
    if (n.present()) return n.error("not supported: {}", why);
    return ok();
}

Result<std::string> Node::str() const {
    if (!present() || !j_->is_string()) return error("expected a string, got {}", show());
    const auto& s = j_->get_ref<const std::string&>();
    // JSON may spell NUL as \u0000; every string here ends up in a C string (a path, an argv
    // entry, a file written in /proc), where it would silently cut the value.
    if (s.find('\0') != std::string::npos) return error("{} holds a NUL byte", show());
    return s;
}

Result<bool> Node::boolean() const {
    if (!present() || !j_->is_boolean()) return error("expected true or false, got {}", show());
    return j_->get<bool>();
}

Result<int64_t> Node::i64() const {
    if (present() && j_->is_number_unsigned()) {
        auto v = j_->get<uint64_t>();
        if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            return error("{} is out of range for a 64-bit signed integer", show());
        return static_cast<int64_t>(v);
    }
    if (present() && j_->is_number_integer()) return j_->get<int64_t>();
    return error("expected an integer, got {}", show());
}

Result<uint64_t> Node::u64() const {
    // nlohmann stores a non-negative integer as unsigned; a negative one, a fraction or an
    // integer beyond 2^64 (read as a double) is none.
    if (present() && j_->is_number_unsigned()) return j_->get<uint64_t>();
    return error("expected an unsigned integer, got {}", show());
}

Result<int64_t> Node::int_in(int64_t lo, int64_t hi) const {
    int64_t v = VS_TRY(i64());
    if (v < lo || v > hi) return error("{} is out of range {}..{}", v, lo, hi);
    return v;
}

Result<uint32_t> Node::u32() const {
    uint64_t v = VS_TRY(u64());
    if (v > std::numeric_limits<uint32_t>::max())
        return error("{} is out of range for a 32-bit unsigned integer", v);
    return static_cast<uint32_t>(v);
}

Result<char> Node::letter(std::string_view letters) const {
    auto s = str();
    if (!s) return std::move(s).error();
    if (s->size() != 1 || letters.find((*s)[0]) == std::string_view::npos) {
        std::string list;
        for (char c : letters) list += fmt::format("{}{}", list.empty() ? "" : ", ", c);
        return error("unknown type {} ({})", show(), list);
    }
    return (*s)[0];
}

Result<std::vector<std::string>> Node::strings() const {
    std::vector<std::string> out;
    for (const auto& e : VS_TRY(elements())) out.push_back(VS_TRY(e.str()));
    return out;
}

Result<std::map<std::string, std::string>> Node::string_map() const {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : VS_TRY(members())) out.emplace(k, VS_TRY(v.str()));
    return out;
}

Result<std::string> Node::abs_path() const {
    std::string s = VS_TRY(str());
    if (s.empty() || s.front() != '/') return error("{} is not an absolute path", show());
    for (const auto& part : str::split(s, '/'))
        if (part == "..") return error("{} has a \"..\" component", show());
    return s;
}

}  // namespace vs::config::oci
