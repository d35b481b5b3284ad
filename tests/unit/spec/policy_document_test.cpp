// aws:iam:getPolicyDocument, computed as pulumi-aws (the Terraform data source aws_iam_policy_document)
// computes it: rendering, set ordering, principals, conditions, and merging source and override
// documents by Sid.
#include <gtest/gtest.h>

#include "spec_test_util.hpp"

using namespace iamforge;
using namespace iamforge::spec;
using spec::test::canonical;
using spec::test::Loaded;
using spec::test::stack;

namespace {

std::string indent(const std::string& s, int n) {
  std::string out, pad(static_cast<std::size_t>(n), ' ');
  for (auto l : base::split(s, '\n'))
    if (!l.empty()) out += pad + std::string(l) + "\n";
  return out;
}

// A stack whose variable `doc` invokes getPolicyDocument with `arguments` (YAML) and returns `json`.
Loaded doc(const std::string& arguments, const std::string& ret = "json") {
  return Loaded("s.yaml", stack("variables:\n  doc:\n    fn::invoke:\n      function: aws:iam:getPolicyDocument\n"
                                "      arguments:\n" +
                                indent(arguments, 8) + (ret.empty() ? "" : "      return: " + ret + "\n") +
                                "resources:\n  role:\n    type: aws:iam:Role\n    properties:\n"
                                "      assumeRolePolicy: '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                                "\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}'\n"
                                "outputs:\n  out: ${doc}\n"));
}

std::string json_of(const Loaded& l) {
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  return l.output("out").string;
}

// Bitwise CRC-32 (IEEE), independent of the table-driven one in the module.
std::uint32_t crc32_bitwise(std::string_view s) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char ch : s) {
    c ^= ch;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

}  // namespace

// Go's MarshalIndent of the provider's structs, byte for byte.
TEST(GetPolicyDocument, RendersAsTheProviderDoes) {
  std::string j = json_of(doc(R"(statements:
  - sid: ReadWrite
    actions: [s3:GetObject, s3:PutObject, s3:GetObject]
    resources: ["arn:aws:s3:::b/*"]
  - effect: Deny
    notActions: [iam:*]
    notResources: [a, c, b])"));
  EXPECT_EQ(j, R"({
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadWrite",
      "Effect": "Allow",
      "Action": [
        "s3:PutObject",
        "s3:GetObject"
      ],
      "Resource": "arn:aws:s3:::b/*"
    },
    {
      "Effect": "Deny",
      "NotAction": "iam:*",
      "NotResource": [
        "c",
        "b",
        "a"
      ]
    }
  ]
})");
}

TEST(GetPolicyDocument, ResultFields) {
  Loaded l = doc("statements: [{actions: [\"s3:GetObject\"], resources: [\"*\"]}]", "");
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  const Value& r = l.output("out");
  ASSERT_EQ(r.kind, ValueKind::Map);
  const std::string& json = r.find("json")->string;
  EXPECT_EQ(r.find("minifiedJson")->string,
            R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})");
  EXPECT_EQ(r.find("id")->string, std::to_string(crc32_bitwise(json)));  // the data source's id: crc32 of json
}

TEST(GetPolicyDocument, PrincipalsAndConditions) {
  std::string j = json_of(doc(R"(statements:
  - actions: [sts:AssumeRole]
    principals:
      - {type: AWS, identifiers: ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"]}
      - {type: Service, identifiers: [ec2.amazonaws.com]}
      - {type: AWS, identifiers: ["arn:aws:iam::777788889999:root"]}
    conditions:
      - {test: StringLike, variable: "sts:RoleSessionName", values: ["ml-*", "&{aws:username}", "ml-*"]}
      - {test: Bool, variable: "aws:SecureTransport", values: ["true"]}
      - {test: StringLike, variable: "sts:RoleSessionName", values: [extra]}
  - actions: [sts:AssumeRole]
    principals: [{type: "*", identifiers: ["*"]}])"));
  auto min = [](std::string s) {
    std::string r;
    bool in = false;
    for (char c : s) {
      if (c == '"') in = !in;
      if (in || (c != ' ' && c != '\n')) r += c;
    }
    return r;
  };
  EXPECT_EQ(min(j), min(R"({"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Action":"sts:AssumeRole",
     "Principal":{"AWS":["arn:aws:iam::444455556666:root","arn:aws:iam::111122223333:root","arn:aws:iam::777788889999:root"],
                  "Service":"ec2.amazonaws.com"},
     "Condition":{"Bool":{"aws:SecureTransport":"true"},
                  "StringLike":{"sts:RoleSessionName":["ml-*","${aws:username}","ml-*","extra"]}}},
    {"Effect":"Allow","Action":"sts:AssumeRole","Principal":"*"}]})"));
}

// The provider's documented merge: sources first (Sids unique across them), then `statements`
// (replacing same-Sid statements in place), then overrides in order; Sid-less statements append.
TEST(GetPolicyDocument, SourceAndOverrideMergeBySid) {
  std::string j = json_of(doc(R"(sourcePolicyDocuments:
  - '{"Version":"2012-10-17","Id":"FromSource","Statement":[{"Sid":"SidToOverride","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"Keep","Effect":"Allow","Action":"ec2:DescribeAccountAttributes","Resource":"*"}]}'
  - '{"Statement":[{"Effect":"Allow","Action":["sqs:SendMessage","sqs:GetQueueUrl"],"Resource":"*"}]}'
statements:
  - sid: SidToOverride
    actions: ["s3:*"]
    resources: ["arn:aws:s3:::somebucket", "arn:aws:s3:::somebucket/*"]
  - actions: [iam:ListRoles]
    resources: ["*"]
overridePolicyDocuments:
  - '{"Statement":[{"Sid":"Keep","Effect":"Deny","Action":"ec2:*","Resource":"*"}]}'
  - '{"Statement":[{"Sid":"New","Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Principal":{"AWS":["b","a"]}}]}')"));
  EXPECT_EQ(j, R"({
  "Version": "2012-10-17",
  "Id": "FromSource",
  "Statement": [
    {
      "Sid": "SidToOverride",
      "Effect": "Allow",
      "Action": "s3:*",
      "Resource": [
        "arn:aws:s3:::somebucket/*",
        "arn:aws:s3:::somebucket"
      ]
    },
    {
      "Sid": "Keep",
      "Effect": "Deny",
      "Action": "ec2:*",
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": [
        "sqs:SendMessage",
        "sqs:GetQueueUrl"
      ],
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": "iam:ListRoles",
      "Resource": "*"
    },
    {
      "Sid": "New",
      "Effect": "Allow",
      "Action": "kms:Decrypt",
      "Resource": "*",
      "Principal": {
        "AWS": [
          "b",
          "a"
        ]
      }
    }
  ]
})");
}

TEST(GetPolicyDocument, LaterOverridesWinAndIdsAndVersionsMerge) {
  std::string j = json_of(doc(R"(policyId: Mine
version: "2008-10-17"
sourcePolicyDocuments:
  - '{"Version":"2012-10-17","Id":"Src","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
overridePolicyDocuments:
  - '{"Id":"First","Statement":[{"Sid":"A","Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}'
  - '{"Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}')"));
  // Version: the greatest; Id: the last non-empty (the first override's); Sid A: the last override's.
  EXPECT_EQ(canonical(j), canonical(R"({"Version":"2012-10-17","Id":"First","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]})"));
}

TEST(GetPolicyDocument, SourceDocumentsKeepTheirStatementsVerbatim) {
  // Conditions from JSON: a bool becomes "true", numbers keep their text; principals re-sort.
  std::string j = json_of(doc(R"(sourcePolicyDocuments:
  - '{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Principal":"*","Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":10}}}]}')"));
  EXPECT_NE(j.find(R"("Principal": "*")"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("aws:SecureTransport": "true")"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("s3:max-keys": "10")"), std::string::npos) << j;
}

TEST(GetPolicyDocument, PolicyVariables) {
  std::string j = json_of(doc(R"(statements:
  - actions: ["s3:GetObject"]
    resources: ["arn:aws:s3:::home/&{aws:username}/*"])"));
  EXPECT_NE(j.find(R"("Resource": "arn:aws:s3:::home/${aws:username}/*")"), std::string::npos) << j;
  Loaded old = doc(R"(version: "2008-10-17"
statements:
  - actions: ["s3:GetObject"]
    resources: ["arn:aws:s3:::home/&{aws:username}/*"])");
  ASSERT_EQ(old.result.errors.size(), 1u);
  EXPECT_EQ(old.result.errors[0].code, "spec.invalid-value");
}

TEST(GetPolicyDocument, ArgumentErrorsAreCollected) {
  Loaded l = doc(R"(statment: []
version: "2013-01-01"
statements:
  - sid: "has space"
    actions: s3:GetObject
    resource: ["*"]
  - sid: Dup
    actions: ["s3:GetObject"]
  - sid: Dup
    effect: deny
    actions: ["s3:GetObject"]
    principals: [{type: AWS}]
sourcePolicyDocuments:
  - '{"Statement": {"Effect": "Allow"}}'
  - 'not json'
  - {Version: "2012-10-17"})");
  std::vector<std::string> want = {
      "error[spec.unknown-property] 8:9: unknown argument `statment` in getPolicyDocument arguments | help: did you mean `statements`?",
      "error[spec.invalid-value] 9:18: unknown policy version `2013-01-01` | help: use `2012-10-17`",
      "error[spec.invalid-value] 11:18: sid `has space` must only include alphanumeric characters",
      "error[spec.type-mismatch] 12:22: `actions` must be a list of strings, not a string | help: write `[s3:GetObject]`",
      "error[spec.unknown-property] 13:13: unknown argument `resource` in a statement | help: did you mean `resources`?",
      "error[spec.bad-argument] 16:18: duplicate sid `Dup` | help: remove the sid or make it unique",
      "error[spec.invalid-value] 17:21: effect `deny` must be `Allow` or `Deny` | help: did you mean `Deny`?",
      "error[spec.missing-property] 19:26: a principal needs `identifiers`",
      "error[spec.bad-argument] 21:13: `sourcePolicyDocuments[0]`: `Statement` must be a list | help: put the statement in brackets: `\"Statement\": [{...}]`",
      "error[spec.bad-argument] 22:13: `sourcePolicyDocuments[1]` is not valid JSON: "};
  auto got = l.errors();
  ASSERT_EQ(got.size(), want.size() + 1) << l.all_errors();
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i].substr(0, want[i].size()), want[i]) << i;
  EXPECT_EQ(got.back(),
            "error[spec.type-mismatch] 23:13: `sourcePolicyDocuments` entries must be JSON strings, not an object | help: "
            "wrap the document in `fn::toJSON`");
}

TEST(GetPolicyDocument, UnknownArgumentsMakeAnUnknownDocument) {
  Loaded l = doc(R"(statements:
  - actions: ["iam:PassRole"]
    resources: ["${role.arn}"])");
  EXPECT_TRUE(l.result.ok()) << l.all_errors();
  const Value& v = l.output("out");
  ASSERT_TRUE(v.is_unknown());
  EXPECT_EQ(v.unknowns, (std::vector<OutputRef>{{"role", "arn"}}));
  // Known parts are still checked.
  Loaded bad = doc(R"(statements:
  - actions: ["iam:PassRole"]
    effect: Alow
    resources: ["${role.arn}"])");
  ASSERT_EQ(bad.result.errors.size(), 1u);
  EXPECT_EQ(bad.result.errors[0].code, "spec.invalid-value");
}

TEST(GetPolicyDocument, ReturnFieldIsChecked) {
  Loaded l = doc("statements: []", "jsn");
  ASSERT_EQ(l.errors().size(), 1u);
  EXPECT_EQ(l.errors()[0], "error[spec.bad-reference] 9:15: getPolicyDocument has no result field `jsn` | help: did you mean `json`?");
  // No statements at all: the provider omits `Statement`.
  EXPECT_EQ(json_of(doc("statements: []")), "{\n  \"Version\": \"2012-10-17\"\n}");
}
