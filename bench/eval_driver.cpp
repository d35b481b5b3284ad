// A fixed-work driver for instruction counts (callgrind), which stay deterministic on a noisy machine:
//   valgrind --tool=callgrind --toggle-collect='iamforge::policy::evaluate*' bench/eval_driver [ROUNDS]
// Evaluates every ml-team case of the visible corpus ROUNDS times (compiled once, Explain::No) and
// prints the number of decisions; Ir per decision = collected Ir / decisions.
//   bench/eval_driver --batch FILE [--no-cache]: the per-line work of `iamforge simulate --cases`
// (JSON decode, case decoding with shared compiled policies, evaluation, output line), on one thread.
//   bench/eval_driver --validate ROUNDS: parse + validate every managed policy of the corpus ROUNDS
// times (BM_ParseValidateManaged's work); Ir per round = (Ir of ROUNDS=k+1) - (Ir of ROUNDS=k).
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <optional>
#include <string>

#include <filesystem>

#include "iamforge/base/strings.hpp"
#include "iamforge/policy/case_file.hpp"
#include "iamforge/policy/validator.hpp"

using namespace iamforge;

int batch(const char* path, bool use_cache) {
  std::ifstream in(path, std::ios::binary);
  std::string line, id, err, out;
  policy::PolicyCache cache;
  size_t n = 0, bad = 0;
  while (std::getline(in, line)) {
    json::ParseResult j = json::parse(line);
    std::optional<policy::Case> c;
    if (j.ok()) c = policy::case_from_json(j.value, line, id, err, policy::ActionIndex::Skip, use_cache ? &cache : nullptr);
    ++n;
    if (!c) {
      ++bad;
      continue;
    }
    out += id;
    out += policy::to_string(policy::evaluate(c->set, c->request, policy::Explain::No).decision);
    if (out.size() > 1 << 16) out.clear();
  }
  std::printf("cases %zu errors %zu cache hits %zu/%zu\n", n, bad, cache.hits(), cache.hits() + cache.misses());
  return 0;
}

int validate(int rounds) {
  std::vector<std::string> docs;
  size_t bytes = 0, diags = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(IAMFORGE_TEST_DATA) + "/data/managed-policies")) {
    if (e.path().extension() != ".json") continue;
    std::string t, err;
    base::read_file(e.path().string(), t, err);
    bytes += t.size();
    docs.push_back(std::move(t));
  }
  (void)catalog::Catalog::builtin();
  for (int r = 0; r < rounds; ++r)
    for (const auto& d : docs) diags += policy::check(d, policy::PolicyType::Identity, policy::Owner::Aws).size();
  std::printf("documents %zu bytes %zu rounds %d diagnostics %zu\n", docs.size(), bytes, rounds, diags);
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "--validate") return validate(std::atoi(argv[2]));
  if (argc > 2 && std::string(argv[1]) == "--batch") return batch(argv[2], !(argc > 3 && std::string(argv[3]) == "--no-cache"));
  int rounds = argc > 1 ? std::atoi(argv[1]) : 1;
  std::deque<policy::Case> cases;
  std::ifstream in(std::string(IAMFORGE_TEST_DATA) + "/data/corpus/eval-visible.jsonl");
  std::string line, id, err;
  while (std::getline(in, line)) {
    if (line.find("\"family\":\"ml-team\"") == std::string::npos) continue;
    auto j = json::parse(line);
    if (auto c = policy::case_from_json(j.value, id, err)) cases.push_back(std::move(*c));
  }
  unsigned long decisions = 0, allowed = 0;
  for (int r = 0; r < rounds; ++r)
    for (const auto& c : cases) {
      allowed += policy::evaluate(c.set, c.request, policy::Explain::No).decision == policy::Decision::Allowed;
      ++decisions;
    }
  std::printf("cases %zu decisions %lu allowed %lu\n", cases.size(), decisions, allowed);
  return 0;
}
