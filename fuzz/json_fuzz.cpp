// libFuzzer entry point for json_fuzz; the body is check_json_fuzz (fuzz/check_json.cpp), shared
// with the replay driver that the ctest fuzz_regressions runs.
#include "checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return iamforge::fuzz::check_json_fuzz(data, size);
}
