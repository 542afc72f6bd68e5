// debootstrap invocation and its pre-flight checks.
#include "store/debootstrap.hpp"

#include <cctype>
#include <cerrno>

#include "base/exec.hpp"
#include "base/sys.hpp"
#include "store/apt_sources.hpp"

namespace vs::store {

namespace {

std::string debootstrap_bin() {
    // /usr/sbin may be missing from a non-login root PATH.
    return sys::exists("/usr/sbin/debootstrap") ? "/usr/sbin/debootstrap" : "debootstrap";
}

}  // namespace

Status prepare_debootstrap(DebootstrapArgs& args) {
    if (args.suite.empty()) return make_error(EINVAL, "debootstrap: -d DISTRIBUTION is required");
    for (char c : args.suite)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
            return make_error(EINVAL, "debootstrap: -d \"{}\": not a distribution name",
                              args.suite);
    if (!sys::exists("/usr/sbin/debootstrap")) {
        exec::Options quiet;
        quiet.quiet = true;
        auto probe = exec::run({"debootstrap", "--version"}, quiet);
        if (!probe)
            return make_error(ENOENT, "debootstrap: not installed (Debian package debootstrap)");
    }
    if (args.mirror.empty()) {
        args.mirror = VS_TRY(apt::default_mirror(args.suite).wrap("debootstrap: default mirror"));
    } else if (args.mirror.find("://") == std::string::npos &&
               !(args.mirror.size() > 5 && args.mirror.compare(0, 5, "file:") == 0)) {
        return make_error(EINVAL, "debootstrap: -m \"{}\": not a URL", args.mirror);
    }
    return ok();
}

std::vector<std::string> debootstrap_argv(const DebootstrapArgs& args, const std::string& root,
                                          bool sysv) {
    std::vector<std::string> argv = {debootstrap_bin()};
    bool included = false;
    for (size_t i = 0; i < args.extra.size(); ++i) {
        std::string a = args.extra[i];
        if (sysv && a.rfind("--include=", 0) == 0) {
            if (a.find("sysv-rc") == std::string::npos) a += ",sysv-rc";
            included = true;
        } else if (sysv && a == "--include" && i + 1 < args.extra.size()) {
            argv.push_back(a);
            a = args.extra[++i];
            if (a.find("sysv-rc") == std::string::npos) a += ",sysv-rc";
            included = true;
        }
        argv.push_back(a);
    }
    if (sysv && !included) argv.push_back("--include=sysv-rc");
    argv.push_back(args.suite);
    argv.push_back(root);
    argv.push_back(args.mirror);
    return argv;
}

Status run_debootstrap(const DebootstrapArgs& args, const std::string& root, bool sysv) {
    return exec::run_checked(debootstrap_argv(args, root, sysv)).wrap("debootstrap {}", args.suite);
}

}  // namespace vs::store
