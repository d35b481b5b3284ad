// iamforge's process entry point; the command line itself is iamforge::cli::run (main.cpp), which
// SDK programs (src/sdk, examples/seed/main.cpp) run too.
#include "commands.hpp"

// jemalloc's options for this executable (read once, before the first allocation; a MALLOC_CONF
// environment variable still overrides them). Transparent huge pages for jemalloc's arenas and its
// metadata: fresh memory then comes 2 MB per fault instead of 4 KB, and with it far fewer
// copy-on-write faults and purges. In a process whose threads run on several CPUs each of those
// flushes the other CPUs' TLBs with an interprocessor interrupt; on this project's 2-vCPU machines
// an IPI costs a few hundred microseconds, and `simulate --cases` with two workers spent 16 ms of
// system time against 4 ms with one (measured: perf stat -e user_time,system_time, and
// ipi:ipi_send_cpu 47 -> 38). With huge pages: batch on the visible corpus 26.5-27.4 -> 23.2-24.9
// ms (perf stat -r 40, three rounds), system time 16.4 -> 11.7 ms, peak RSS 17 -> 33 MB. Without
// THP in the kernel ("never") the option does nothing. (Ignored when jemalloc is not linked.)
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:always";
}

int main(int argc, char** argv) { return iamforge::cli::run(argc, argv); }
