// Reading an OCI bundle's config.json (runtime-spec 1.0-1.2) into spec::oci::Spec, checked:
// every error names the file, the JSON path and the value (docs/oci.md "config.json").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "config/oci/node.hpp"
#include "spec/oci_spec.hpp"

namespace vs::config::oci {

/// Largest config.json read: a full seccomp profile is ~30 KiB; anything near this is not a
/// config a runtime should trust its memory to.
inline constexpr size_t kMaxConfigBytes = 16 << 20;

/// Parses config.json text. `bundle` is the absolute bundle directory (root.path is resolved
/// against it). Errors read "linux.namespaces[2].type: unknown namespace \"foo\"" (the caller
/// names the file). Properties the spec does not define are ignored, as the spec requires, and
/// their paths appended to `ignored` when it is given.
Result<spec::oci::Spec> parse_config(std::string_view text, const std::string& bundle,
                                     Ignored* ignored = nullptr);

/// Reads and parses <bundle>/config.json: a regular file of at most kMaxConfigBytes (a FIFO or
/// device is refused before it is opened). A relative `bundle` is taken from the current
/// directory. Errors start with the file's path.
Result<spec::oci::Spec> read_bundle(const std::string& bundle, Ignored* ignored = nullptr);

/// Parses a process object on its own (`exec --process FILE`): the same rules as config.json's
/// "process"; paths in errors are relative to it ("user.uid: ...").
Result<spec::oci::Process> parse_process(std::string_view text, Ignored* ignored = nullptr);

/// Reads and parses a process file (`exec --process FILE`), safely as read_bundle does.
Result<spec::oci::Process> read_process(const std::string& path, Ignored* ignored = nullptr);

/// Parses a linux.resources object on its own (`update --resources FILE|-`).
Result<spec::oci::Resources> parse_resources(std::string_view text, Ignored* ignored = nullptr);

/// Checks the parts of a parsed Spec that depend on each other (namespaces against mappings,
/// sysctls, hostname, time offsets, mounts' idmaps, seccomp listener). parse_config runs it; a
/// caller that edits a Spec runs it again.
Status check_spec(const spec::oci::Spec& s);

/// "1.0.2", "1.1.0-rc.1", "1.2.0": the versions this parser reads (1.0.x to 1.2.x, a
/// pre-release suffix allowed: podman and containerd write "1.0.2-dev").
bool supported_version(std::string_view v);

// Internal pieces, one file each (parse_*.cpp), exposed for the unit tests.
Result<spec::oci::Process> parse_process_node(const Node& n);
Result<spec::oci::Mount> parse_mount_node(const Node& n);
Result<std::vector<spec::oci::IdMapping>> parse_id_mappings(const Node& n);
Result<spec::oci::Linux> parse_linux_node(const Node& n);
Result<spec::oci::Resources> parse_resources_node(const Node& n);
Result<spec::oci::Seccomp> parse_seccomp_node(const Node& n);

/// Every mount option parse_mount_node knows, in its tables' order (for `vsrun features`).
std::vector<std::string> known_mount_options();

/// The seccomp names parse_seccomp_node maps ("SCMP_ACT_ERRNO", "SCMP_CMP_EQ",
/// "SCMP_ARCH_X86_64", "SECCOMP_FILTER_FLAG_LOG").
struct SeccompNames {
    std::vector<std::string> actions, operators, archs, flags;
};
SeccompNames seccomp_names();

/// Parses JSON text (nlohmann's exceptions caught here); `what` names the input in errors.
Result<nlohmann::json> parse_json(std::string_view text);

}  // namespace vs::config::oci
