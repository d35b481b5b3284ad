#pragma once
// The fuzz targets' bodies, shared by the libFuzzer binaries (fuzz/*_fuzz.cpp, clang only) and by
// the replay driver (fuzz/replay_main.cpp, any compiler) that the ctest `fuzz_regressions` runs over
// fuzz/corpus/*/ and fuzz/regressions/*/. Each returns 0; a violated property prints a readable
// dump to stderr and aborts (libFuzzer then saves the input as a crash).
#include <cstddef>
#include <cstdint>
#include <string>

namespace iamforge::fuzz {

/// json::parse on arbitrary bytes; spans stay inside the input; diagnostics render; when the parse
/// is ok, write(parse(x)) parses again and writes the same text.
int check_json_fuzz(const std::uint8_t* data, std::size_t size);

/// policy::check with every PolicyType; the canonical printer round trip: when parse is ok,
/// parse(print(p)) is ok, structurally equal, and print is idempotent; the compiled form evaluates.
int check_policy_fuzz(const std::uint8_t* data, std::size_t size);

/// A small policy set and request derived from the bytes by a structured generator; the evaluator
/// and the naive oracle (tests/oracle) must decide it the same way.
int check_eval_fuzz(const std::uint8_t* data, std::size_t size);

/// Prints `what` and `details` to stderr and aborts.
[[noreturn]] void fail(const std::string& what, const std::string& details);

}  // namespace iamforge::fuzz
