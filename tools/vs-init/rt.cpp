// vs-init's process entry (_start) and the libc pieces the compiler and we need: memset/memcpy
// (GCC may emit calls to them), string helpers, error text.
#include <errno.h>

#include "sys.hpp"

int main(int argc, char** argv, char** envp);

extern "C" {

// GCC may call these for struct copies and zeroing (built with -fno-tree-loop-distribute-patterns
// so that these loops, and str_len, do not become calls to themselves or to strlen).
void* memset(void* d, int c, size_t n) {
    auto* p = static_cast<unsigned char*>(d);
    while (n--) *p++ = static_cast<unsigned char>(c);
    return d;
}

void* memcpy(void* d, const void* s, size_t n) {
    auto* p = static_cast<unsigned char*>(d);
    auto* q = static_cast<const unsigned char*>(s);
    while (n--) *p++ = *q++;
    return d;
}

void* memmove(void* d, const void* s, size_t n) {
    auto* p = static_cast<unsigned char*>(d);
    auto* q = static_cast<const unsigned char*>(s);
    if (p < q) {
        while (n--) *p++ = *q++;
    } else {
        while (n--) p[n] = q[n];
    }
    return d;
}

__attribute__((used)) [[noreturn]] void vs_init_start(long* sp) {
    int argc = static_cast<int>(sp[0]);
    char** argv = reinterpret_cast<char**>(sp + 1);
    char** envp = argv + argc + 1;
    vsinit::sys_exit(main(argc, argv, envp));
}

}  // extern "C"

// The kernel enters with the stack pointer at argc (System V ABI / AAPCS64 process start).
#if defined(__x86_64__)
__asm__(
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "    xor %rbp, %rbp\n"
    "    mov %rsp, %rdi\n"
    "    and $-16, %rsp\n"
    "    call vs_init_start\n"
    "    hlt\n");
#elif defined(__aarch64__)
__asm__(
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "    mov x29, #0\n"
    "    mov x30, #0\n"
    "    mov x0, sp\n"
    "    bl vs_init_start\n");
#endif

namespace vsinit {

size_t str_len(const char* s) {
    size_t n = 0;
    while (s[n]) ++n;
    return n;
}

bool str_eq(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}

bool str_starts(const char* s, const char* prefix) {
    while (*prefix)
        if (*s++ != *prefix++) return false;
    return true;
}

const char* str_chr(const char* s, char c) {
    for (; *s; ++s)
        if (*s == c) return s;
    return nullptr;
}

void mem_copy(void* dst, const void* src, size_t n) { memcpy(dst, src, n); }

int parse_int(const char* s) {
    int v = 0;
    while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
    return v;
}

Text& Text::add(const char* s) {
    while (*s && len + 1 < sizeof buf) buf[len++] = *s++;
    return *this;
}

Text& Text::add_int(long v) {
    char tmp[24];
    int n = 0;
    bool neg = v < 0;
    unsigned long u = neg ? 0UL - static_cast<unsigned long>(v) : static_cast<unsigned long>(v);
    do {
        tmp[n++] = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg) tmp[n++] = '-';
    while (n && len + 1 < sizeof buf) buf[len++] = tmp[--n];
    return *this;
}

Text& Text::add_errno(int err) {
    switch (err) {
        case ENOENT:
            return add("No such file or directory");
        case EACCES:
            return add("Permission denied");
        case ENOEXEC:
            return add("Exec format error");
        case ENOTDIR:
            return add("Not a directory");
        case ELOOP:
            return add("Too many levels of symbolic links");
        case ETXTBSY:
            return add("Text file busy");
        case E2BIG:
            return add("Argument list too long");
        case ENOMEM:
            return add("Cannot allocate memory");
        case EPERM:
            return add("Operation not permitted");
        case EAGAIN:
            return add("Resource temporarily unavailable");
        default:
            return add("errno ").add_int(err);
    }
}

const char* Text::c_str() {
    buf[len] = 0;
    return buf;
}

void say(Text& t) {
    Text line;
    line.add("vs-init: ").add(t.c_str()).add("\n");
    sys_write(2, line.buf, line.len);
}

}  // namespace vsinit
