// iamforge's process entry point; the command line itself is iamforge::cli::run (main.cpp), which
// SDK programs (src/sdk, examples/seed/main.cpp) run too.
#include "commands.hpp"

// (jemalloc's options for this executable: cmake/jemalloc_conf.cpp.)

int main(int argc, char** argv) { return iamforge::cli::run(argc, argv); }
