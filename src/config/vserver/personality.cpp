// personality(2) names (from <sys/personality.h>) for the `personality` file.
#include "config/vserver/personality.hpp"

#include <sys/personality.h>

#include <cerrno>

#include "base/strings.hpp"

namespace vs::config::vserver {

namespace {

struct Name {
    const char* name;
    uint32_t value;
};

// Personas a mainline kernel honours: only Linux's own (PER_LINUX*, see personality(2)).
constexpr Name kPersonas[] = {
    {"LINUX", PER_LINUX},
    {"LINUX32", PER_LINUX32},
    {"LINUX_32BIT", PER_LINUX_32BIT},
    {"LINUX32_3GB", PER_LINUX32_3GB},
};

constexpr Name kFlags[] = {
    {"UNAME26", UNAME26},
    {"ADDR_NO_RANDOMIZE", ADDR_NO_RANDOMIZE},
    {"FDPIC_FUNCPTRS", FDPIC_FUNCPTRS},
    {"ADDR_COMPAT_LAYOUT", ADDR_COMPAT_LAYOUT},
    {"READ_IMPLIES_EXEC", READ_IMPLIES_EXEC},
    {"ADDR_LIMIT_32BIT", ADDR_LIMIT_32BIT},
    {"SHORT_INODE", SHORT_INODE},
    {"WHOLE_SECONDS", WHOLE_SECONDS},
    {"STICKY_TIMEOUTS", STICKY_TIMEOUTS},
    {"ADDR_LIMIT_3GB", ADDR_LIMIT_3GB},
};

constexpr const char* kOtherPersonas[] = {
    "SVR4",   "SVR3",    "SCOSVR3", "OSR5",   "WYSEV386", "ISCR4", "BSD",  "SUNOS", "XENIX",
    "IRIX32", "IRIXN32", "IRIX64",  "RISCOS", "SOLARIS",  "UW7",   "OSF4", "HPUX"};

}  // namespace

Result<uint32_t> parse_personality(std::string_view text) {
    std::vector<std::string> words;
    for (const auto& l : str::lines(text))
        for (auto& w : str::split_ws(l)) words.push_back(w);
    if (words.empty()) return make_error(EINVAL, "empty personality");
    uint32_t v = 0;
    for (size_t i = 0; i < words.size(); ++i) {
        std::string w = str::upper(words[i]);
        if (str::starts_with(w, "PER_")) w.erase(0, 4);
        bool found = false;
        if (i == 0) {
            for (const auto& p : kPersonas)
                if (w == p.name) v = p.value, found = true;
            for (const char* o : kOtherPersonas)
                if (w == o)
                    return make_error(EINVAL,
                                      "personality {} is not supported: the kernel "
                                      "only runs Linux personas",
                                      str::quote(words[i]));
            if (!found)
                return make_error(EINVAL, "unknown personality {} (LINUX, LINUX32, ...)",
                                  str::quote(words[i]));
            continue;
        }
        if (w == "MMAP_PAGE_ZERO")
            return make_error(EINVAL,
                              "personality flag {} is not supported: mapping page 0 "
                              "reopens NULL-dereference exploits",
                              str::quote(words[i]));
        for (const auto& f : kFlags)
            if (w == f.name) v |= f.value, found = true;
        if (!found) return make_error(EINVAL, "unknown personality flag {}", str::quote(words[i]));
    }
    return v;
}

std::string format_personality(uint32_t value) {
    std::string out;
    uint32_t flags = value;
    // The longest persona whose bits are all set wins (LINUX_32BIT includes ADDR_LIMIT_32BIT).
    const Name* best = &kPersonas[0];
    for (const auto& p : kPersonas)
        if ((value & PER_MASK) == (p.value & PER_MASK) && (value & p.value) == p.value &&
            __builtin_popcount(p.value) >= __builtin_popcount(best->value))
            best = &p;
    out += std::string(best->name) + "\n";
    flags &= ~best->value;
    for (const auto& f : kFlags)
        if (flags & f.value) out += std::string(f.name) + "\n";
    return out;
}

}  // namespace vs::config::vserver
