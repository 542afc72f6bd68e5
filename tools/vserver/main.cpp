// vserver: the multi-call binary (vps, vkill, vserver-stat... are symlinks to it).
#include "cli/registry.hpp"

int main(int argc, char** argv) { return vs::cli::main(argc, argv); }
