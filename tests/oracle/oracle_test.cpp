// oracle_agreement: the evaluator and the naive oracle (tests/oracle/oracle.cpp) must decide every
// case of the rule cases and the shared corpus the same way. This compares the two engines with
// each other, not with the cases' `expected` (corpus_test.cpp and evaluator_test.cpp do that).
#include "oracle.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "iamforge/policy/case_file.hpp"

using namespace iamforge;

namespace {

std::string data_path(const std::string& rel) { return std::string(IAMFORGE_TEST_DATA) + "/" + rel; }

struct Tally {
  size_t cases = 0, agree = 0;
  std::vector<std::string> disagreements;  // id + both decisions + the oracle's trace
};

Tally run_file(const std::string& path) {
  Tally t;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    json::ParseResult j = json::parse(line);
    if (!j.ok()) {
      ADD_FAILURE() << path << ":" << line_no << ": bad JSON";
      continue;
    }
    std::string id, error;
    std::optional<policy::Case> c = policy::case_from_json(j.value, id, error);
    if (!c) {
      ADD_FAILURE() << path << ":" << line_no << " " << id << ": " << error;
      continue;
    }
    oracle::OraclePolicies ops;
    if (!oracle::policies_from_case(j.value, ops, error)) {
      ADD_FAILURE() << path << ":" << line_no << " " << id << ": oracle: " << error;
      continue;
    }
    ++t.cases;
    policy::Decision fast = policy::evaluate(c->set, c->request, policy::Explain::No).decision;
    policy::Verdict explained = policy::evaluate(c->set, c->request, policy::Explain::Yes);
    // Also without the action index (batch `simulate` compiles one-shot cases that way).
    std::optional<policy::Case> unindexed = policy::case_from_json(j.value, id, error, policy::ActionIndex::Skip);
    if (!unindexed) {
      ADD_FAILURE() << path << ":" << line_no << " " << id << ": without action index: " << error;
      continue;
    }
    policy::Decision no_index = policy::evaluate(unindexed->set, unindexed->request).decision;
    std::string trace;
    policy::Decision naive = oracle::evaluate(ops, c->request, &trace);
    if (fast == naive && explained.decision == naive && no_index == naive) {
      ++t.agree;
    } else {
      t.disagreements.push_back(id + ": evaluator " + std::string(policy::to_string(fast)) + " (explain: " +
                                std::string(policy::to_string(explained.decision)) + ", " + explained.reason +
                                "; without action index: " + std::string(policy::to_string(no_index)) + "), oracle " +
                                std::string(policy::to_string(naive)) + "\n" + trace);
    }
  }
  return t;
}

void expect_full_agreement(const std::string& rel, size_t min_cases) {
  Tally t = run_file(data_path(rel));
  std::printf("%s: %zu cases, evaluator and oracle agree on %zu (%.2f%%)\n", rel.c_str(), t.cases, t.agree,
              t.cases ? 100.0 * double(t.agree) / double(t.cases) : 0.0);
  EXPECT_GE(t.cases, min_cases);
  EXPECT_EQ(t.agree, t.cases);
  for (const auto& d : t.disagreements) ADD_FAILURE() << d;
}

}  // namespace

TEST(OracleAgreement, RuleCases) { expect_full_agreement("cases/eval/rules.jsonl", 60); }

TEST(OracleAgreement, VisibleCorpus) { expect_full_agreement("data/corpus/eval-visible.jsonl", 3000); }

// The generated differential fixtures (tools/difftest), when present.
TEST(OracleAgreement, DifferentialFixtures) {
  std::ifstream probe(data_path("data/differential/diff-cases.jsonl"));
  if (!probe) GTEST_SKIP() << "no generated fixtures";
  expect_full_agreement("data/differential/diff-cases.jsonl", 1);
}

// Strings full of regex metacharacters, line breaks and non-ASCII bytes: the oracle escapes them;
// both engines must treat them as plain characters.
TEST(OracleAgreement, MetacharactersAreLiteral) {
  const char* doc = R"({"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/a.b(c)[d]+{e}|^$\\x*"},
    {"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"StringLike":{"aws:UserAgent":"(x)?.*"}}},
    {"Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::b/\u00e9?"}]})";
  policy::ParseResult p = policy::parse(doc, policy::PolicyType::Inline);
  ASSERT_TRUE(p.ok());
  policy::CompiledPolicy cp(p.policy, policy::PolicyType::Inline, "p");
  policy::PolicySet set;
  set.identity.push_back(&cp);
  oracle::OraclePolicies ops;
  ops.identity.push_back(p.policy);
  struct Probe {
    const char* action;
    const char* resource;
    const char* agent;
  };
  const Probe probes[] = {
      {"s3:GetObject", "arn:aws:s3:::b/a.b(c)[d]+{e}|^$\\x", nullptr},
      {"s3:GetObject", "arn:aws:s3:::b/a.b(c)[d]+{e}|^$\\xy\nz", nullptr},
      {"s3:GetObject", "arn:aws:s3:::b/aXb(c)[d]+{e}|^$\\x", nullptr},
      {"s3:GetObject", "arn:aws:s3:::b/a.b(c)d+{e}|^$\\x", nullptr},
      {"s3:PutObject", "*", "(x)?.*"},
      {"s3:PutObject", "*", "(x)?.*tail"},
      {"s3:PutObject", "*", "x"},
      {"s3:DeleteObject", "arn:aws:s3:::b/\xc3\xa9z", nullptr},
      {"s3:DeleteObject", "arn:aws:s3:::b/\xc3\xa9", nullptr},
      {"s3:DeleteObject", "arn:aws:s3:::b/ez", nullptr},
  };
  for (const auto& pr : probes) {
    policy::Request req;
    req.principal = "arn:aws:iam::111122223333:user/alice";
    req.action = pr.action;
    req.resource = pr.resource;
    if (pr.agent) req.context.set("aws:UserAgent", pr.agent);
    EXPECT_EQ(policy::evaluate(set, req).decision, oracle::evaluate(ops, req)) << pr.action << " " << pr.resource;
  }
}
