// Legacy import: read, convert, stage, check, rename in.
#include "runtime/import_legacy.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "base/sys.hpp"
#include "config/legacy/convert.hpp"
#include "config/legacy/legacy_file.hpp"
#include "config/legacy/shell_vars.hpp"
#include "config/vserver/new_config.hpp"
#include "config/vserver/tree.hpp"
#include "runtime/runtime.hpp"
#include "spec/validate.hpp"

namespace vs::runtime {

namespace cv = config::vserver;

namespace {

// A legacy config is a few dozen lines; anything this large is not one.
constexpr size_t kLegacyCap = 256 * 1024;

Result<std::string> read_legacy(const std::string& file) {
    // O_NOFOLLOW|O_NONBLOCK: a symlink or a FIFO put where the file was expected is refused,
    // never followed or waited on.
    auto fd = VS_TRY(sys::open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return errno_error(fmt::format("stat \"{}\"", file));
    if (!S_ISREG(st.st_mode)) return make_error(EINVAL, "\"{}\" is not a regular file", file);
    if (static_cast<size_t>(st.st_size) > kLegacyCap)
        return make_error(EFBIG, "\"{}\" is {} bytes: not a legacy vserver config", file,
                          st.st_size);
    return sys::read_all(fd.get(), file);
}

}  // namespace

Result<LegacyImport> import_legacy(const config::Paths& paths, const std::string& name,
                                   std::string file, bool* bad_input) {
    auto refuse = [&](Error e) {
        if (bad_input) *bad_input = true;
        return e;
    };
    if (auto v = spec::validate_name(name); !v) return refuse(std::move(v).error());
    if (file.empty()) file = config::legacy::legacy_file(paths, name);
    LegacyImport out;
    out.file = file;
    out.config_dir = paths.guest_config(name);
    if (sys::exists(out.config_dir) || sys::readlink(out.config_dir))
        return refuse(make_error(EEXIST,
                                 "guest \"{}\" has a config dir already (\"{}\"); import-legacy "
                                 "only makes a new one",
                                 name, out.config_dir));
    auto text = read_legacy(file);
    if (!text) return refuse(std::move(text).error());
    auto vars = config::legacy::parse_shell_vars(*text, file);
    if (!vars) return refuse(std::move(vars).error());
    auto conv = config::legacy::convert(*vars, file);
    if (!conv) return refuse(std::move(conv).error());

    auto base = VS_TRY(cv::base_spec(paths, name));
    auto spec = base;
    spec.init.style = conv->style;
    auto staged = cv::NewConfig::stage(paths, spec);
    if (!staged) return refuse(std::move(staged).error());
    if (auto e = staged->edit(base, conv->edit()); !e)
        return refuse(std::move(e).error().wrap(fmt::format("convert \"{}\"", file)));
    if (auto c = check_addresses(paths, staged->loaded().spec); !c)
        return refuse(std::move(c).error().wrap(fmt::format("convert \"{}\"", file)));
    VS_TRY(staged->commit(false));
    out.files = conv->files;
    out.dropped = conv->dropped;
    out.unknown = conv->unknown;
    out.warnings = staged->loaded().warnings;
    return out;
}

}  // namespace vs::runtime
