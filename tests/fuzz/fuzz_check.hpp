// FUZZ_CHECK: a property every fuzz target asserts; a violation prints the values and aborts, so
// libFuzzer saves the input (docs/testing.md "Fuzzing").
#pragma once

#include <fmt/format.h>

#include <cstdlib>

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fmt::print(stderr, "fuzz property failed: {}: {}\n", #cond, fmt::format(__VA_ARGS__)); \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)
