// TempDir: a private directory under /tmp for one unit test, removed (never following links)
// when the test ends.
#pragma once

#include <stdlib.h>

#include <string>

#include "fs/remove.hpp"

namespace vs::test {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/vs-unit-XXXXXX";
        const char* made = ::mkdtemp(tmpl);
        path = made != nullptr ? made : "";
    }
    ~TempDir() {
        if (!path.empty()) (void)fs::remove_path(path);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

}  // namespace vs::test
