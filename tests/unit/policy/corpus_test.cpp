// Differential: the shared corpus (expected decisions from @cloud-copilot/iam-simulate 0.1.173) and
// our own generated fixtures. Every disagreement must be an adjudicated divergence listed in
// tests/cases/divergences/, with the decision AWS's documentation supports.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "case_runner.hpp"

using namespace iamforge;

namespace {

std::map<std::string, std::string> load_divergences(const std::string& path) {
  std::map<std::string, std::string> m;  // id -> our decision
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string id, sim, ours;
    std::getline(ss, id, '\t');
    std::getline(ss, sim, '\t');
    std::getline(ss, ours, '\t');
    m[id] = ours;
  }
  return m;
}

const std::vector<std::string> kDoubtful = {"wildcard-only-action-with-arn-pattern", "unresolved-policy-variable",
                                            "multivalued-key-without-set-operator", "set-operator-on-single-valued-key",
                                            "empty-multivalued-context-key", "null-on-empty-multivalued"};

void check_file(const std::string& cases, const std::string& divergences, size_t min_cases) {
  auto adjudicated = load_divergences(divergences);
  size_t n = 0, untagged = 0, untagged_agree = 0;
  for (const auto& o : test::run_cases(cases)) {
    ++n;
    ASSERT_TRUE(o.error.empty()) << o.id << ": " << o.error;
    bool tagged = false;
    for (const auto& t : o.tags)
      for (const auto& d : kDoubtful) tagged |= t == d;
    auto it = adjudicated.find(o.id);
    if (it != adjudicated.end()) {
      EXPECT_EQ(o.got, it->second) << o.id << ": adjudicated decision changed";
      EXPECT_NE(o.got, o.expected) << o.id << ": now agrees with the simulator; remove it from " << divergences;
    } else {
      EXPECT_EQ(o.got, o.expected) << o.id << ": new disagreement with the simulator";
    }
    if (!tagged) {
      ++untagged;
      untagged_agree += o.got == o.expected;
    }
  }
  EXPECT_GE(n, min_cases);
  double rate = untagged ? double(untagged_agree) / double(untagged) : 1.0;
  EXPECT_GE(rate, 0.995) << untagged_agree << "/" << untagged;
  std::printf("%s: %zu cases, untagged agreement %zu/%zu (%.2f%%), adjudicated %zu\n", cases.c_str(), n, untagged_agree,
              untagged, 100 * rate, adjudicated.size());
}

}  // namespace

TEST(Corpus, VisibleCasesAgreeExceptAdjudicated) {
  check_file(test::data_path("data/corpus/eval-visible.jsonl"), test::data_path("cases/divergences/eval-visible.tsv"), 3000);
}

TEST(Corpus, GeneratedDifferentialCases) {
  std::string path = test::data_path("data/differential/diff-cases.jsonl");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no generated fixtures";
  check_file(path, test::data_path("cases/divergences/diff-cases.tsv"), 5000);
}
