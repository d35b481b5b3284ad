// libFuzzer entry point for eval_fuzz; the body is check_eval_fuzz (fuzz/check_eval.cpp), shared
// with the replay driver that the ctest fuzz_regressions runs.
#include "checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return iamforge::fuzz::check_eval_fuzz(data, size);
}
