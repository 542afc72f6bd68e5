// vserver: the multi-call binary (vkill, vserver-stat... are symlinks to it; vps and vtop to its
// dynamically linked twin, CMakeLists.txt).
#include <unistd.h>

#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "cli/registry.hpp"

#ifdef VS_NSS_TOOLS_BINARY
namespace {

// `vserver --vps ARGS` and `--vtop`: run as the dynamically linked tool next to this static
// binary, whose glibc may not load the host's NSS modules (CMakeLists.txt). Returns only when
// that binary cannot be run (not installed beside vserver): the tool then runs here.
void exec_nss_tool(int argc, char** argv) {
    if (argc < 2 || (std::strcmp(argv[1], "--vps") != 0 && std::strcmp(argv[1], "--vtop") != 0))
        return;
    char self[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return;
    std::string path(self, static_cast<size_t>(n));
    path = path.substr(0, path.rfind('/') + 1) + VS_NSS_TOOLS_BINARY;
    std::string tool = argv[1] + 2;  // dispatch is on argv[0]
    std::vector<char*> args{tool.data()};
    for (int i = 2; i <= argc; ++i) args.push_back(argv[i]);  // argv[argc] is the NULL
    ::execv(path.c_str(), args.data());
}

}  // namespace
#endif

int main(int argc, char** argv) {
#ifdef VS_NSS_TOOLS_BINARY
    exec_nss_tool(argc, argv);
#endif
    return vs::cli::main(argc, argv);
}
