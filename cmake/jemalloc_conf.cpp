// jemalloc's options for the executables that link it (cmake/Dependencies.cmake adds this file to
// each: iamforge, the benchmarks), read once, before the first allocation; a MALLOC_CONF
// environment variable still overrides them. It must be an object of the executable itself:
// jemalloc defines a weak `malloc_conf` of its own, which a member of a static library would not
// replace.
//
// Transparent huge pages for jemalloc's arenas and its metadata: fresh memory then comes 2 MB per
// fault instead of 4 KB, and with it far fewer copy-on-write faults and purges. In a process whose
// threads run on several CPUs each of those flushes the other CPUs' TLBs with an interprocessor
// interrupt; on this project's 2-vCPU machines an IPI costs a few hundred microseconds, and
// `simulate --cases` with two workers spent 16 ms of system time against 4 ms with one (measured:
// perf stat -e user_time,system_time, and ipi:ipi_send_cpu 47 -> 38). With huge pages: batch on the
// visible corpus 26.5-27.4 -> 23.2-24.9 ms (perf stat -r 40, three rounds), system time 16.4 ->
// 11.7 ms, peak RSS 17 -> 33 MB. The evaluation benchmarks (bench/policy_bench), whose 1,200 cases'
// compiled policies span ~58 MB, take fewer TLB misses: BM_EvaluateMlTeam 2.78 -> 2.90 M/s,
// Copies/100 3.55 -> 3.95 M/s. Without THP in the kernel ("never") the option does nothing.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:always";
}
