// The build command-line parser (hand-written: util-vserver's options come in two sections
// split by "--", and each method has its own small option set).
#include "cli/build_args.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <optional>

#include "base/strings.hpp"
#include "spec/ip_address.hpp"
#include "spec/init_style.hpp"
#include "spec/validate.hpp"

namespace vs::cli {

namespace {

Error bad(std::string_view flag, std::string_view value, std::string_view why) {
    return make_error(EINVAL, "build: {} \"{}\": {}", flag, value, why);
}

/// Walks an argument list, taking "--opt value" and "--opt=value" alike.
class ArgReader {
public:
    ArgReader(const std::vector<std::string>& a, size_t begin, size_t end)
        : a_(a), i_(begin), end_(end) {}
    bool done() const { return i_ >= end_; }
    /// The next option name (without "=value"); stashes an inline value.
    std::string next() {
        std::string s = a_[i_++];
        inline_.reset();
        if (s.size() > 2 && s.compare(0, 2, "--") == 0) {
            if (auto eq = s.find('='); eq != std::string::npos) {
                inline_ = s.substr(eq + 1);
                s.resize(eq);
            }
        }
        return s;
    }
    Result<std::string> value(const std::string& flag) {
        if (inline_) return *std::exchange(inline_, std::nullopt);
        if (i_ >= end_) return make_error(EINVAL, "build: {} needs a value", flag);
        return a_[i_++];
    }
    Status no_value(const std::string& flag) {
        if (inline_) return bad(flag, *inline_, "takes no value");
        return ok();
    }
    size_t pos() const { return i_; }

private:
    const std::vector<std::string>& a_;
    size_t i_, end_;
    std::optional<std::string> inline_;
};

Status check_hostname(const std::string& h) {
    if (h.empty() || h.size() > 64) return bad("--hostname", h, "must be 1..64 bytes");
    for (char c : h)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'))
            return bad("--hostname", h, "only letters, digits, '-', '_' and '.' are allowed");
    if (h.front() == '-' || h.front() == '.')
        return bad("--hostname", h, "must start with a letter or digit");
    return ok();
}

// The arguments after "--", read for the chosen method.
struct MethodArgs {
    store::BuildRequest& req;
    const std::vector<std::string>& a;
    ArgReader r;
    const char* m = store::method_name(req.method);

    Error err(std::string_view flag, std::string_view value, std::string_view why) const {
        return make_error(EINVAL, "build -m {}: {} \"{}\": {}", m, flag, value, why);
    }
    Result<std::string> need(const std::string& o) {
        auto v = r.value(o);
        if (!v) return make_error(EINVAL, "build -m {}: {} needs a value", m, o);
        return v;
    }
    /// What follows the reader's place: the options a "--" hands on to the tool.
    std::vector<std::string> rest() const {
        return {a.begin() + static_cast<long>(r.pos()), a.end()};
    }

    // One option `o` of a method each; true when it took the rest of the list.
    Result<bool> template_arg(const std::string& o) {
        if (o == "-t" || o == "--template") {
            auto v = VS_TRY(need(o));
            if (v.empty()) return err(o, v, "empty path");
            req.template_args.archives.push_back(v);
        } else if (o == "--nodevsanity") {
            VS_TRY(r.no_value(o));  // /dev is a tmpfs at start: nothing to repopulate
        } else {
            return err("argument", o, "unknown (expected -t ARCHIVE)");
        }
        return false;
    }
    Result<bool> debootstrap_arg(const std::string& o) {
        auto& d = req.debootstrap_args;
        if (o == "-d" || o == "--distribution") {
            d.suite = VS_TRY(need(o));
        } else if (o == "-m" || o == "--mirror") {
            d.mirror = VS_TRY(need(o));
            if (d.mirror.empty()) return err(o, "", "empty mirror");
        } else if (o == "--") {
            d.extra = rest();
            return true;
        } else {
            return err("argument", o, "unknown (expected -d DIST [-m MIRROR] [-- OPTS])");
        }
        return false;
    }
    Result<bool> copy_arg(const std::string& o) {
        auto& c = req.copy_args;
        const bool rsync = req.method == store::Method::Rsync;
        if (o == "--source" || o == "-s") {
            c.source = VS_TRY(need(o));
            if (c.source.empty()) return err(o, "", "empty source");
        } else if (!rsync && o == "--layered") {
            VS_TRY(r.no_value(o));
            c.layered = true;
        } else if (rsync && (o == "-o" || o == "--rsync-opt")) {
            c.rsync_opts.push_back(VS_TRY(need(o)));
        } else if (rsync && o == "--") {
            auto more = rest();
            c.rsync_opts.insert(c.rsync_opts.end(), more.begin(), more.end());
            return true;
        } else {
            return err("argument", o,
                       rsync ? "unknown (expected --source DIR [-o RSYNC-OPT]...)"
                             : "unknown (expected --source GUEST|DIR [--layered])");
        }
        return false;
    }

    /// What the method cannot build without.
    Status required() const {
        switch (req.method) {
            case store::Method::Template:
                if (req.template_args.archives.empty())
                    return make_error(EINVAL, "build -m template: -t ARCHIVE is required");
                break;
            case store::Method::Debootstrap:
                if (req.debootstrap_args.suite.empty())
                    return make_error(EINVAL, "build -m debootstrap: -d DISTRIBUTION is required");
                break;
            case store::Method::Clone:
            case store::Method::Rsync:
                if (req.copy_args.source.empty())
                    return make_error(EINVAL, "build -m {}: --source is required", m);
                break;
            case store::Method::Skeleton:
                break;
        }
        return ok();
    }
};

Status parse_method_args(store::BuildRequest& req, const std::vector<std::string>& a, size_t from) {
    MethodArgs p{req, a, ArgReader(a, from, a.size())};
    bool took_rest = false;
    while (!p.r.done() && !took_rest) {
        std::string o = p.r.next();
        switch (req.method) {
            case store::Method::Skeleton:
                return p.err("argument", o, "the skeleton method takes no arguments");
            case store::Method::Template:
                took_rest = VS_TRY(p.template_arg(o));
                break;
            case store::Method::Debootstrap:
                took_rest = VS_TRY(p.debootstrap_arg(o));
                break;
            case store::Method::Clone:
            case store::Method::Rsync:
                took_rest = VS_TRY(p.copy_arg(o));
                break;
        }
    }
    return p.required();
}

/// --rootdir's value made absolute (against the working directory), without a trailing '/'.
Result<std::string> rootdir_arg(const std::string& o, const std::string& v) {
    if (v.empty()) return bad(o, v, "empty path");
    std::string dir = v;
    if (v[0] != '/') {
        char cwd[4096];
        if (!::getcwd(cwd, sizeof cwd)) return bad(o, v, "cannot resolve a relative path");
        dir = std::string(cwd) + "/" + v;
    }
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    return dir;
}

/// The options that describe the guest itself (its GuestSpec); false when `o` is not one.
Result<bool> guest_option(const std::string& o, ArgReader& r, spec::GuestSpec& g,
                          bool& initstyle_given) {
    if (o == "--hostname") {
        auto v = VS_TRY(r.value(o));
        VS_TRY(check_hostname(v));
        g.nodename = v;
    } else if (o == "--interface") {
        auto v = VS_TRY(r.value(o));
        g.interfaces.push_back(VS_TRY(parse_interface_arg(v, std::to_string(g.interfaces.size()))));
    } else if (o == "--netdev") {
        auto v = VS_TRY(r.value(o));
        if (!spec::validate_ifname(v)) return bad(o, v, "not a valid interface name");
        g.default_dev = v;
    } else if (o == "--netprefix" || o == "--netmask") {
        auto netprefix = VS_TRY(r.value(o));
        auto p = spec::parse_prefix_or_mask(
            netprefix, netprefix.find(':') != std::string::npos ? AF_INET6 : AF_INET);
        if (!p) return bad(o, netprefix, p.error().message);
        g.default_prefix = *p;
    } else if (o == "--context") {
        auto v = VS_TRY(r.value(o));
        auto n = str::parse_u64(v);
        if (!n || *n < 2 || *n > 49151) return bad(o, v, "not a number in 2..49151");
        g.context = static_cast<uint32_t>(*n);
    } else if (o == "--flags") {
        auto v = VS_TRY(r.value(o));
        for (auto& f : str::split(v, ',')) {
            auto t = std::string(str::trim(f));
            if (!t.empty()) g.flags.names.push_back(t);
        }
        if (g.flags.names.empty()) return bad(o, v, "empty flag list");
    } else if (o == "--initstyle") {
        auto v = VS_TRY(r.value(o));
        g.init.style = VS_TRY(parse_initstyle(v));
        initstyle_given = true;
    } else {
        return false;
    }
    return true;
}

}  // namespace

Result<spec::InitStyle> parse_initstyle(const std::string& v) {
    auto style = spec::init_style_from_name(v);
    if (!style) return make_error(EINVAL, "build: --initstyle: {}", style.error().message);
    return *style;
}

Result<spec::Interface> parse_interface_arg(const std::string& value, const std::string& id) {
    auto fail = [&](std::string_view why) { return bad("--interface", value, why); };
    spec::Interface itf;
    itf.id = id;
    std::string rest = value;
    if (auto eq = rest.find('='); eq != std::string::npos) {
        itf.name = rest.substr(0, eq);
        rest = rest.substr(eq + 1);
        if (!spec::validate_ifname(itf.name)) return fail(fmt::format("bad name \"{}\"", itf.name));
    }
    std::string addr = rest, prefix;
    if (auto sl = rest.find('/'); sl != std::string::npos) {
        addr = rest.substr(0, sl);
        prefix = rest.substr(sl + 1);
        if (prefix.empty()) return fail("empty prefix after '/'");
    }
    // "dev:ip": an IPv6 address has colons too, so a dev prefix is split off only when the
    // whole text is not already an address.
    if (!spec::parse_ip(addr)) {
        if (auto c = addr.find(':'); c != std::string::npos) {
            std::string dev = addr.substr(0, c);
            addr = addr.substr(c + 1);
            if (dev == "nodev") {
                itf.nodev = true;
            } else {
                auto d = spec::validate_ifname(dev);
                if (!d) return fail(fmt::format("bad device \"{}\"", dev));
                itf.dev = dev;
            }
        }
    }
    auto ip = spec::parse_host_ip(addr);
    if (!ip) return fail(fmt::format("bad address \"{}\": {}", addr, ip.error().message));
    itf.ip = ip->str();
    if (!prefix.empty()) {
        auto p = spec::parse_prefix_or_mask(prefix, ip->family);
        if (!p) return fail(fmt::format("bad prefix \"{}\": {}", prefix, p.error().message));
        itf.prefix = *p;
    }
    return itf;
}

Result<store::BuildRequest> parse_build_args(const std::string& name,
                                             const std::vector<std::string>& args) {
    store::BuildRequest req;
    VS_TRY(spec::validate_name(name).wrap("build"));
    req.spec.name = name;
    size_t dashdash = args.size();
    for (size_t i = 0; i < args.size(); ++i)
        if (args[i] == "--") {
            dashdash = i;
            break;
        }
    bool have_method = false;
    ArgReader r(args, 0, dashdash);
    while (!r.done()) {
        std::string o = r.next();
        if (VS_TRY(guest_option(o, r, req.spec, req.initstyle_given))) continue;
        if (o == "-m" || o == "--method") {
            auto v = VS_TRY(r.value(o));
            auto m = store::method_from_name(v);
            if (!m)
                return bad(o, v,
                           "unknown build method (use skeleton, template, debootstrap, clone or "
                           "rsync)");
            req.method = *m;
            have_method = true;
        } else if (o == "--rootdir") {
            auto v = VS_TRY(r.value(o));
            req.rootdir = VS_TRY(rootdir_arg(o, v));
        } else if (o == "--force" || o == "--i-know-its-there") {
            VS_TRY(r.no_value(o));
            req.force = true;
        } else if (o == "--userns" || o == "--no-userns") {
            VS_TRY(r.no_value(o));
            const bool want = o == "--userns";
            if (req.userns && *req.userns != want)
                return make_error(EINVAL, "build: --userns and --no-userns contradict each other");
            req.userns = want;
        } else if (o == "--debug") {
            VS_TRY(r.no_value(o));
        } else if (o == "--keep" || o == "--confdir" || o == "--lockfile" || o == "--pkgbase" ||
                   o.rfind("--cpuset", 0) == 0 || o == "--netbcast") {
            return make_error(EINVAL, "build: {} is not supported by vserver-ng", o);
        } else if (!o.empty() && o[0] == '-') {
            return make_error(EINVAL, "build: unknown option \"{}\"", o);
        } else {
            return make_error(
                EINVAL, "build: unexpected argument \"{}\" (method arguments go after --)", o);
        }
    }
    if (!have_method)
        return make_error(EINVAL,
                          "build: -m METHOD is required (skeleton, template, debootstrap, clone, "
                          "rsync)");
    VS_TRY(parse_method_args(req, args, dashdash == args.size() ? args.size() : dashdash + 1));
    return req;
}

}  // namespace vs::cli
