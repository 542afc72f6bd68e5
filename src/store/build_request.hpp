// BuildRequest: what `vserver NAME build` asked for, fully parsed and validated as data.
#pragma once

#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "spec/guest_spec.hpp"

namespace vs::store {

enum class Method { Skeleton, Template, Debootstrap, Clone, Rsync };

/// "skeleton" -> Method::Skeleton; nullopt for an unknown name.
std::optional<Method> method_from_name(std::string_view name);
const char* method_name(Method m);

/// `-- -t ARCHIVE...` (template).
struct TemplateArgs {
    std::vector<std::string> archives;
};

/// `-- -d SUITE [-m MIRROR] [-- debootstrap args]`.
struct DebootstrapArgs {
    std::string suite;
    std::string mirror;  ///< empty: the first Debian mirror in the host's apt sources
    std::vector<std::string> extra;
};

/// `-- --source GUEST|DIR [-o rsync-opt]... [-- rsync args]` (clone, rsync).
struct CopyArgs {
    std::string source;
    std::vector<std::string> rsync_opts;
    /// clone --layered: the root is an overlay of a shared base of the source and the guest's
    /// own upper dir (store/layered_root.hpp).
    bool layered = false;
};

struct BuildRequest {
    /// name, context (optional: allocated at commit), nodename, interfaces, flags.names,
    /// init.style (when `initstyle_given`). Paths (root, config_dir, cache_dir) are filled by
    /// build.
    spec::GuestSpec spec;
    bool initstyle_given = false;
    std::string rootdir;  ///< parent of the guest root; empty: paths.vdir_base
    bool force = false;
    /// --userns / --no-userns; unset: build's default (see prepare_build).
    std::optional<bool> userns;
    Method method = Method::Skeleton;
    TemplateArgs template_args;
    DebootstrapArgs debootstrap_args;
    CopyArgs copy_args;
};

}  // namespace vs::store
