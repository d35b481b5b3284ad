#include "iamforge/json/json.hpp"

#include <gtest/gtest.h>

using namespace iamforge;

TEST(Json, ParsesValuesWithSpans) {
  auto r = json::parse(R"({"a": [1, "x\n", true, null], "b": {"c": -2.5e3}})");
  ASSERT_TRUE(r.ok());
  const json::Value* a = r.value.find("a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->items.size(), 4u);
  EXPECT_EQ(a->items[0].text, "1");
  EXPECT_EQ(a->items[1].text, "x\n");
  EXPECT_EQ(a->items[1].span.begin, 10u);
  EXPECT_EQ(a->items[1].span.end, 15u);
  EXPECT_EQ(r.value.find("b")->find("c")->text, "-2.5e3");
  EXPECT_EQ(r.value.members[1].key_span.begin, 30u);
}

TEST(Json, DuplicateKeyIsReportedAndParsingGoesOn) {
  auto r = json::parse(R"({"Effect": "Allow", "Effect": "Deny"})");
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "json.duplicate-key");
  EXPECT_EQ(r.diagnostics[0].span.begin, 20u);
  EXPECT_EQ(r.value.members.size(), 2u);
}

TEST(Json, SyntaxErrorsHavePositions) {
  auto r = json::parse("{\"a\": [1, 2,]}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].code, "json.syntax");
  EXPECT_EQ(r.diagnostics[0].span.begin, 12u);
  EXPECT_FALSE(json::parse("").ok());
  EXPECT_EQ(json::parse("   ").diagnostics[0].code, "json.empty");
  EXPECT_FALSE(json::parse("{\"a\": 01}").ok());
  EXPECT_FALSE(json::parse("{\"a\": \"unterminated}").ok());
  EXPECT_FALSE(json::parse("{} {}").ok());
  EXPECT_FALSE(json::parse("{\"a\": \"\\x\"}").ok());
}

TEST(Json, DeepNestingIsRejectedNotCrashed) {
  std::string deep(10000, '[');
  deep += std::string(10000, ']');
  auto r = json::parse(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].code, "json.too-deep");
}

TEST(Json, InvalidUtf8IsRejected) {
  auto r = json::parse("{\"a\": \"\xC3\x28\"}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].code, "json.invalid-utf8");
  EXPECT_EQ(r.diagnostics[0].span.begin, 7u);
  EXPECT_TRUE(json::parse("{\"a\": \"caf\xC3\xA9\"}").ok());
  EXPECT_FALSE(json::parse("{\"a\": \"\xED\xA0\x80\"}").ok());  // surrogate encoded in UTF-8
}

TEST(Json, UnicodeEscapesDecode) {
  auto r = json::parse(R"(["\u00e9", "\ud83d\ude00"])");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.items[0].text, "\xC3\xA9");
  EXPECT_EQ(r.value.items[1].text, "\xF0\x9F\x98\x80");
  EXPECT_FALSE(json::parse(R"(["\ud83d"])").ok());
}

TEST(Json, WriteRoundTrips) {
  std::string src = R"({"a":[1,"x\"y",true,null],"b":{"c":-2.5}})";
  auto r = json::parse(src);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(json::write(r.value), src);
}

// Duplicate detection must not be quadratic: an object with 200,000 keys parses, and the one
// repeated key at the end is found.
TEST(Json, ManyKeysDuplicateDetection) {
  std::string doc = "{";
  for (int i = 0; i < 200000; ++i) doc += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  doc += "\"k17\":0}";
  auto r = json::parse(doc);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "json.duplicate-key");
  EXPECT_EQ(r.value.members.size(), 200001u);
}
