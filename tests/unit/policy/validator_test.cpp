// Validation rules: the founding example, catalog checks, values, sizes.
#include "iamforge/policy/validator.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.hpp"

using namespace iamforge;
using namespace iamforge::policy;
using test::has_code;

namespace {
std::vector<base::Diagnostic> check_identity(const std::string& statements) {
  return check(R"({"Version":"2012-10-17","Statement":[)" + statements + "]}", PolicyType::Identity);
}
const base::Diagnostic* find(const std::vector<base::Diagnostic>& d, const std::string& code) {
  for (const auto& x : d)
    if (x.code == code) return &x;
  return nullptr;
}
}  // namespace

// The product's founding example must validate with no error, flag the EC2 write actions on "*",
// and say that s3:ListBucket can never match an object ARN, suggesting the bucket ARN.
TEST(Validator, FoundingExample) {
  std::string text = test::slurp(test::data_path("../examples/seed/ml-policy.json"));
  auto d = check(text, PolicyType::Identity);
  EXPECT_FALSE(base::has_error(d));
  int sec = 0;
  for (const auto& x : d)
    if (x.code == "policy.write-on-all-resources") {
      ++sec;
      EXPECT_EQ(x.severity, base::Severity::SecurityWarning);
    }
  EXPECT_EQ(sec, 2);
  const auto* m = find(d, "policy.resource-mismatch");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->severity, base::Severity::Warning);
  EXPECT_NE(m->message.find("s3:ListBucket"), std::string::npos);
  EXPECT_NE(m->help.find("arn:aws:s3:::ml-datasets-*`"), std::string::npos) << m->help;
  EXPECT_EQ(find(d, "policy.resource-mismatch") + 0, m);  // GetObject/PutObject are fine: only one finding
  int mismatches = 0;
  for (const auto& x : d) mismatches += x.code == "policy.resource-mismatch";
  EXPECT_EQ(mismatches, 1);
}

TEST(Validator, UnknownServiceAndActionWithSuggestions) {
  auto d = check_identity(R"({"Effect":"Allow","Action":["s4:GetObject","s3:GetObjekt","s3:Nothing*","s3:Get*"],"Resource":"*"})");
  const auto* svc = find(d, "policy.unknown-service");
  ASSERT_NE(svc, nullptr);
  EXPECT_EQ(svc->help, "did you mean `s3`?");
  const auto* act = find(d, "policy.unknown-action");
  ASSERT_NE(act, nullptr);
  EXPECT_EQ(act->help, "did you mean `s3:GetObject`?");
  int unknown = 0;
  for (const auto& x : d) unknown += x.code == "policy.unknown-action";
  EXPECT_EQ(unknown, 2);  // GetObjekt and the wildcard matching nothing; s3:Get* is fine
}

TEST(Validator, MalformedActionsAndArns) {
  auto d = check_identity(R"({"Effect":"Allow","Action":["s3","s3:a:b","s*:GetObject"],"Resource":["bucket","arn:aws:s3"]})");
  int invalid_action = 0, invalid_arn = 0;
  for (const auto& x : d) {
    invalid_action += x.code == "policy.invalid-action";
    invalid_arn += x.code == "policy.invalid-arn";
  }
  EXPECT_EQ(invalid_action, 3);
  EXPECT_EQ(invalid_arn, 2);
}

TEST(Validator, ConditionValuesAreTyped) {
  auto d = check_identity(R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b",
    "Condition":{"NumericLessThan":{"s3:max-keys":"ten"},"DateGreaterThan":{"aws:CurrentTime":"yesterday"},
                 "IpAddress":{"aws:SourceIp":"300.1.1.1/8"},"Bool":{"aws:SecureTransport":"yes"},"Null":{"aws:username":"maybe"}}})");
  int bad = 0;
  for (const auto& x : d) bad += x.code == "policy.invalid-condition-value";
  EXPECT_EQ(bad, 5);
}

TEST(Validator, ConditionKeys) {
  auto d = check_identity(R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b",
    "Condition":{"StringEquals":{"aws:SourceIpp":"x","ec2:InstanceType":"t3.micro","s3:prefix":"home/"},
                 "StringLike":{"aws:TagKeys":"a"},"ForAnyValue:StringEquals":{"aws:username":"bob"}}})");
  const auto* unknown = find(d, "policy.unknown-condition-key");
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->severity, base::Severity::Error);
  EXPECT_EQ(unknown->help, "did you mean `aws:SourceIp`?");
  EXPECT_TRUE(has_code(d, "policy.condition-key-not-applicable"));  // ec2 key on an s3 action
  EXPECT_TRUE(has_code(d, "policy.multivalued-key-needs-set-operator"));
  EXPECT_TRUE(has_code(d, "policy.set-operator-on-single-valued-key"));
  int na = 0;
  for (const auto& x : d) na += x.code == "policy.condition-key-not-applicable";
  EXPECT_EQ(na, 1);  // s3:prefix applies to ListBucket
}

TEST(Validator, SecurityFindings) {
  auto d = check_identity(R"({"Effect":"Allow","Action":["iam:PassRole","iam:AttachRolePolicy"],"Resource":"*"},
                            {"Effect":"Allow","NotAction":"iam:*","Resource":"*"},
                            {"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"})");
  EXPECT_TRUE(has_code(d, "policy.passrole-wildcard"));
  EXPECT_TRUE(has_code(d, "policy.permissions-management-on-all-resources"));
  EXPECT_TRUE(has_code(d, "policy.allow-notaction"));
  EXPECT_FALSE(has_code(d, "policy.write-on-all-resources"));  // ListAllMyBuckets needs "*"
}

TEST(Validator, DuplicateAndInvalidSids) {
  auto d = check_identity(R"({"Sid":"A1","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
                            {"Sid":"A1","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
                            {"Sid":"bad sid","Effect":"Allow","Action":"s3:GetObject","Resource":"*"})");
  EXPECT_TRUE(has_code(d, "policy.duplicate-sid"));
  EXPECT_TRUE(has_code(d, "policy.invalid-sid"));
}

TEST(Validator, SizeLimitsPerType) {
  std::string big = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":[)";
  for (int i = 0; i < 200; ++i) big += std::string(i ? "," : "") + "\"arn:aws:s3:::bucket-number-" + std::to_string(i) + "/*\"";
  big += "]}]}";
  EXPECT_TRUE(has_code(check(big, PolicyType::Identity), "policy.too-large"));        // > 6,144
  EXPECT_FALSE(has_code(check(big, PolicyType::Identity, Owner::Aws), "policy.too-large"));
  EXPECT_FALSE(has_code(check(big, PolicyType::Inline), "policy.too-large"));         // < 10,240
}

// AWS: the managed-policy quota counts characters, not bytes, and ignores whitespace (space, tab,
// LF, CR); SCPs count whitespace too. The message carries the count, so it is checked exactly.
TEST(Validator, SizeQuotaCountsNonWhitespaceCharacters) {
  std::string doc = "{\"Version\": \"2012-10-17\",\r\n\t\"Statement\": [";
  for (int i = 0; i < 300; ++i)
    doc += std::string(i ? ",\n  " : "") + "{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b\xC3\xA9/" +
           std::to_string(i) + "\"}";
  doc += "]}";
  size_t expected = 0, expected_scp = 0;
  for (size_t i = 0; i < doc.size(); ++i) {
    auto c = static_cast<unsigned char>(doc[i]);
    if ((c & 0xC0) == 0x80) continue;  // UTF-8 continuation byte: same character
    ++expected_scp;
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') ++expected;
  }
  auto message = [&](PolicyType t) {
    for (const auto& d : check(doc, t))
      if (d.code == "policy.too-large") return d.message;
    return std::string();
  };
  EXPECT_NE(message(PolicyType::Identity).find("has " + std::to_string(expected) + " characters"), std::string::npos)
      << message(PolicyType::Identity);
  EXPECT_NE(message(PolicyType::Scp).find("has " + std::to_string(expected_scp) + " characters"), std::string::npos)
      << message(PolicyType::Scp);
}

TEST(Validator, IamCharacterSet) {
  auto d = check("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/\xE2\x82\xAC\"}]}",
                 PolicyType::Identity);
  EXPECT_TRUE(has_code(d, "policy.invalid-character"));
}

TEST(Validator, MissingVersionIsAnErrorForManagedPolicies) {
  std::string doc = R"({"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})";
  auto managed = check(doc, PolicyType::Identity);
  ASSERT_NE(find(managed, "policy.missing-version"), nullptr);
  EXPECT_EQ(find(managed, "policy.missing-version")->severity, base::Severity::Error);
  EXPECT_EQ(find(check(doc, PolicyType::Inline), "policy.missing-version")->severity, base::Severity::Warning);
}

// Every real AWS managed policy in the corpus validates with zero errors.
TEST(Validator, ManagedPoliciesHaveNoErrors) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(test::data_path("data/managed-policies"))) {
    if (e.path().extension() != ".json") continue;
    auto d = check(test::slurp(e.path().string()), PolicyType::Identity, Owner::Aws);
    for (const auto& x : d) EXPECT_NE(x.severity, base::Severity::Error) << e.path() << ": " << x.code << " " << x.message;
    ++n;
  }
  EXPECT_EQ(n, 200u);
}

TEST(Validator, PatternMeetsTemplate) {
  EXPECT_FALSE(pattern_meets_template("arn:aws:s3:::ml-datasets-*/*", "arn:${Partition}:s3:::${BucketName}"));
  EXPECT_TRUE(pattern_meets_template("arn:aws:s3:::ml-datasets-*/*", "arn:${Partition}:s3:::${BucketName}/${ObjectName}"));
  EXPECT_TRUE(pattern_meets_template("arn:aws:s3:::ml-datasets-*", "arn:${Partition}:s3:::${BucketName}"));
  EXPECT_FALSE(pattern_meets_template("arn:aws:s3:::b/*", "arn:${Partition}:s3:${Region}:${Account}:accesspoint/${AccessPointName}"));
  EXPECT_TRUE(pattern_meets_template("arn:aws:ec2:*:*:instance/*", "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}"));
  EXPECT_FALSE(pattern_meets_template("arn:aws:ec2:*:*:volume/*", "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}"));
  EXPECT_TRUE(pattern_meets_template("arn:aws:iam::*", "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"));
}
