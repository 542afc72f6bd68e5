// config.json's top level: ociVersion, root, hostname, hooks, annotations, and the file reads.
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "base/safe_read.hpp"
#include "base/strings.hpp"
#include "config/oci/parse.hpp"
#include "spec/validate.hpp"

namespace vs::config::oci {

namespace so = vs::spec::oci;

namespace {

/// `/a/./b//c/` -> `/a/b/c`; ".." removes the previous component (never above "/").
std::string normalize(const std::string& p) {
    std::vector<std::string> parts;
    for (const auto& c : str::split(p, '/')) {
        if (c == ".") continue;
        if (c == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(c);
    }
    // Appended, not "/" + join(): GCC 12 at -O3 reports a false -Wrestrict overlap for
    // operator+(const char*, std::string&&) (GCC bug 105329), an error under VS_WERROR.
    std::string out = "/";
    out += str::join(parts, "/");
    return out;
}

Result<std::string> absolute(const std::string& p) {
    if (p.empty()) return make_error(EINVAL, "empty path");
    if (p.front() == '/') return normalize(p);
    char buf[PATH_MAX];
    if (!::getcwd(buf, sizeof buf)) return errno_error("getcwd");
    return normalize(std::string(buf) + "/" + p);
}

Result<so::Hook> parse_hook(const Node& n) {
    VS_TRY(n.expect_object());
    n.note_unknown({"path", "args", "env", "timeout"});
    so::Hook h;
    h.path = VS_TRY(n["path"].abs_path());
    h.args = VS_TRY(n["args"].strings());
    h.env = VS_TRY(n["env"].strings());
    for (size_t i = 0; i < h.env.size(); ++i)
        if (h.env[i].empty() || h.env[i].front() == '=' || h.env[i].find('=') == std::string::npos)
            return n["env"].at(i).error("{} is not KEY=value", str::quote(h.env[i]));
    if (n["timeout"].present()) {
        // The spec: "timeout MUST be greater than zero".
        h.timeout_s = static_cast<int>(VS_TRY(n["timeout"].int_in(1, INT_MAX)));
    }
    return h;
}

Result<std::vector<so::Hook>> parse_hook_list(const Node& n) {
    std::vector<so::Hook> out;
    for (const auto& e : VS_TRY(n.elements())) out.push_back(VS_TRY(parse_hook(e)));
    return out;
}

Result<so::Hooks> parse_hooks(const Node& n) {
    so::Hooks h;
    if (!n.present()) return h;
    VS_TRY(n.expect_object());
    n.note_unknown({"prestart", "createRuntime", "createContainer", "startContainer", "poststart",
                    "poststop"});
    h.prestart = VS_TRY(parse_hook_list(n["prestart"]));
    h.create_runtime = VS_TRY(parse_hook_list(n["createRuntime"]));
    h.create_container = VS_TRY(parse_hook_list(n["createContainer"]));
    h.start_container = VS_TRY(parse_hook_list(n["startContainer"]));
    h.poststart = VS_TRY(parse_hook_list(n["poststart"]));
    h.poststop = VS_TRY(parse_hook_list(n["poststop"]));
    return h;
}

Result<so::Root> parse_root(const Node& n, const std::string& bundle) {
    if (!n.present()) return n.error("required on Linux: the container's root filesystem");
    VS_TRY(n.expect_object());
    n.note_unknown({"path", "readonly"});
    so::Root r;
    Node p = n["path"];
    std::string path = VS_TRY(p.str());
    if (path.empty()) return p.error("empty");
    // The spec: a relative path is relative to the bundle.
    r.path = path.front() == '/' ? normalize(path) : normalize(bundle + "/" + path);
    if (auto ro = VS_OCI_OPT(n["readonly"], boolean)) r.readonly = *ro;
    return r;
}

Result<std::string> parse_uts(const Node& n, const char* what) {
    if (!n.present()) return std::string();
    std::string v = VS_TRY(n.str());
    auto st = spec::validate_uts_name(what, v);
    if (!st) return n.error("{}", st.error().message);
    return v;
}

Status check_annotations(const Node& n, const std::map<std::string, std::string>& a) {
    for (const auto& [k, v] : a)
        if (k.empty()) return n.error("an annotation key is empty");
    return ok();
}

}  // namespace

bool supported_version(std::string_view v) {
    // MAJOR.MINOR.PATCH[-pre][+build] (semver), 1.0 to 1.2.
    auto cut = v.find_first_of("-+");
    std::string_view core = v.substr(0, cut);
    if (cut != std::string_view::npos && cut + 1 == v.size()) return false;
    auto parts = str::split(core, '.', false);
    if (parts.size() != 3) return false;
    for (const auto& p : parts)
        if (p.empty() || p.size() > 9 || p.find_first_not_of("0123456789") != std::string::npos)
            return false;
    return parts[0] == "1" && (parts[1] == "0" || parts[1] == "1" || parts[1] == "2");
}

Result<nlohmann::json> parse_json(std::string_view text) {
    // nlohmann throws on bad input; this is the parser edge (DESIGN.md §3).
    try {
        return nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception& e) {
        std::string m = e.what();
        // "[json.exception.parse_error.101] parse error at line 3, column 1: ..." -> the part
        // after the tag.
        if (auto p = m.find("] "); m.front() == '[' && p != std::string::npos) m.erase(0, p + 2);
        return make_error(EINVAL, "not valid JSON: {}", str::escape_control(m));
    }
}

Result<so::Spec> parse_config(std::string_view text, const std::string& bundle, Ignored* ignored) {
    auto j = VS_TRY(parse_json(text));
    Node top(&j, "", ignored);
    if (!j.is_object()) return make_error(EINVAL, "expected a JSON object, got {}", top.show());
    top.note_unknown({"ociVersion", "root", "mounts", "process", "hostname", "domainname", "hooks",
                      "annotations", "linux", "solaris", "windows", "vm", "zos"});
    so::Spec s;
    s.bundle = bundle;
    Node ver = top["ociVersion"];
    if (!ver.present()) return ver.error("required");
    s.oci_version = VS_TRY(ver.str());
    if (!supported_version(s.oci_version))
        return ver.error("unsupported version {} (1.0.x, 1.1.x and 1.2.x are read)", ver.show());
    // Sections for other platforms say nothing to a Linux runtime.
    for (const char* other : {"solaris", "windows", "vm", "zos"})
        if (top[other].present()) VS_TRY(top[other].expect_object());
    s.root = VS_TRY(parse_root(top["root"], bundle));
    for (const auto& m : VS_TRY(top["mounts"].elements()))
        s.mounts.push_back(VS_TRY(parse_mount_node(m)));
    if (top["process"].present()) s.process = VS_TRY(parse_process_node(top["process"]));
    s.hostname = VS_TRY(parse_uts(top["hostname"], "hostname"));
    s.domainname = VS_TRY(parse_uts(top["domainname"], "domainname"));
    s.hooks = VS_TRY(parse_hooks(top["hooks"]));
    s.annotations = VS_TRY(top["annotations"].string_map());
    VS_TRY(check_annotations(top["annotations"], s.annotations));
    // A Linux runtime needs the linux section for namespaces; without it every namespace would
    // be the caller's, which is what an empty "linux": {} asks for explicitly.
    Node lx = top["linux"];
    if (!lx.present()) return lx.error("required on Linux (at least the namespaces)");
    s.linux = VS_TRY(parse_linux_node(lx));
    VS_TRY(check_spec(s));
    return s;
}

Result<so::Spec> read_bundle(const std::string& bundle, Ignored* ignored) {
    std::string dir = VS_TRY(absolute(bundle).wrap("bundle {}", str::quote(bundle)));
    std::string file = dir == "/" ? "/config.json" : dir + "/config.json";
    // The bundle is the engine's, not the container's: a symlinked config.json is followed.
    auto text = VS_TRY(sys::read_regular(file, {kMaxConfigBytes, true}));
    return std::move(parse_config(text, dir, ignored)).wrap("{}", file);
}

Result<so::Process> parse_process(std::string_view text, Ignored* ignored) {
    auto j = VS_TRY(parse_json(text));
    return parse_process_node(Node(&j, "", ignored));
}

Result<so::Process> read_process(const std::string& path, Ignored* ignored) {
    auto text = VS_TRY(sys::read_regular(path, {kMaxConfigBytes, true}));
    return std::move(parse_process(text, ignored)).wrap("{}", path);
}

Result<so::Resources> parse_resources(std::string_view text, Ignored* ignored) {
    auto j = VS_TRY(parse_json(text));
    return parse_resources_node(Node(&j, "", ignored));
}

}  // namespace vs::config::oci
