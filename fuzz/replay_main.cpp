// Replays saved fuzz inputs through the fuzz targets' checks without libFuzzer (any compiler).
//
//   fuzz_replay TARGET FILE|DIR...   run every file (directories: every file in them, not recursive)
//   fuzz_replay --root FUZZ_DIR      run FUZZ_DIR/{corpus,regressions}/<target>/* through <target>
//
// A failing check aborts after printing its dump; the file being replayed is printed first.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "checks.hpp"

namespace fs = std::filesystem;

namespace {

using Check = int (*)(const std::uint8_t*, std::size_t);

struct Target {
  const char* name;
  Check check;
};
const Target kTargets[] = {
    {"json_fuzz", iamforge::fuzz::check_json_fuzz},
    {"policy_fuzz", iamforge::fuzz::check_policy_fuzz},
    {"eval_fuzz", iamforge::fuzz::check_eval_fuzz},
};

const Target* find_target(const std::string& name) {
  for (const auto& t : kTargets)
    if (name == t.name) return &t;
  return nullptr;
}

std::vector<fs::path> files_in(const fs::path& p) {
  std::vector<fs::path> out;
  if (fs::is_directory(p)) {
    for (const auto& e : fs::directory_iterator(p))
      if (e.is_regular_file() && e.path().filename().string().rfind('.', 0) != 0 && e.path().filename() != "README.md")
        out.push_back(e.path());
  } else {
    out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool replay(const Target& t, const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz_replay: cannot read %s\n", file.c_str());
    return false;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "%s %s (%zu bytes)\n", t.name, file.c_str(), bytes.size());
  t.check(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s TARGET FILE|DIR...\n       %s --root FUZZ_DIR\n", argv[0], argv[0]);
    return 2;
  }
  std::size_t n = 0;
  bool ok = true;
  if (std::string(argv[1]) == "--root") {
    fs::path root = argv[2];
    if (!fs::is_directory(root / "corpus")) {
      std::fprintf(stderr, "fuzz_replay: %s has no corpus/ directory\n", argv[2]);
      return 2;
    }
    for (const char* kind : {"corpus", "regressions"}) {
      if (!fs::is_directory(root / kind)) continue;
      for (const auto& dir : fs::directory_iterator(root / kind)) {
        if (!dir.is_directory()) continue;
        const Target* t = find_target(dir.path().filename().string());
        if (!t) {
          std::fprintf(stderr, "fuzz_replay: %s: no such target\n", dir.path().c_str());
          ok = false;
          continue;
        }
        for (const auto& f : files_in(dir.path())) ok &= replay(*t, f), ++n;
      }
    }
  } else {
    const Target* t = find_target(argv[1]);
    if (!t) {
      std::fprintf(stderr, "fuzz_replay: unknown target %s (json_fuzz, policy_fuzz, eval_fuzz)\n", argv[1]);
      return 2;
    }
    for (int i = 2; i < argc; ++i)
      for (const auto& f : files_in(argv[i])) ok &= replay(*t, f), ++n;
  }
  std::printf("fuzz_replay: %zu inputs replayed, %s\n", n, ok ? "all checks passed" : "some inputs unreadable");
  return ok && n > 0 ? 0 : 1;
}
