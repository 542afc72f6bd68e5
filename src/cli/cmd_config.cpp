// `vserver NAME config get|set|unset|list`: the key registry from the command line; values go
// through runtime::config_edit (config/'s writer, validated as start validates).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "cli/registry.hpp"
#include "config/vserver/key_values.hpp"
#include "config/vserver/values.hpp"
#include "runtime/config_edit.hpp"
#include "runtime/runtime.hpp"
#include "spec/ip_address.hpp"
#include "spec/validate.hpp"

namespace vs::cli {

namespace {

namespace cv = config::vserver;
using nlohmann::json;

constexpr const char* kUsageText =
    "usage: vserver NAME config get KEY [--json]\n"
    "       vserver NAME config set KEY VALUE          (scalar and link keys)\n"
    "       vserver NAME config set KEY [yes|no]       (flag keys: no removes the file)\n"
    "       vserver NAME config set KEY ENTRY... | -   (list, hash and data keys: one line per\n"
    "                                                  ENTRY, or the lines read from stdin)\n"
    "       vserver NAME config set KEY --add ENTRY... | --remove ENTRY...\n"
    "       vserver NAME config unset KEY|DIR          (DIR: interfaces/ID, dlimits/ID)\n"
    "       vserver NAME config list [--json] [PREFIX]\n"
    "Keys and values: docs/config-vserver.md.\n";

int usage(const std::string& msg) {
    if (!msg.empty()) log::error("{}", msg);
    std::fputs(kUsageText, stderr);
    return kUsage;
}

int fail(const Error& e, bool bad_input) {
    log::error("{}", e.what());
    return bad_input ? kUsage : kFail;
}

// "config key "x": no such key; did you mean "a", "b"?"
int unknown_key(const std::string& rel) {
    auto near = cv::suggest_keys(rel);
    std::string hint;
    for (const auto& n : near) hint += (hint.empty() ? "; did you mean " : ", ") + str::quote(n);
    if (!hint.empty()) hint += "?";
    log::error("config key {}: no such key{} (docs/config-vserver.md)", str::quote(rel), hint);
    return kUsage;
}

void print_json(const json& j) {
    // Guest-chosen bytes need not be UTF-8: replaced (U+FFFD), never a throw.
    fmt::print("{}\n", j.dump(2, ' ', false, json::error_handler_t::replace));
}

bool running(GuestCommand& c) {
    auto st = runtime::status(c.paths, c.guest);
    return st && st->status == state::RunStatus::Running;
}

int cmd_list(GuestCommand& c, const std::vector<std::string>& args) {
    bool as_json = false;
    std::string prefix;
    for (const auto& a : args) {
        if (a == "--json")
            as_json = true;
        else if (!a.empty() && a[0] == '-')
            return usage(fmt::format("config list: unknown option {}", str::quote(a)));
        else if (prefix.empty())
            prefix = a;
        else
            return usage("config list: at most one PREFIX");
    }
    auto all = cv::list_values(c.paths, c.guest);
    if (!all) return fail(all.error(), all.error().code != EIO);
    std::vector<cv::KeyValue> shown;
    for (auto& v : *all)
        if (v.rel.compare(0, prefix.size(), prefix) == 0) shown.push_back(std::move(v));
    if (as_json) {
        json keys = json::array();
        for (const auto& v : shown) keys.push_back(cv::entry_json(v));
        print_json({{"guest", c.guest}, {"running", running(c)}, {"keys", keys}});
        return kOk;
    }
    fmt::print("{:<28} {:<9} {:<19} {}\n", "KEY", "SOURCE", "APPLIES", "VALUE");
    for (const auto& v : shown) {
        auto lines = cv::value_lines(v);
        std::string text = lines.empty()
                               ? (v.key && v.key->kind == cv::FileKind::Program ? "(script)"
                                  : v.key                                       ? "-"
                                                                                : "(unknown file)")
                               : lines[0];
        std::replace(text.begin(), text.end(), '\t', ' ');
        if (lines.size() > 1) text += fmt::format(" (+{} lines)", lines.size() - 1);
        fmt::print("{:<28} {:<9} {:<19} {}\n", v.rel, cv::source_name(v.source),
                   v.key ? cv::applies_name(v.key->applies) : "never", str::escape_control(text));
    }
    return kOk;
}

int cmd_get(GuestCommand& c, const std::vector<std::string>& args) {
    bool as_json = false;
    std::string rel;
    for (const auto& a : args) {
        if (a == "--json")
            as_json = true;
        else if (rel.empty())
            rel = a;
        else
            return usage("config get: want one KEY");
    }
    if (rel.empty()) return usage("config get: missing KEY");
    if (!cv::find_key(rel)) return unknown_key(rel);
    auto v = cv::get_value(c.paths, c.guest, rel);
    if (!v) return fail(v.error(), v.error().code == EINVAL || v.error().code == ENOENT);
    if (as_json) {
        print_json(cv::entry_json(*v));
        return kOk;
    }
    if (v->key->kind == cv::FileKind::Program) {
        fmt::print("{}/{}\n", c.paths.guest_config(c.guest), rel);
        return kOk;
    }
    for (const auto& l : cv::value_lines(*v)) fmt::print("{}\n", l);
    return kOk;
}

Result<std::string> read_stdin() {
    std::string s{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    if (std::cin.bad()) return make_error(EIO, "read stdin");
    return s;
}

// The new lines of a list key after --add or --remove, from its current file.
Result<std::vector<std::string>> edit_lines(const cv::KeyValue& old, bool add,
                                            const std::vector<std::string>& entries) {
    std::vector<std::string> lines;
    if (old.source == cv::Source::Guest && old.text) lines = str::split(*old.text, '\n', true);
    auto same = [](const std::string& a, const std::string& b) {
        return str::trim(a) == str::trim(b);
    };
    for (const auto& e : entries) {
        auto it = std::find_if(lines.begin(), lines.end(),
                               [&](const std::string& l) { return same(l, e); });
        if (add) {
            if (it == lines.end()) lines.push_back(e);
        } else {
            if (it == lines.end())
                return make_error(ENOENT, "{}: no entry {} to remove", old.rel, str::quote(e));
            lines.erase(it);
        }
    }
    return lines;
}

// Tells when a change of a running guest's config takes effect (it keeps what it started with).
void notice(GuestCommand& c, const cv::Key& k, const std::string& rel, bool is_running) {
    if (!is_running) return;
    std::string hint = k.applies_hint.empty() ? "" : "; " + k.applies_hint;
    for (auto at = hint.find("NAME"); at != std::string::npos; at = hint.find("NAME", at))
        hint.replace(at, 4, c.guest);
    switch (k.applies) {
        case cv::Applies::NextStart:
            log::warn(
                "{} takes effect at the next start: guest {} is running, restart it "
                "(vserver {} restart){}",
                rel, c.guest, c.guest, hint);
            break;
        case cv::Applies::NextStop:
            log::info("{} takes effect when guest {} is next stopped{}", rel, c.guest, hint);
            break;
        case cv::Applies::StartOrStop:
            log::info("{} takes effect at guest {}'s next start or stop{}", rel, c.guest, hint);
            break;
        default:
            break;
    }
}

int run_edit(GuestCommand& c, const cv::Edit& e, const std::string& rel, const std::string& shown,
             const cv::Key* k, bool changed) {
    bool bad = false;
    auto r = runtime::config_edit(c.paths, c.guest, e, &bad);
    if (!r) {
        Error err = std::move(r).error();
        if (err.message.find(rel) == std::string::npos)
            err.wrap(shown.empty() ? rel : fmt::format("{} = {}", rel, str::quote(shown)));
        return fail(err, bad);
    }
    for (const auto& w : r->loaded.warnings) log::warn("{}", w);
    if (k && changed) notice(c, *k, rel, r->running);
    return kOk;
}

// What `config set` does: the edit, the value as messages show it, and the key file's text
// after the edit (nullopt: absent), which tells whether anything changes.
struct SetPlan {
    cv::Edit e;
    std::string shown;
    std::optional<std::string> new_text;
};

/// Scalar and Link keys: one VALUE. The exit code when the arguments are refused.
std::optional<int> plan_scalar(const cv::Key& k, const std::string& rel,
                               const std::vector<std::string>& vals, SetPlan& p) {
    if (vals.size() != 1)
        return usage(
            fmt::format("config set {}: want one VALUE (a {} key)", rel, cv::kind_name(k.kind)));
    p.shown = vals[0];
    // Addresses are stored canonical, as the loader and `ip add` store them.
    if (k.pattern == "interfaces/*/ip" || k.pattern == "interfaces/*/gateway")
        if (auto ip = spec::parse_host_ip(str::trim(p.shown))) p.shown = ip->str();
    if (k.kind == cv::FileKind::Link) {
        p.e.set_link(rel, p.shown);
        p.new_text = p.shown;
    } else {
        p.e.set(rel, p.shown);
        p.new_text = p.shown + "\n";
    }
    return std::nullopt;
}

/// Bool keys: no VALUE (yes), or yes or no.
std::optional<int> plan_bool(const std::string& rel, const std::vector<std::string>& vals,
                             SetPlan& p) {
    if (vals.size() > 1) return usage(fmt::format("config set {}: want yes or no", rel));
    bool on = true;
    if (!vals.empty()) {
        p.shown = vals[0];
        auto b = cv::parse_bool(p.shown);
        if (!b) {
            log::error("config set {} = {}: want yes or no", rel, str::quote(p.shown));
            return kUsage;
        }
        on = *b;
    }
    if (on) {
        p.e.set_flag(rel);
        p.new_text = "";
    } else {
        p.e.unset(rel);
    }
    return std::nullopt;
}

/// List, Hash and Data keys: the entries, `-` (stdin), or --add/--remove ENTRY... against
/// `old`.
std::optional<int> plan_lines(const std::string& rel, const std::vector<std::string>& vals,
                              const cv::KeyValue& old, SetPlan& p) {
    if (vals.empty())
        return usage(fmt::format("config set {}: want ENTRY..., -, --add or --remove", rel));
    std::vector<std::string> lines;
    if (vals[0] == "--add" || vals[0] == "--remove") {
        std::vector<std::string> entries(vals.begin() + 1, vals.end());
        if (entries.empty())
            return usage(fmt::format("config set {} {}: want ENTRY...", rel, vals[0]));
        auto l = edit_lines(old, vals[0] == "--add", entries);
        if (!l) return fail(l.error(), true);
        lines = std::move(*l);
        p.shown = str::join(entries, " ");
    } else if (vals.size() == 1 && vals[0] == "-") {
        auto in = read_stdin();
        if (!in) return fail(in.error(), false);
        lines = str::split(*in, '\n', false);
        while (!lines.empty() && lines.back().empty()) lines.pop_back();
        p.shown = str::join(lines, " ");
    } else {
        lines = vals;
        p.shown = str::join(vals, " ");
    }
    if (lines.empty()) {
        p.e.unset(rel);  // an empty list is the default
    } else {
        p.e.set_lines(rel, lines);
        p.new_text = cv::one_per_line(lines);
    }
    return std::nullopt;
}

int cmd_set(GuestCommand& c, const std::vector<std::string>& args) {
    if (args.empty()) return usage("config set: missing KEY");
    const std::string& rel = args[0];
    std::vector<std::string> vals(args.begin() + 1, args.end());
    const cv::Key* k = cv::find_key(rel);
    if (!k) return unknown_key(rel);
    auto old = cv::get_value(c.paths, c.guest, rel);
    if (!old) return fail(old.error(), old.error().code == EINVAL || old.error().code == ENOENT);
    SetPlan p;
    std::optional<int> refused;
    switch (k->kind) {
        case cv::FileKind::Scalar:
        case cv::FileKind::Link:
            refused = plan_scalar(*k, rel, vals, p);
            break;
        case cv::FileKind::Bool:
            refused = plan_bool(rel, vals, p);
            break;
        case cv::FileKind::List:
        case cv::FileKind::Hash:
        case cv::FileKind::Data:
            refused = plan_lines(rel, vals, *old, p);
            break;
        case cv::FileKind::Program:
            log::error(
                "config set {}: a hook script is a program, not a value: install it as "
                "{}/{}",
                rel, c.paths.guest_config(c.guest), rel);
            return kUsage;
    }
    if (refused) return *refused;
    std::optional<std::string> old_text =
        old->source == cv::Source::Guest ? old->text : std::nullopt;
    return run_edit(c, p.e, rel, p.shown, k, old_text != p.new_text);
}

int cmd_unset(GuestCommand& c, const std::vector<std::string>& args) {
    if (args.size() != 1) return usage("config unset: want one KEY");
    std::string rel = args[0];
    while (rel.size() > 1 && rel.back() == '/') rel.pop_back();
    const cv::Key* k = cv::find_key(rel);
    cv::Edit e;
    if (!k) {
        // A directory of keys: interfaces/ID, dlimits/ID (or any other one).
        if (!cv::find_key(rel + "/ip") && !cv::find_key(rel + "/directory"))
            return unknown_key(rel);
        e.remove_dir(rel);
        return run_edit(c, e, rel, "", nullptr, true);
    }
    auto old = cv::get_value(c.paths, c.guest, rel);
    if (!old) return fail(old.error(), old.error().code == EINVAL || old.error().code == ENOENT);
    e.unset(rel);
    return run_edit(c, e, rel, "", k, old->source == cv::Source::Guest);
}

int cmd_config(GuestCommand& c) {
    if (c.args.empty()) return usage("");
    const std::string sub = c.args[0];
    std::vector<std::string> rest(c.args.begin() + 1, c.args.end());
    if (sub == "--help" || sub == "-h") {
        std::fputs(kUsageText, stdout);
        return kOk;
    }
    if (auto v = spec::validate_name(c.guest); !v) return fail(v.error(), true);
    if (auto v = runtime::guest_exists(c.paths, c.guest); !v) return fail(v.error(), true);
    if (sub == "list") return cmd_list(c, rest);
    if (sub == "get") return cmd_get(c, rest);
    if (sub == "set") return cmd_set(c, rest);
    if (sub == "unset") return cmd_unset(c, rest);
    return usage(fmt::format("config: unknown subcommand {}", str::quote(sub)));
}

RegisterGuestCommand reg_config("config",
                                {"get, set, unset or list config keys (validated as start does)",
                                 kUsageText,
                                 {"get", "set", "unset", "list", "--json", "--add", "--remove"}},
                                cmd_config);

}  // namespace

}  // namespace vs::cli
