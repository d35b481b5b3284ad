// libFuzzer entry point for policy_fuzz; the body is check_policy_fuzz (fuzz/check_policy.cpp), shared
// with the replay driver that the ctest fuzz_regressions runs.
#include "checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return iamforge::fuzz::check_policy_fuzz(data, size);
}
