// When each key of the registry takes effect on a guest (Key::applies) and what holds while its
// file is absent (Key::builtin): one table, so `config set` and `config list` tell the truth.
#include <map>

#include "config/vserver/keys.hpp"

namespace vs::config::vserver {

const char* applies_name(Applies a) {
    switch (a) {
        case Applies::Unset:
            return "?";
        case Applies::Now:
            return "now";
        case Applies::NextStart:
            return "next-start";
        case Applies::NextStop:
            return "next-stop";
        case Applies::StartOrStop:
            return "next-start-or-stop";
        case Applies::Never:
            return "never";
    }
    return "?";
}

namespace rows {

namespace {

struct Effect {
    Applies applies;
    const char* builtin;  ///< nullptr: no value when the file is absent (see the key's doc)
    const char* hint = "";
};

// A running guest keeps what it was started with (docs/config-vserver.md, "A running guest
// keeps what it started with"): start reads the tree, stop reads it again, and only the
// autostart grouping is read by a command that runs later on its own.
const std::map<std::string, Effect>& effects() {
    using A = Applies;

    static const std::map<std::string, Effect> m = {
        {"name", {A::Never, nullptr, "the directory name is the guest's identity"}},
        {"context", {A::NextStart, nullptr}},
        {"uts/nodename", {A::NextStart, nullptr}},
        {"uts/domainname", {A::NextStart, nullptr}},
        {"vdir", {A::NextStart, nullptr}},
        {"cache", {A::NextStart, nullptr}},
        {"run", {A::Never, nullptr}},
        {"shell", {A::NextStart, nullptr}},
        {"nice", {A::NextStart, nullptr}},
        {"badness", {A::NextStart, nullptr}},
        {"interfaces/dev", {A::NextStart, nullptr, "`vserver NAME ip` changes a running guest"}},
        {"interfaces/prefix", {A::NextStart, nullptr, "`vserver NAME ip` changes a running guest"}},
        {"interfaces/mask", {A::NextStart, nullptr, "`vserver NAME ip` changes a running guest"}},
        {"interfaces/*/ip", {A::NextStart, nullptr, "`vserver NAME ip change` changes it live"}},
        {"interfaces/*/prefix",
         {A::NextStart, nullptr, "`vserver NAME ip change` changes it live"}},
        {"interfaces/*/mask", {A::NextStart, nullptr, "`vserver NAME ip change` changes it live"}},
        {"interfaces/*/dev", {A::NextStart, nullptr}},
        {"interfaces/*/name", {A::NextStart, nullptr}},
        {"interfaces/*/nodev", {A::NextStart, nullptr}},
        {"interfaces/*/disabled", {A::NextStart, nullptr}},
        {"interfaces/*/mode", {A::NextStart, nullptr}},
        {"interfaces/*/mac", {A::NextStart, nullptr}},
        {"interfaces/*/gateway", {A::NextStart, nullptr}},
        {"bcapabilities", {A::NextStart, ""}},
        {"ccapabilities", {A::NextStart, ""}},
        {"cflags", {A::NextStart, ""}},
        {"flags", {A::NextStart, ""}},
        {"namespace", {A::Never, nullptr, "a private mount namespace is always used"}},
        {"nonamespace", {A::Never, nullptr, "refused"}},
        {"userns", {A::NextStart, nullptr}},
        {"nonewprivs", {A::NextStart, nullptr}},
        {"seccomp", {A::NextStart, "default"}},
        {"personality", {A::NextStart, nullptr}},
        {"apps/init/style", {A::NextStart, "plain"}},
        {"apps/init/mark", {A::Now, nullptr, "read by vserver-autostart when it runs"}},
        {"apps/init/runlevel", {A::NextStart, "3"}},
        {"apps/init/runlevel.start", {A::NextStart, "3"}},
        {"apps/init/runlevel.stop", {A::NextStop, "6"}},
        {"apps/init/killseq", {A::NextStop, "15 5 9"}},
        {"apps/init/timeout", {A::StartOrStop, "90"}},
        {"apps/init/cmd.start", {A::NextStart, nullptr}},
        {"apps/init/cmd.stop", {A::NextStop, nullptr}},
        {"apps/init/cmd.prepare", {A::NextStart, nullptr}},
        {"apps/init/cmd.start-sync", {A::NextStart, nullptr}},
        {"apps/init/cmd.stop-sync", {A::NextStop, nullptr}},
        {"apps/init/mtab", {A::NextStart, nullptr}},
        {"apps/init/console", {A::NextStart, nullptr}},
        {"apps/init/ttys", {A::NextStart, "0"}},
        {"apps/init/depends", {A::Now, nullptr, "read by vserver-autostart when it runs"}},
        {"apps/vunify/exclude",
         {A::Now, nullptr, "read by vhashify, vunify and hashify each time they run"}},
        {"apps/vunify/refserver.*", {A::Now, nullptr, "read by vunify when it runs without --ref"}},
        {"layered/lower",
         {A::NextStart, nullptr,
          "read when the overlay is mounted (start, or a tool on the root)"}},
        {"layered/upper",
         {A::NextStart, nullptr,
          "read when the overlay is mounted (start, or a tool on the root)"}},
        {"apps/init/environment", {A::NextStart, "PATH=/bin:/usr/bin:/sbin:/usr/sbin"}},
        {"fstab", {A::NextStart, nullptr}},
        {"scripts/*", {A::StartOrStop, nullptr, "each hook runs at its phase"}},
        {"scripts/*.d/*", {A::StartOrStop, nullptr, "each hook runs at its phase"}},
        {"hostname", {A::NextStart, nullptr}},
        {"domainname", {A::NextStart, nullptr}},
        {"rlimits/*", {A::NextStart, nullptr}},
        {"ulimits/*", {A::NextStart, nullptr}},
        {"sched/*", {A::NextStart, nullptr}},
        {"sched/*/*", {A::Never, nullptr, "refused"}},
        {"cpuset/cpus", {A::NextStart, nullptr}},
        {"cpuset/mems", {A::NextStart, nullptr}},
        {"cpuset/name", {A::Never, nullptr, "ignored with a warning"}},
        {"cgroup/*", {A::NextStart, nullptr}},
        {"limits/memory.max", {A::NextStart, "max"}},
        {"limits/memory.high", {A::NextStart, "max"}},
        {"limits/memory.swap.max", {A::NextStart, "max"}},
        {"limits/cpu.max", {A::NextStart, "max 100000"}},
        {"limits/cpu.weight", {A::NextStart, "100"}},
        {"limits/pids.max",
         {A::NextStart, nullptr, "without it start applies 15% of the host's pids"}},
        {"limits/io.weight", {A::NextStart, "100"}},
        {"limits/hugetlb.*.max", {A::NextStart, "max"}},
        {"dlimits/*/directory",
         {A::NextStart, nullptr, "`vserver NAME dlimit --apply` applies disk limits now"}},
        {"dlimits/*/space_total",
         {A::NextStart, nullptr, "`vserver NAME dlimit --apply` applies disk limits now"}},
        {"dlimits/*/inodes_total",
         {A::NextStart, nullptr, "`vserver NAME dlimit --apply` applies disk limits now"}},
        {"dlimits/*/reserved",
         {A::NextStart, "0", "`vserver NAME dlimit --apply` applies disk limits now"}},
        {"dlimits/*/disabled",
         {A::NextStart, nullptr, "`vserver NAME dlimit --apply` applies disk limits now"}},
    };

    return m;
}

}  // namespace

void fill_effects(std::vector<Key>& keys) {
    for (auto& k : keys) {
        auto it = effects().find(k.pattern);
        if (it == effects().end()) continue;  // registry_test fails on Applies::Unset
        k.applies = it->second.applies;
        if (it->second.builtin) k.builtin = std::string(it->second.builtin);
        k.applies_hint = it->second.hint;
    }
}

}  // namespace rows

}  // namespace vs::config::vserver
