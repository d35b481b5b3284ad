// Data-driven semantics: every case in tests/cases/eval/*.jsonl names the rule (docs/semantics.md)
// it tests and the decision AWS documents.
#include "iamforge/policy/evaluator.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "case_runner.hpp"

using namespace iamforge;
using namespace iamforge::policy;

TEST(EvaluatorRules, CaseFiles) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(test::data_path("cases/eval"))) {
    if (e.path().extension() != ".jsonl") continue;
    for (const auto& o : test::run_cases(e.path().string())) {
      ++n;
      EXPECT_TRUE(o.error.empty()) << o.id << ": " << o.error;
      EXPECT_EQ(o.got, o.expected) << o.id << " [" << o.rule << "]";
    }
  }
  EXPECT_GE(n, 60u);
}

TEST(Evaluator, ExplainsDecidingStatementsAndMissingKeys) {
  auto r = parse(R"({"Version":"2012-10-17","Statement":[
      {"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"ml"}}},
      {"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]})",
                 PolicyType::Inline);
  ASSERT_TRUE(r.ok());
  CompiledPolicy cp(r.policy, PolicyType::Inline, "team.json");
  PolicySet set;
  set.identity.push_back(&cp);
  Request req;
  req.principal = "arn:aws:iam::111122223333:user/alice";
  req.action = "s3:GetObject";
  req.resource = "arn:aws:s3:::b/k";
  Verdict v = evaluate(set, req);
  EXPECT_EQ(v.decision, Decision::ImplicitlyDenied);
  ASSERT_EQ(v.missing_context_keys.size(), 1u);
  EXPECT_EQ(v.missing_context_keys[0], "aws:PrincipalTag/team");
  req.context.set("aws:PrincipalTag/team", "ml");
  v = evaluate(set, req);
  EXPECT_EQ(v.decision, Decision::Allowed);
  ASSERT_EQ(v.deciding.size(), 1u);
  EXPECT_EQ(v.deciding[0].sid, "Read");
  EXPECT_EQ(v.identity, TypeResult::Allowed);
  req.action = "s3:DeleteObject";
  v = evaluate(set, req);
  EXPECT_EQ(v.decision, Decision::ExplicitlyDenied);
  ASSERT_EQ(v.deciding.size(), 1u);
  EXPECT_EQ(v.deciding[0].sid, "NoDelete");
  EXPECT_EQ(v.deciding[0].index, 1u);
}
