// debootstrap invocation and its pre-flight checks.
#include "store/debootstrap.hpp"

#include <cctype>
#include <cerrno>

#include "base/exec.hpp"
#include "base/sys.hpp"
#include "base/wrapped.hpp"
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
            return make_error(ENOENT,
                              "debootstrap: not installed (Debian package debootstrap)");
    }
    if (args.mirror.empty()) {
        args.mirror = VS_TRY(wrapped(apt::default_mirror(args.suite), "debootstrap: default mirror"));
    } else if (args.mirror.find("://") == std::string::npos &&
               !(args.mirror.size() > 5 && args.mirror.compare(0, 5, "file:") == 0)) {
        return make_error(EINVAL, "debootstrap: -m \"{}\": not a URL", args.mirror);
    }
    return ok();
}

Status run_debootstrap(const DebootstrapArgs& args, const std::string& root) {
    std::vector<std::string> argv = {debootstrap_bin()};
    argv.insert(argv.end(), args.extra.begin(), args.extra.end());
    argv.push_back(args.suite);
    argv.push_back(root);
    argv.push_back(args.mirror);
    return exec::run_checked(argv).wrap("debootstrap {}", args.suite);
}

}  // namespace vs::store
