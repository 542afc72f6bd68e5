// vs-probe's JSON output helpers: string quoting and errno names, shared by its commands.
#pragma once

#include <cstdio>
#include <cstring>
#include <string>

namespace vsprobe {

inline std::string jstr(const std::string& s) {
    std::string o = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                o += "\\\"";
                break;
            case '\\':
                o += "\\\\";
                break;
            case '\n':
                o += "\\n";
                break;
            case '\t':
                o += "\\t";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char b[8];
                    std::snprintf(b, sizeof b, "\\u%04x", c);
                    o += b;
                } else {
                    o += static_cast<char>(c);
                }
        }
    }
    return o + "\"";
}

inline std::string errname(int e) {
    if (e == 0) return "OK";
    const char* n = strerrorname_np(e);
    return n ? n : "E" + std::to_string(e);
}

}  // namespace vsprobe
