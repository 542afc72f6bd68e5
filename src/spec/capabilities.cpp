// The capability name table (numbers from <linux/capability.h>) and the bcapabilities list logic.
#include "spec/capabilities.hpp"

#include <linux/capability.h>

#include <cctype>
#include <cerrno>

#include "base/strings.hpp"

namespace vs::spec {

namespace {

struct CapName {
    const char* name;
    int number;
};

// Names as capabilities(7) spells them, without the CAP_ prefix.
constexpr CapName kCaps[] = {
    {"CHOWN", CAP_CHOWN},
    {"DAC_OVERRIDE", CAP_DAC_OVERRIDE},
    {"DAC_READ_SEARCH", CAP_DAC_READ_SEARCH},
    {"FOWNER", CAP_FOWNER},
    {"FSETID", CAP_FSETID},
    {"KILL", CAP_KILL},
    {"SETGID", CAP_SETGID},
    {"SETUID", CAP_SETUID},
    {"SETPCAP", CAP_SETPCAP},
    {"LINUX_IMMUTABLE", CAP_LINUX_IMMUTABLE},
    {"NET_BIND_SERVICE", CAP_NET_BIND_SERVICE},
    {"NET_BROADCAST", CAP_NET_BROADCAST},
    {"NET_ADMIN", CAP_NET_ADMIN},
    {"NET_RAW", CAP_NET_RAW},
    {"IPC_LOCK", CAP_IPC_LOCK},
    {"IPC_OWNER", CAP_IPC_OWNER},
    {"SYS_MODULE", CAP_SYS_MODULE},
    {"SYS_RAWIO", CAP_SYS_RAWIO},
    {"SYS_CHROOT", CAP_SYS_CHROOT},
    {"SYS_PTRACE", CAP_SYS_PTRACE},
    {"SYS_PACCT", CAP_SYS_PACCT},
    {"SYS_ADMIN", CAP_SYS_ADMIN},
    {"SYS_BOOT", CAP_SYS_BOOT},
    {"SYS_NICE", CAP_SYS_NICE},
    {"SYS_RESOURCE", CAP_SYS_RESOURCE},
    {"SYS_TIME", CAP_SYS_TIME},
    {"SYS_TTY_CONFIG", CAP_SYS_TTY_CONFIG},
    {"MKNOD", CAP_MKNOD},
    {"LEASE", CAP_LEASE},
    {"AUDIT_WRITE", CAP_AUDIT_WRITE},
    {"AUDIT_CONTROL", CAP_AUDIT_CONTROL},
    {"SETFCAP", CAP_SETFCAP},
    {"MAC_OVERRIDE", CAP_MAC_OVERRIDE},
    {"MAC_ADMIN", CAP_MAC_ADMIN},
    {"SYSLOG", CAP_SYSLOG},
    {"WAKE_ALARM", CAP_WAKE_ALARM},
    {"BLOCK_SUSPEND", CAP_BLOCK_SUSPEND},
    {"AUDIT_READ", CAP_AUDIT_READ},
    {"PERFMON", CAP_PERFMON},
    {"BPF", CAP_BPF},
    {"CHECKPOINT_RESTORE", CAP_CHECKPOINT_RESTORE},
};

}  // namespace

// "what: " before a message, or nothing when the caller adds the context itself.
static std::string lead(std::string_view what) {
    return what.empty() ? std::string() : std::string(what) + ": ";
}

std::optional<int> cap_from_name(std::string_view name) {
    std::string n = str::upper(str::trim(name));
    if (str::starts_with(n, "CAP_")) n.erase(0, 4);
    for (const auto& c : kCaps)
        if (n == c.name) return c.number;
    return std::nullopt;
}

std::string cap_name(int n) {
    for (const auto& c : kCaps)
        if (c.number == n) return c.name;
    return "";
}

int cap_last() { return CAP_LAST_CAP; }

uint64_t cap_all() {
    uint64_t s = 0;
    for (const auto& c : kCaps) s |= cap_bit(c.number);
    return s;
}

uint64_t default_bounding_set() {
    uint64_t s = 0;
    for (int c :
         {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_KILL,
          CAP_SETGID, CAP_SETUID, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_SYS_PTRACE,
          CAP_SYS_TTY_CONFIG, CAP_LEASE, CAP_SETFCAP, CAP_AUDIT_WRITE, CAP_SYS_BOOT})
        s |= cap_bit(c);
    return s;
}

Result<uint64_t> apply_cap_list(uint64_t set, std::string_view text, std::string_view what) {
    for (const auto& line : str::lines(text)) {
        for (auto tok : str::split_ws(line)) {
            std::string orig = tok;
            bool clear = false;
            if (tok[0] == '!' || tok[0] == '~') {
                clear = true;
                tok.erase(0, 1);
            }
            std::string low = str::lower(tok);
            uint64_t bits = 0;
            if (low == "all" || low == "any") {
                bits = cap_all();
            } else if (low == "none") {
                // "none" empties the set; "!none" would mean nothing, so refuse it as a typo.
                if (clear)
                    return make_error(EINVAL, "{}invalid capability {}", lead(what),
                                      str::quote(orig));
                set = 0;
                continue;
            } else {
                std::optional<int> n;
                std::string_view num = tok;
                if (!num.empty() && num[0] == '^') num.remove_prefix(1);
                if (auto v = str::parse_u64(num);
                    v && !num.empty() && std::isdigit(static_cast<unsigned char>(num[0]))) {
                    if (*v <= static_cast<uint64_t>(cap_last())) n = static_cast<int>(*v);
                } else {
                    n = cap_from_name(tok);
                }
                if (!n)
                    return make_error(EINVAL, "{}unknown capability {}", lead(what),
                                      str::quote(orig));
                bits = cap_bit(*n);
            }
            set = clear ? (set & ~bits) : (set | bits);
        }
    }
    return set;
}

std::string cap_list_diff(uint64_t base, uint64_t set) {
    std::string out;
    for (int n = 0; n <= cap_last(); ++n) {
        bool in_base = base & cap_bit(n), in_set = set & cap_bit(n);
        if (in_base == in_set) continue;
        out += fmt::format("{}{}\n", in_set ? "" : "!", cap_name(n));
    }
    return out;
}

std::string cap_set_names(uint64_t set) {
    std::vector<std::string> names;
    for (int n = 0; n <= cap_last(); ++n)
        if (set & cap_bit(n)) names.push_back(cap_name(n));
    return str::join(names, ",");
}

}  // namespace vs::spec
