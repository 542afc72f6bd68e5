// Fuzz target: a guest's config tree through the key registry (config/vserver/registry.cpp,
// keys_*.cpp, values.cpp), as config::vserver::load_dir runs it but without a filesystem.
// Input: files, each introduced by a line "--- REL" (REL the path below /etc/vservers/NAME, e.g.
// "--- interfaces/0/ip"), its content up to the next such line (a link's target for link keys).
// What loads (parse, finalize, spec::validate) must render to files that load to the same spec.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/vserver/registry.hpp"
#include "fuzz_check.hpp"
#include "spec/validate.hpp"

namespace cv = vs::config::vserver;

namespace {

struct File {
    std::string rel, text;
};

std::vector<File> split_files(std::string_view in) {
    std::vector<File> out;
    size_t pos = 0;
    while (pos < in.size()) {
        size_t eol = in.find('\n', pos);
        std::string_view line = in.substr(pos, eol == std::string_view::npos ? in.npos : eol - pos);
        pos = eol == std::string_view::npos ? in.size() : eol + 1;
        if (line.substr(0, 4) == "--- ")
            out.push_back({std::string(line.substr(4)), {}});
        else if (!out.empty())
            out.back().text.append(line).append(eol == std::string_view::npos ? "" : "\n");
    }
    return out;
}

// The load: defaults, every file's parser, finalize, validate. Nullopt-like: false on an error.
bool load(const std::vector<File>& files, vs::spec::GuestSpec& s) {
    s.name = "fuzz";
    s.config_dir = "/etc/vservers/fuzz";
    s.root = "/vservers/fuzz";
    cv::apply_defaults(s);
    cv::LoadState st;
    st.dir = s.config_dir;
    for (const auto& f : files) {
        cv::KeyFile kf{f.rel, s.config_dir + "/" + f.rel, {}, f.text};
        const cv::Key* key = cv::find_key(f.rel, &kf.parts);
        if (!key) continue;  // load_dir lists it as unknown
        if (key->kind == cv::FileKind::Program) kf.text.clear();
        if (!key->parse(s, st, kf)) return false;
    }
    if (!cv::finalize(s, st)) return false;
    return vs::spec::validate(s).has_value();
}

std::vector<File> rendered(const vs::spec::GuestSpec& s) {
    std::vector<File> out;
    for (const auto& f : cv::render(s))
        if (f.type != cv::OutFile::Type::Keep) out.push_back({f.rel, f.content});
    return out;
}

std::string show(const std::vector<File>& files) {
    std::string o;
    for (const auto& f : files) o += "--- " + f.rel + "\n" + f.text;
    return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto files = split_files(std::string_view(reinterpret_cast<const char*>(data), size));
    vs::spec::GuestSpec first;
    if (!load(files, first)) return 0;
    // What the writer makes of an accepted tree must load, and be written the same way again.
    const auto out = rendered(first);
    vs::spec::GuestSpec second;
    FUZZ_CHECK(load(out, second), "the rendered tree does not load:\n{}", show(out));
    const auto out2 = rendered(second);
    FUZZ_CHECK(show(out2) == show(out), "render is not stable:\n{}\n=== then\n{}", show(out),
               show(out2));
    return 0;
}
