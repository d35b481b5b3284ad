// Data-driven semantics: every case in tests/cases/eval/*.jsonl names the rule (docs/semantics.md)
// it tests and the decision AWS documents.
#include "iamforge/policy/evaluator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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

// A compiled policy lists the context keys it can read: condition keys and policy variables (in
// resources and in condition values), case-insensitively, once each; not keys it never reads, and
// no variables in a 2008-10-17 policy (where `${...}` is literal text).
TEST(Evaluator, CompiledPolicyListsTheContextKeysItReads) {
  auto r = parse(R"({"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/Team}/*",
       "Condition":{"StringEquals":{"aws:RequestTag/team":"${aws:PrincipalTag/team}"},"Bool":{"AWS:SecureTransport":"true"}}},
      {"Effect":"Deny","NotAction":"s3:*","Resource":"*","Condition":{"Null":{"aws:securetransport":"true"}}},
      {"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/a-tag-key-longer-than-sixty-three-bytes-together-with-its-prefix":"x"}}}]})",
                 PolicyType::Inline);
  ASSERT_TRUE(r.ok());
  CompiledPolicy cp(r.policy, PolicyType::Inline, "p", ActionIndex::Skip);
  std::vector<std::uint64_t> want = {Context::hash_key("aws:principaltag/team"), Context::hash_key("aws:requesttag/team"),
                                     Context::hash_key("aws:securetransport"),
                                     Context::hash_key("aws:requesttag/a-tag-key-longer-than-sixty-three-bytes-together-with-its-prefix")};
  std::sort(want.begin(), want.end());
  std::span<const std::uint64_t> got = cp.context_keys();
  EXPECT_EQ(std::vector<std::uint64_t>(got.begin(), got.end()), want);
  // 21: aws:PrincipalTag/team; 19: aws:RequestTag/team and aws:SecureTransport; 63: 63 bytes or more
  EXPECT_EQ(cp.context_key_lengths(), (std::uint64_t{1} << 21) | (std::uint64_t{1} << 19) | (std::uint64_t{1} << 63));

  auto old = parse(R"({"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject",
      "Resource":"arn:aws:s3:::b/${aws:username}"}})", PolicyType::Inline);
  ASSERT_TRUE(old.ok());
  EXPECT_TRUE(CompiledPolicy(old.policy, PolicyType::Inline, "old").context_keys().empty());
  EXPECT_EQ(CompiledPolicy(old.policy, PolicyType::Inline, "old").context_key_lengths(), 0u);
}

// The evaluator's SWAR paths (action lowercasing, case-insensitive ARN fields of every length, the
// precomputed `literal*` resource part): case variants decide as the canonical spelling does, for
// indexed and unindexed policies, and against the naive expectation.
TEST(Evaluator, CaseInsensitiveFieldsAndActionsAcrossWordBoundaries) {
  auto r = parse(R"({"Version":"2012-10-17","Statement":[
      {"Sid":"Jobs","Effect":"Allow","Action":"SageMaker:CreateTrainingJob","Resource":"arn:AWS:SAGEMAKER:US-EAST-1:111122223333:training-job/nlp-*"},
      {"Sid":"Bucket","Effect":"Allow","Action":"s3:getobject","Resource":"arn:aws:S3:::Data/Team/*"}]})",
                 PolicyType::Inline);
  ASSERT_TRUE(r.ok());
  for (ActionIndex index : {ActionIndex::Build, ActionIndex::Skip}) {
    CompiledPolicy cp(r.policy, PolicyType::Inline, "p", index);
    PolicySet set;
    set.identity.push_back(&cp);
    Request req;
    req.principal = "arn:aws:iam::111122223333:user/alice";
    auto decide = [&](const char* action, const char* resource) {
      req.action = action;
      req.resource = resource;
      return evaluate(set, req, Explain::No).decision;
    };
    for (const char* action : {"sagemaker:CreateTrainingJob", "SAGEMAKER:CREATETRAININGJOB", "sageMaker:createTrainingjob"}) {
      EXPECT_EQ(decide(action, "arn:aws:sagemaker:us-east-1:111122223333:training-job/nlp-7"), Decision::Allowed) << action;
      EXPECT_EQ(decide(action, "arn:aws:sagemaker:US-East-1:111122223333:training-job/nlp-7"), Decision::Allowed) << action;
      // The resource part is case-sensitive; the account and region must match.
      EXPECT_EQ(decide(action, "arn:aws:sagemaker:us-east-1:111122223333:training-job/NLP-7"), Decision::ImplicitlyDenied);
      EXPECT_EQ(decide(action, "arn:aws:sagemaker:us-east-2:111122223333:training-job/nlp-7"), Decision::ImplicitlyDenied);
      EXPECT_EQ(decide(action, "arn:aws:sagemaker:us-east-1:111122223334:training-job/nlp-7"), Decision::ImplicitlyDenied);
      EXPECT_EQ(decide(action, "arn:aws:sagemakex:us-east-1:111122223333:training-job/nlp-7"), Decision::ImplicitlyDenied);
    }
    EXPECT_EQ(decide("S3:GetObject", "arn:aws:s3:::Data/Team/x"), Decision::Allowed);
    EXPECT_EQ(decide("s3:GetObject", "arn:aws:s3:::Data/Team/"), Decision::Allowed);    // `*` matches empty
    EXPECT_EQ(decide("s3:GetObject", "arn:aws:s3:::Data/Team"), Decision::ImplicitlyDenied);
    EXPECT_EQ(decide("s3:GetObject", "arn:aws:s3:::data/team/x"), Decision::ImplicitlyDenied);
    EXPECT_EQ(decide("s3:GetObjectX", "arn:aws:s3:::Data/Team/x"), Decision::ImplicitlyDenied);
  }
}
