// scan_targets() and the renderers of vdu and vfiles.
#include "diskusage/measure.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace vs::diskusage {

bool Scanned::ok() const {
    return std::all_of(errors.begin(), errors.end(), [](auto& e) { return e.empty(); });
}

Scanned scan_targets(const std::vector<Target>& targets, size_t keep_paths_of) {
    Scanned out;
    for (size_t i = 0; i < targets.size(); ++i) {
        const Target& t = targets[i];
        const std::string label = t.guest ? t.name : t.root;
        const std::string what = fmt::format("{} \"{}\"", t.guest ? "guest" : "directory", t.name);
        auto fd = open_target(t);
        if (!fd) {
            out.scanner.skip(label);
            out.errors.push_back(std::move(fd).error().wrap(what).what());
            continue;
        }
        ScanOptions opt;
        opt.keep_paths = i < keep_paths_of;
        auto st = out.scanner.scan(fd->get(), label, opt);
        out.errors.push_back(st ? std::string() : std::move(st).error().wrap(what).what());
    }
    return out;
}

std::string format_bytes(uint64_t bytes, const Units& u) {
    if (!u.human) return fmt::format("{}", bytes / u.blocksize + (bytes % u.blocksize != 0));
    static const char* kUnits = "KMGTPE";
    if (bytes < 1024) return fmt::format("{}", bytes);
    double v = static_cast<double>(bytes);
    int i = -1;
    while (v >= 1024 && i < 5) {
        v /= 1024;
        ++i;
    }
    return v < 10 ? fmt::format("{:.1f}{}", v, kUnits[i]) : fmt::format("{:.0f}{}", v, kUnits[i]);
}

namespace {

std::string row(const std::string& name, const Usage& u, const Units& units) {
    return fmt::format("{:<16} {:>10} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9}\n", name,
                       format_bytes(u.apparent_bytes, units),
                       format_bytes(u.allocated_bytes(), units),
                       format_bytes(u.exclusive_bytes, units), format_bytes(u.shared_bytes, units),
                       u.inodes, u.exclusive_inodes, u.shared_inodes);
}

nlohmann::json usage_json(const Usage& u) {
    return {{"apparent_bytes", u.apparent_bytes},     {"allocated_bytes", u.allocated_bytes()},
            {"exclusive_bytes", u.exclusive_bytes},   {"shared_bytes", u.shared_bytes},
            {"no_extent_bytes", u.no_extent_bytes},   {"inodes", u.inodes},
            {"exclusive_inodes", u.exclusive_inodes}, {"shared_inodes", u.shared_inodes}};
}

}  // namespace

std::string vdu_table(const std::vector<Target>& targets, const Scanned& s, const Report& r,
                      const Units& u) {
    std::string unit = u.human ? "" : u.blocksize == 1 ? "(B)" : fmt::format("({})", u.blocksize);
    std::string out = fmt::format("{:<16} {:>10} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9}\n", "NAME",
                                  "APPARENT" + unit, "ALLOC" + unit, "EXCL" + unit, "SHARED" + unit,
                                  "INODES", "I_EXCL", "I_SHARED");
    size_t rows = 0;
    for (size_t i = 0; i < targets.size(); ++i) {
        if (!s.errors[i].empty()) continue;
        out += row(targets[i].name, r.trees[i], u);
        ++rows;
    }
    if (rows > 1) out += row("TOTAL", r.total, u);
    return out;
}

nlohmann::json vdu_json(const std::vector<Target>& targets, const Scanned& sc, const Report& r) {
    const Scanner& s = sc.scanner;
    nlohmann::json guests = nlohmann::json::array(), errors = nlohmann::json::array();
    for (size_t i = 0; i < targets.size(); ++i) {
        if (!sc.errors[i].empty()) {
            errors.push_back({{"name", targets[i].name}, {"error", sc.errors[i]}});
            continue;
        }
        auto j = usage_json(r.trees[i]);
        j["name"] = targets[i].name;
        j["kind"] = targets[i].guest ? "guest" : "directory";
        j["root"] = targets[i].root;
        j["filesystem"] = s.tree_fstype()[i];
        guests.push_back(std::move(j));
    }
    auto total = usage_json(r.total);
    total["trees"] = guests.size();
    total["filesystems"] = s.domains().size();
    return {{"trees", std::move(guests)},
            {"total", std::move(total)},
            {"notes", s.notes()},
            {"errors", std::move(errors)}};
}

std::string vdu_classic(const std::vector<Target>& targets, const Scanned& s, const Report& r,
                        bool inodes, uint64_t blocksize, bool script) {
    std::string out;
    for (size_t i = 0; i < targets.size(); ++i) {
        if (!s.errors[i].empty()) continue;
        const Usage& u = r.trees[i];
        uint64_t n = inodes ? u.inodes : u.allocated_bytes() / blocksize;
        out += script ? fmt::format("{}\n", n)
                      : fmt::format("{} {}\n", targets[i].guest ? targets[i].root : targets[i].name,
                                    n);
    }
    return out;
}

std::string escape_path(const std::string& p) {
    std::string out;
    out.reserve(p.size());
    for (unsigned char c : p) {
        if (c < 0x20 || c == 0x7f || c == '\\')
            out += fmt::format("\\{:03o}", c);
        else
            out += static_cast<char>(c);
    }
    return out;
}

nlohmann::json vfiles_json(const Target& guest, const std::vector<Target>& refs,
                           const std::vector<SpecificFile>& files) {
    nlohmann::json list = nlohmann::json::array();
    uint64_t bytes = 0;
    for (auto& f : files) {
        list.push_back({{"path", f.paths.front()},
                        {"links", f.paths},
                        {"size", f.size},
                        {"allocated_bytes", f.allocated_bytes}});
        bytes += f.allocated_bytes;
    }
    nlohmann::json rj = nlohmann::json::array();
    for (auto& r : refs) rj.push_back(r.name);
    return {{"guest", guest.name},      {"root", guest.root},    {"references", std::move(rj)},
            {"files", std::move(list)}, {"count", files.size()}, {"allocated_bytes", bytes}};
}

}  // namespace vs::diskusage
