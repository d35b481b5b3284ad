// The Query API wire format: form decoding, RFC 3986 encoding, XML escaping, the request decoders
// (lists, tags, required parameters) and the result encoders.
#include <gtest/gtest.h>

#include "iamforge/serve/codec.hpp"
#include "iamforge/serve/wire.hpp"

using namespace iamforge;
using namespace iamforge::serve;

TEST(Wire, PercentDecoding) {
  EXPECT_EQ(percent_decode("a%20b+c"), "a b c");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("%7B%22x%22%7d"), "{\"x\"}");
  EXPECT_FALSE(percent_decode("%"));
  EXPECT_FALSE(percent_decode("%4"));
  EXPECT_FALSE(percent_decode("%zz"));
  EXPECT_FALSE(percent_decode("%00"));
}

TEST(Wire, FormParsing) {
  auto p = parse_form("Action=CreateRole&Version=2010-05-08&RoleName=r%2B1&Empty=&Flag&&Tags.member.1.Key=env");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->at("Action"), "CreateRole");
  EXPECT_EQ(p->at("RoleName"), "r+1");
  EXPECT_EQ(p->at("Empty"), "");
  EXPECT_EQ(p->at("Flag"), "");
  EXPECT_EQ(p->at("Tags.member.1.Key"), "env");
  EXPECT_TRUE(parse_form("")->empty());
  std::string error;
  EXPECT_FALSE(parse_form("a=%ZZ", &error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(parse_form("=x"));
}

TEST(Wire, UriEncodingKeepsOnlyUnreserved) {
  EXPECT_EQ(uri_encode("{\"Version\": \"2012-10-17\"}/a~b_c.d-e"),
            "%7B%22Version%22%3A%20%222012-10-17%22%7D%2Fa~b_c.d-e");
  EXPECT_EQ(uri_encode("100%"), "100%25");
  EXPECT_EQ(uri_encode("\xC3\xA9"), "%C3%A9");
}

TEST(Wire, XmlEscaping) {
  std::string out;
  append_xml_escaped(out, "<a href=\"x\">&'</a>\x01\t");
  EXPECT_EQ(out, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;\xEF\xBF\xBD\t");
  Xml x;
  x.open("R", "ns").leaf("A", "1").empty("L").leaf("B", true).leaf("C", std::optional<std::string>()).close("R");
  EXPECT_NE(x.str().find("<R xmlns=\"ns\"><A>1</A><L/><B>true</B></R>"), std::string::npos);
}

TEST(Decoder, RequiredScalarsListsAndTags) {
  Params p{{"RoleName", "r"},
           {"AssumeRolePolicyDocument", "{}"},
           {"MaxSessionDuration", "7200"},
           {"Tags.member.1.Key", "env"},
           {"Tags.member.1.Value", "dev"},
           {"Tags.member.2.Key", "team"},
           {"Tags.member.2.Value", ""}};
  Decoder d(p);
  backend::CreateRoleRequest r;
  decode(d, r);
  ASSERT_FALSE(d.error());
  EXPECT_EQ(r.role_name, "r");
  EXPECT_EQ(r.path, "/");
  EXPECT_EQ(r.max_session_duration, 7200);
  ASSERT_EQ(r.tags.size(), 2u);
  EXPECT_EQ(r.tags[1].key, "team");
  EXPECT_EQ(r.tags[1].value, "");
}

TEST(Decoder, MissingRequiredIsAwsValidationError) {
  Params p{{"RoleName", "r"}};
  Decoder d(p);
  backend::CreateRoleRequest r;
  decode(d, r);
  ASSERT_TRUE(d.error());
  EXPECT_EQ(d.error()->code, backend::ErrorCode::ValidationError);
  EXPECT_EQ(d.error()->message,
            "1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: "
            "Member must not be null");
  EXPECT_EQ(d.error()->http_status, 400);
}

TEST(Decoder, BadIntegerAndBoolean) {
  Params p{{"RoleName", "r"}, {"MaxSessionDuration", "12x"}};
  Decoder d(p);
  backend::UpdateRoleRequest r;
  decode(d, r);
  EXPECT_TRUE(d.error());
  Params q{{"PolicyArn", "arn"}, {"PolicyDocument", "{}"}, {"SetAsDefault", "yes"}};
  Decoder d2(q);
  backend::CreatePolicyVersionRequest v;
  decode(d2, v);
  EXPECT_TRUE(d2.error());
}

TEST(Decoder, StringListsAndEmptyList) {
  Params p{{"RoleName", "r"}, {"TagKeys.member.1", "a"}, {"TagKeys.member.2", "b"}, {"TagKeys.member.4", "gap"}};
  Decoder d(p);
  backend::UntagRoleRequest r;
  decode(d, r);
  ASSERT_FALSE(d.error());
  EXPECT_EQ(r.tag_keys, (std::vector<std::string>{"a", "b"}));
  Params empty{{"RoleName", "r"}, {"TagKeys", ""}};  // botocore's empty list
  Decoder d2(empty);
  backend::UntagRoleRequest r2;
  decode(d2, r2);
  EXPECT_FALSE(d2.error());
  EXPECT_TRUE(r2.tag_keys.empty());
  Params none{{"RoleName", "r"}};
  Decoder d3(none);
  backend::UntagRoleRequest r3;
  decode(d3, r3);
  EXPECT_TRUE(d3.error());
}

TEST(Decoder, ListPoliciesEnums) {
  Params p{{"Scope", "Local"}, {"OnlyAttached", "true"}, {"PolicyUsageFilter", "PermissionsBoundary"}, {"MaxItems", "5"}};
  Decoder d(p);
  backend::ListPoliciesRequest r;
  decode(d, r);
  ASSERT_FALSE(d.error());
  EXPECT_EQ(r.scope, backend::PolicyScopeType::Local);
  EXPECT_TRUE(r.only_attached);
  EXPECT_EQ(r.policy_usage_filter, backend::PolicyUsageType::PermissionsBoundary);
  EXPECT_EQ(r.max_items, 5);
  Params bad{{"Scope", "Mine"}};
  Decoder d2(bad);
  backend::ListPoliciesRequest r2;
  decode(d2, r2);
  EXPECT_TRUE(d2.error());
}

TEST(Encoder, RoleWithUrlEncodedTrustPolicy) {
  backend::Role role;
  role.path = "/app/";
  role.role_name = "S3Access";
  role.role_id = "AROAEXAMPLE";
  role.arn = "arn:aws:iam::123456789012:role/app/S3Access";
  role.create_date = "2024-05-08T23:34:01Z";
  role.assume_role_policy_document = R"({"Version":"2012-10-17"})";
  role.tags = {{"env", "dev"}};
  Xml x;
  encode(x, role);
  EXPECT_NE(x.str().find("<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</AssumeRolePolicyDocument>"),
            std::string::npos);
  EXPECT_NE(x.str().find("<Tags><member><Key>env</Key><Value>dev</Value></member></Tags>"), std::string::npos);
  EXPECT_EQ(x.str().find("<Description>"), std::string::npos);  // absent optional members are omitted
}

TEST(Encoder, ListsPagesAndEmptyLists) {
  backend::ListInlinePoliciesResponse r;
  Xml x;
  encode(x, r);
  EXPECT_NE(x.str().find("<PolicyNames/><IsTruncated>false</IsTruncated>"), std::string::npos);
  r.policy_names = {"a", "b"};
  r.is_truncated = true;
  r.marker = "c";
  Xml y;
  encode(y, r);
  EXPECT_NE(y.str().find("<PolicyNames><member>a</member><member>b</member></PolicyNames><IsTruncated>true</IsTruncated>"
                         "<Marker>c</Marker>"),
            std::string::npos);
}

TEST(Encoder, ErrorEnvelope) {
  std::string body = error_xml(backend::ApiError(backend::ErrorCode::NoSuchEntity, "The role with name x cannot be found."),
                               kIamNamespace, "req-1");
  EXPECT_NE(body.find("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>"
                      "<Code>NoSuchEntity</Code><Message>The role with name x cannot be found.</Message></Error>"
                      "<RequestId>req-1</RequestId></ErrorResponse>"),
            std::string::npos);
}
