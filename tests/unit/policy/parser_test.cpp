// Grammar rules (docs/semantics.md §G) and the printer twin.
#include <gtest/gtest.h>

#include <filesystem>

#include "iamforge/policy/policy.hpp"
#include "test_util.hpp"

using namespace iamforge;
using namespace iamforge::policy;
using test::codes;
using test::has_code;

namespace {
std::vector<base::Diagnostic> diags(const std::string& text, PolicyType t = PolicyType::Identity) {
  return parse(text, t).diagnostics;
}
}  // namespace

TEST(Parser, StatementMayBeObjectOrArray) {
  auto a = parse(R"({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}})",
                 PolicyType::Identity);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a.policy.statements.size(), 1u);
  EXPECT_EQ(a.policy.statements[0].actions[0].value, "s3:GetObject");
  EXPECT_EQ(a.policy.version, Version::V2012_10_17);
}

TEST(Parser, UnknownEffectSuggestsFix) {
  auto d = diags(R"({"Version":"2012-10-17","Statement":[{"Effect":"Alow","Action":"s3:GetObject","Resource":"*"}]})");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].code, "policy.unknown-effect");
  EXPECT_EQ(d[0].span.begin, 47u);
  EXPECT_EQ(d[0].help, "did you mean `Allow`?");
}

TEST(Parser, CollectsEveryProblem) {
  auto d = diags(R"({"Version":"2012-10-17","Statment":[],"Statement":[
    {"Effect":"Allow","Action":"s3:GetObject","NotAction":"s3:PutObject","Resource":"*","Principal":"*"},
    {"Effect":"Deny","Resource":"*","Condition":{"StringEqualz":{"aws:username":"x"},"NullIfExists":{"a:b":"true"},"ForSomeValues:StringLike":{"a:b":"c"}}}]})");
  for (auto c : {"policy.unknown-element", "policy.action-and-notaction", "policy.principal-forbidden",
                 "policy.missing-action", "policy.unknown-condition-operator", "policy.null-ifexists",
                 "policy.unknown-qualifier"})
    EXPECT_TRUE(has_code(d, c)) << c;
  for (size_t i = 1; i < d.size(); ++i) EXPECT_LE(d[i - 1].span.begin, d[i].span.begin);
}

TEST(Parser, RulesPerPolicyType) {
  std::string no_principal = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})";
  EXPECT_TRUE(has_code(diags(no_principal, PolicyType::Resource), "policy.missing-principal"));
  EXPECT_TRUE(has_code(diags(no_principal, PolicyType::Trust), "policy.missing-principal"));
  EXPECT_TRUE(has_code(diags(no_principal, PolicyType::Trust), "policy.resource-forbidden"));
  EXPECT_TRUE(diags(no_principal, PolicyType::Scp).empty());
  std::string no_resource = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]})";
  EXPECT_TRUE(has_code(diags(no_resource, PolicyType::Identity), "policy.missing-resource"));
  std::string trust = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
  EXPECT_TRUE(diags(trust, PolicyType::Trust).empty());
  std::string np = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]})";
  EXPECT_TRUE(has_code(diags(np, PolicyType::Trust), "policy.notprincipal-forbidden"));
}

TEST(Parser, PrincipalForms) {
  auto r = parse(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::111122223333:role/x"],"Service":"ec2.amazonaws.com"},"Action":"s3:GetObject","Resource":"*"}]})",
                 PolicyType::Resource);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.policy.statements[0].principals.size(), 3u);
  EXPECT_EQ(r.policy.statements[0].principals[2].kind, PrincipalKind::Service);
  EXPECT_TRUE(has_code(diags(R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:role/*"},"Action":"a:b"}]})",
                             PolicyType::Resource),
                       "policy.invalid-principal"));
  EXPECT_TRUE(has_code(diags(R"({"Statement":[{"Effect":"Allow","Principal":{"Aws":"1"},"Action":"a:b"}]})", PolicyType::Resource),
                       "policy.unknown-principal-type"));
}

TEST(Parser, ConditionQualifiersAndIfExists) {
  auto r = parse(R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
    "Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*","b"]},"NumericLessThan":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true}}}]})",
                 PolicyType::Identity);
  ASSERT_TRUE(r.ok());
  const auto& c = r.policy.statements[0].conditions;
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].qualifier, Qualifier::ForAnyValue);
  EXPECT_TRUE(c[0].if_exists);
  EXPECT_EQ(c[0].op, ConditionOp::StringLike);
  EXPECT_EQ(c[1].values[0].value, "10");   // numbers keep their text
  EXPECT_EQ(c[2].values[0].value, "true");
}

TEST(Parser, MalformedInputNeverCrashes) {
  for (std::string bad : {"", "null", "[]", "\"x\"", "{", "{\"Statement\": 5}", "{\"Statement\": [1, \"x\", null]}",
                          "{\"Statement\": [{\"Effect\": [\"Allow\"], \"Action\": {}, \"Resource\": [[]]}]}",
                          "{\"Statement\": [{\"Condition\": {\"StringEquals\": []}}]}",
                          "{\"Statement\": [{\"Condition\": {\"StringEquals\": {\"a:b\": [{}]}}}]}"}) {
    auto r = parse(bad, PolicyType::Identity);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

// Twin: printing is canonical and idempotent, and parsing the print gives back the same policy.
TEST(Printer, RoundTripsEveryManagedPolicy) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(test::data_path("data/managed-policies"))) {
    if (e.path().extension() != ".json") continue;
    std::string text = test::slurp(e.path().string());
    auto a = parse(text, PolicyType::Identity);
    ASSERT_TRUE(a.ok()) << e.path();
    std::string printed = print(a.policy);
    auto b = parse(printed, PolicyType::Identity);
    ASSERT_TRUE(b.ok()) << e.path();
    EXPECT_TRUE(structurally_equal(a.policy, b.policy)) << e.path();
    EXPECT_EQ(print(b.policy), printed) << e.path();
    ++n;
  }
  EXPECT_GE(n, 200u);
}

TEST(Printer, CanonicalForm) {
  auto r = parse(R"({"Statement":{"Resource":["b","a","a"],"Action":"s3:GetObject","Effect":"Allow"},"Version":"2012-10-17"})",
                 PolicyType::Identity);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(print_compact(r.policy),
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["a","b"]}]})");
}
