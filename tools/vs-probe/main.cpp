// vs-probe: a static payload run inside guests by the integration tests; prints what it sees.
#include <cstdio>

int main() {
    std::puts("{}");
    return 0;
}
