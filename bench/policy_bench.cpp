// Speed of the policy engine: compiled evaluation, parse + validate, and case decoding.
// Targets (issue 2): >= 5M decisions/s on one core for the ml-team family; >= 100 MB/s parse+validate.
#include <benchmark/benchmark.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>

#include "iamforge/base/strings.hpp"
#include "iamforge/policy/case_file.hpp"
#include "iamforge/policy/validator.hpp"

using namespace iamforge;

namespace {

std::string data(const std::string& rel) { return std::string(IAMFORGE_TEST_DATA) + "/" + rel; }

bool is_ml_team(const std::string& line) {
  return line.find("\"family\":\"ml-team\"") != std::string::npos || line.find("\"family\": \"ml-team\"") != std::string::npos;
}

// `cache`: share the compiled form of byte-identical documents between cases (a server compiles each
// distinct policy once); without it every case owns private copies (4,082 policies, 2,134 distinct).
std::deque<policy::Case> load_ml_team(policy::PolicyCache* cache) {
  std::deque<policy::Case> out;
  std::ifstream in(data("data/corpus/eval-visible.jsonl"));
  std::string line, id, err;
  while (std::getline(in, line)) {
    if (!is_ml_team(line)) continue;
    auto j = json::parse(line);
    if (auto c = policy::case_from_json(j.value, line, id, err, policy::ActionIndex::Build, cache)) out.push_back(std::move(*c));
  }
  return out;
}

std::deque<policy::Case>& ml_team_cases() {
  static std::deque<policy::Case> cases = load_ml_team(nullptr);
  return cases;
}

std::deque<policy::Case>& ml_team_cases_shared() {
  static policy::PolicyCache cache(1u << 20);
  static std::deque<policy::Case> cases = load_ml_team(&cache);
  return cases;
}

// Decides the first `n` cases in turn, one per iteration, round and round.
void decide_in_turn(benchmark::State& state, const std::deque<policy::Case>& cases, size_t n,
                    policy::Explain explain = policy::Explain::No) {
  n = std::min(n, cases.size());
  size_t i = 0;
  for (auto _ : state) {
    const auto& c = cases[i];
    benchmark::DoNotOptimize(policy::evaluate(c.set, c.request, explain).decision);
    if (++i == n) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["cases"] = static_cast<double>(n);
}

// Compiled evaluation: policies compiled once (as a server would), requests evaluated repeatedly.
void BM_EvaluateMlTeam(benchmark::State& state) { decide_in_turn(state, ml_team_cases(), ml_team_cases().size()); }
BENCHMARK(BM_EvaluateMlTeam);

// The same cycle over only the first N cases: how the rate depends on the data one cycle touches
// (about 5 KB a case: policies, request, context) against the core's L2 (1 MB per core here).
void BM_EvaluateMlTeamFirstN(benchmark::State& state) {
  decide_in_turn(state, ml_team_cases(), static_cast<size_t>(state.range(0)));
}
BENCHMARK(BM_EvaluateMlTeamFirstN)->Arg(100)->Arg(300)->Arg(600);

// The same cycle, with byte-identical policy documents compiled once and shared between cases.
void BM_EvaluateMlTeamShared(benchmark::State& state) {
  decide_in_turn(state, ml_team_cases_shared(), ml_team_cases_shared().size());
}
BENCHMARK(BM_EvaluateMlTeamShared);

// 1,200 cases again, each compiled on its own (as cold in memory as BM_EvaluateMlTeam), but copies
// of only the first N ml-team cases in turn: the branches repeat every N decisions. Against
// BM_EvaluateMlTeam (1,200 different cases) this separates what a cold decision pays for memory
// from what it pays for branches the predictor cannot learn.
std::deque<policy::Case> ml_team_copies(size_t distinct) {
  std::vector<std::string> lines;
  std::ifstream in(data("data/corpus/eval-visible.jsonl"));
  std::string line, id, err;
  while (lines.size() < distinct && std::getline(in, line))
    if (is_ml_team(line)) lines.push_back(line);
  std::deque<policy::Case> out;
  for (size_t k = 0; k < ml_team_cases().size() && !lines.empty(); ++k) {
    const std::string& l = lines[k % lines.size()];
    auto j = json::parse(l);
    if (auto c = policy::case_from_json(j.value, l, id, err, policy::ActionIndex::Build, nullptr)) out.push_back(std::move(*c));
  }
  return out;
}

void BM_EvaluateMlTeamCopies(benchmark::State& state) {
  static std::map<int64_t, std::deque<policy::Case>> by_n;
  auto& cases = by_n[state.range(0)];
  if (cases.empty()) cases = ml_team_copies(static_cast<size_t>(state.range(0)));
  decide_in_turn(state, cases, cases.size());
}
BENCHMARK(BM_EvaluateMlTeamCopies)->Arg(1)->Arg(100);

// The same, with each case's policies hot in cache: 32 consecutive decisions per case (a server
// evaluating one role's policies for a stream of requests).
void BM_EvaluateMlTeamWarm(benchmark::State& state) {
  auto& cases = ml_team_cases();
  size_t i = 0, r = 0;
  for (auto _ : state) {
    const auto& c = cases[i];
    benchmark::DoNotOptimize(policy::evaluate(c.set, c.request, policy::Explain::No).decision);
    if (++r == 32) {
      r = 0;
      if (++i == cases.size()) i = 0;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EvaluateMlTeamWarm);

void BM_EvaluateMlTeamExplained(benchmark::State& state) {
  decide_in_turn(state, ml_team_cases(), ml_team_cases().size(), policy::Explain::Yes);
}
BENCHMARK(BM_EvaluateMlTeamExplained);

// The managed policies of the corpus, read once, and their total size in bytes.
const std::vector<std::string>& managed_docs(size_t* bytes) {
  static size_t total = 0;
  static const std::vector<std::string> docs = [] {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(data("data/managed-policies"))) {
      if (e.path().extension() != ".json") continue;
      std::string t, err;
      base::read_file(e.path().string(), t, err);
      total += t.size();
      out.push_back(std::move(t));
    }
    return out;
  }();
  *bytes = total;
  return docs;
}

// Parse + validate every managed policy in the corpus (bytes/s over the documents' sizes).
void BM_ParseValidateManaged(benchmark::State& state) {
  size_t bytes = 0;
  const auto& docs = managed_docs(&bytes);
  (void)catalog::Catalog::builtin();
  for (auto _ : state)
    for (const auto& d : docs) benchmark::DoNotOptimize(policy::check(d, policy::PolicyType::Identity, policy::Owner::Aws));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_ParseValidateManaged)->Unit(benchmark::kMillisecond);

void BM_ParseOnlyManaged(benchmark::State& state) {
  size_t bytes = 0;
  const auto& docs = managed_docs(&bytes);
  for (auto _ : state)
    for (const auto& d : docs) benchmark::DoNotOptimize(policy::parse(d, policy::PolicyType::Identity));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_ParseOnlyManaged)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
