// The cgroup-v2 VM's mark for the priv suite, as tests/integration/host_only.bash has for the
// bats suites (docs/testing.md): VS_NO_CGROUP(), the first statement of a test that runs no
// cgroup code, skips it when VS_TEST_VM is set (tests/vm/stage2.sh). The VM's point is cgroup v2
// on Debian's kernel, and each test there costs many times its host time; the host runs it.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>

#define VS_NO_CGROUP()                                                   \
    do {                                                                 \
        if (std::getenv("VS_TEST_VM") != nullptr)                        \
            GTEST_SKIP() << "no cgroup code involved: runs on the host"; \
    } while (0)
