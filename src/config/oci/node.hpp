// oci::Node: a position in a parsed config.json with its JSON path, and the typed reads that
// name that path and the value in every error ("linux.namespaces[2].type: ...").
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace vs::config::oci {

/// JSON paths of properties the parser did not know and ignored (the runtime spec's rule:
/// "MUST ignore unknown properties"), for the caller to log.
using Ignored = std::vector<std::string>;

class Node {
public:
    using json = nlohmann::json;

    /// `j` may be null: a property that is absent. `ignored` may be null.
    Node(const json* j, std::string path, Ignored* ignored)
        : j_(j), path_(std::move(path)), ignored_(ignored) {}

    /// Present and not JSON null (Go's encoding/json, which the engines use, reads null as
    /// absent, so we do too).
    bool present() const { return j_ && !j_->is_null(); }
    const std::string& path() const { return path_; }
    const json& raw() const { return *j_; }

    /// The member `key` (absent when this is not an object or lacks it). Member paths use dots
    /// ("process.user.uid"), or ["key"] when the key is no identifier (annotations, sysctl).
    Node operator[](std::string_view key) const;
    /// Element `i` of an array: "mounts[3]".
    Node at(size_t i) const;

    /// "<path>: <message>" with EINVAL ("<message>" at the top).
    template <typename... A>
    Error error(fmt::format_string<A...> f, A&&... args) const {
        std::string m = fmt::format(f, std::forward<A>(args)...);
        return path_.empty() ? Error(EINVAL, std::move(m)) : make_error(EINVAL, "{}: {}", path_, m);
    }

    /// Type checks: "expected an object, got 3".
    Status expect_object() const;
    Status expect_array() const;
    /// The elements of an array (empty when absent).
    Result<std::vector<Node>> elements() const;
    /// The members of an object (empty when absent), in key order.
    Result<std::vector<std::pair<std::string, Node>>> members() const;
    /// Records every member of this object not in `keys` as ignored.
    void note_unknown(std::initializer_list<std::string_view> keys) const;
    /// Refuses the member `key` when present: a field of the spec vsrun does not implement.
    Status refuse(std::string_view key, std::string_view why) const;

    Result<std::string> str() const;  ///< a string without NUL bytes
    Result<bool> boolean() const;
    Result<int64_t> i64() const;
    Result<uint64_t> u64() const;
    /// An integer in [lo, hi].
    Result<int64_t> int_in(int64_t lo, int64_t hi) const;
    Result<uint32_t> u32() const;
    /// A one-letter string out of `letters` ("cbup": a device type).
    Result<char> letter(std::string_view letters) const;
    Result<std::vector<std::string>> strings() const;               ///< an array of strings
    Result<std::map<std::string, std::string>> string_map() const;  ///< object of strings

    /// `path` is absolute, NUL-free and has no ".." component.
    Result<std::string> abs_path() const;

    /// The value for a message: a quoted (escaped, cut) string, a number, or "an object".
    std::string show() const;

private:
    const json* j_;
    std::string path_;
    Ignored* ignored_;
};

/// An optional read inside a function returning Result/Status: nullopt when `node` is absent
/// or null, else the value of node.method(), returning its error from the enclosing function.
#define VS_OCI_OPT(node, method)                                         \
    ({                                                                   \
        const ::vs::config::oci::Node& vs_oci_n_ = (node);               \
        using vs_oci_t_ = std::decay_t<decltype(*vs_oci_n_.method())>;   \
        std::optional<vs_oci_t_> vs_oci_o_;                              \
        if (vs_oci_n_.present()) vs_oci_o_ = VS_TRY(vs_oci_n_.method()); \
        vs_oci_o_;                                                       \
    })

}  // namespace vs::config::oci
