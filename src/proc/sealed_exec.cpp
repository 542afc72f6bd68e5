// Sealed memfd copies and the exec calls.
#include "proc/sealed_exec.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/strings.hpp"
#include "base/sys.hpp"

namespace vs::proc {

Result<UniqueFd> sealed_copy(const std::string& path) {
    auto src = VS_TRY(sys::open(path, O_RDONLY));
    struct stat st {};
    if (::fstat(src.get(), &st) < 0) return errno_error(fmt::format("stat \"{}\"", path));
    if (!S_ISREG(st.st_mode)) return make_error(EINVAL, "\"{}\" is not a regular file", path);
    int m = ::memfd_create("vs-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (m < 0) return errno_error("memfd_create");
    UniqueFd mem(m);
    off_t off = 0;
    while (off < st.st_size) {
        ssize_t n = ::sendfile(mem.get(), src.get(), &off, static_cast<size_t>(st.st_size - off));
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_error(fmt::format("copy \"{}\" into a memfd", path));
        }
        if (n == 0) break;
    }
    if (::fchmod(mem.get(), 0555) < 0) return errno_error("chmod memfd");
    if (::fcntl(mem.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) <
        0)
        return errno_error("seal memfd");
    return mem;
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
    std::vector<char*> out;
    out.reserve(v.size() + 1);
    for (auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

Error exec_fd(int fd, const std::vector<std::string>& argv, const std::vector<std::string>& envp) {
    auto a = c_strings(argv);
    auto e = c_strings(envp);
    ::execveat(fd, "", a.data(), e.data(), AT_EMPTY_PATH);
    return errno_error(fmt::format("execute \"{}\"", argv.empty() ? "" : argv[0]));
}

Error exec_path(const std::vector<std::string>& argv, const std::vector<std::string>& envp) {
    if (argv.empty()) return make_error(EINVAL, "execute: empty command");
    auto a = c_strings(argv);
    auto e = c_strings(envp);
    if (argv[0].find('/') != std::string::npos) {
        ::execve(argv[0].c_str(), a.data(), e.data());
        return errno_error(fmt::format("execute \"{}\"", argv[0]));
    }
    std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (auto& kv : envp)
        if (str::starts_with(kv, "PATH=")) path = kv.substr(5);
    int first_err = ENOENT;
    for (auto& dir : str::split(path, ':')) {
        std::string full = dir + "/" + argv[0];
        ::execve(full.c_str(), a.data(), e.data());
        if (errno != ENOENT && errno != ENOTDIR && first_err == ENOENT) first_err = errno;
    }
    return Error(first_err, fmt::format("execute \"{}\" (PATH={})", argv[0], path));
}

}  // namespace vs::proc
