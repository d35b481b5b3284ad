#include "iamforge/json/json.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

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

// json::Document (the tape used by batch decoding and policy parsing) against the Value tree.
namespace {

void expect_same(const json::Value& v, json::Node n) {
  ASSERT_TRUE(static_cast<bool>(n));
  EXPECT_EQ(v.kind, n.kind());
  EXPECT_EQ(v.boolean, n.boolean());
  EXPECT_EQ(v.text, n.text());
  EXPECT_EQ(v.span, n.span());
  if (v.kind == json::Kind::Array) {
    ASSERT_EQ(v.items.size(), n.size());
    size_t i = 0;
    for (json::Node c : n) expect_same(v.items[i++], c);
    EXPECT_EQ(i, v.items.size());
  } else if (v.kind == json::Kind::Object) {
    ASSERT_EQ(v.members.size(), n.size());
    size_t i = 0;
    for (json::Node c : n) {
      EXPECT_EQ(v.members[i].key, c.key());
      EXPECT_EQ(v.members[i].key_span, c.key_span());
      expect_same(v.members[i++].value, c);
    }
  }
}

}  // namespace

TEST(JsonDocument, MatchesTheValueTree) {
  const char* docs[] = {
      R"({"a": [1, "x\n", true, null, false], "b": {"c": -2.5e3, "d": {}, "e": []}})",
      "\xEF\xBB\xBF{\"bom\": [\"\\u00e9\\ud83d\\ude00\", \"caf\xC3\xA9\"]}",
      R"(["plain", "esc\"aped", "\/\b\f\r\t", {"k\u0041": "v"}])",
      "  42  ",
      R"({"Effect": "Allow", "Effect": "Deny"})",
  };
  for (const char* text : docs) {
    json::ParseResult r = json::parse(text);
    json::Document d;
    std::vector<base::Diagnostic> diags;
    ASSERT_TRUE(d.parse(text, diags)) << text;
    ASSERT_EQ(diags.size(), r.diagnostics.size());
    expect_same(r.value, d.root());
    // A document viewing the Value tree is the same tree again.
    json::Document view;
    view.assign(r.value);
    expect_same(r.value, view.root());
  }
}

TEST(JsonDocument, ErrorsAreThoseOfParse) {
  for (const char* text : {"", "{\"a\": [1, 2,]}", "{\"a\":\"\\ud800\"}", "[1] x", "{\"a\" 1}", "\xEF\xBB\xBF", "\"\xFF\""}) {
    json::ParseResult r = json::parse(text);
    json::Document d;
    std::vector<base::Diagnostic> diags;
    EXPECT_FALSE(d.parse(text, diags)) << text;
    EXPECT_FALSE(d.root());
    ASSERT_EQ(diags.size(), r.diagnostics.size()) << text;
    for (size_t i = 0; i < diags.size(); ++i) {
      EXPECT_EQ(diags[i].code, r.diagnostics[i].code);
      EXPECT_EQ(diags[i].message, r.diagnostics[i].message);
      EXPECT_EQ(diags[i].span, r.diagnostics[i].span);
    }
  }
  json::Document d;
  std::vector<base::Diagnostic> diags;
  EXPECT_FALSE(d.parse("\xEF\xBB\xBF  ", diags));
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].code, "json.empty");
  EXPECT_EQ(diags[0].span.begin, 3u);  // offsets are those of the text, BOM included
}

TEST(JsonDocument, FindAndAbsentNodes) {
  json::Document d;
  std::vector<base::Diagnostic> diags;
  ASSERT_TRUE(d.parse(R"({"a": {"b": [1, 2]}, "a": 3})", diags));
  json::Node a = d.root().find("a");
  ASSERT_TRUE(a.is_object());  // the first of two
  EXPECT_EQ(a.find("b").size(), 2u);
  json::Node missing = d.root().find("zz");
  EXPECT_FALSE(missing);
  EXPECT_TRUE(missing.is_null());
  EXPECT_EQ(missing.size(), 0u);
  EXPECT_EQ(missing.find("x").kind(), json::Kind::Null);
  EXPECT_EQ(missing.begin(), missing.end());
  EXPECT_FALSE(a.find("b").find("x"));  // find on an array
}

TEST(JsonDocument, EscapedStringsStayValidAndReuseIsClean) {
  // Many escaped strings: their decoded views must all survive the whole parse.
  std::string text = "[";
  for (int i = 0; i < 2000; ++i) text += std::string(i ? "," : "") + "\"s\\u00e9" + std::to_string(i) + "\\n\"";
  text += "]";
  json::Document d;
  std::vector<base::Diagnostic> diags;
  ASSERT_TRUE(d.parse(text, diags));
  int i = 0;
  for (json::Node n : d.root()) EXPECT_EQ(n.text(), "s\xC3\xA9" + std::to_string(i++) + "\n");
  EXPECT_EQ(i, 2000);
  // Reused for another text: nothing of the first remains.
  ASSERT_TRUE(d.parse(R"({"x": "y"})", diags));
  EXPECT_EQ(d.root().size(), 1u);
  EXPECT_EQ(d.root().find("x").text(), "y");
  ASSERT_FALSE(d.parse("{", diags));
  EXPECT_FALSE(d.root());
}

// Twin of the duplicate-key check (a one-word filter, then a linear scan, then a table past 32
// members): against std::set on random objects whose keys often repeat, differ in length only, or
// share their first and last bytes.
TEST(JsonDocument, DuplicateKeysAgreeWithASet) {
  std::mt19937 rng(5);
  const std::vector<std::string> parts = {"a", "b", "ab", "ba", "aws:", "x/y", "\\u0061", "é"};
  for (int round = 0; round < 3000; ++round) {
    const int n = static_cast<int>(rng() % 48);
    std::string doc = "{";
    std::set<std::string> keys;
    size_t expected = 0;
    for (int i = 0; i < n; ++i) {
      std::string key;
      for (int k = 1 + static_cast<int>(rng() % 3); k > 0; --k) key += parts[rng() % parts.size()];
      std::string decoded;  // as the parser decodes it
      for (size_t p = 0; p < key.size(); ++p) {
        if (key.compare(p, 6, "\\u0061") == 0) { decoded += 'a'; p += 5; } else decoded += key[p];
      }
      expected += !keys.insert(decoded).second;
      doc += (i ? "," : "") + std::string("\"") + key + "\":" + std::to_string(i);
    }
    doc += "}";
    json::Document d;
    std::vector<base::Diagnostic> diags;
    ASSERT_TRUE(d.parse(doc, diags)) << doc;
    size_t dups = 0;
    for (const auto& g : diags) dups += g.code == "json.duplicate-key";
    ASSERT_EQ(dups, expected) << doc;
  }
}

TEST(JsonDocument, DuplicateKeysInLargeObjects) {
  // Short keys, and keys that share a long prefix (they differ in their last word only, or only
  // in length: "k1" against "k10"), below and above the 32 members where the table takes over.
  for (std::string prefix : {"k", "aws:PrincipalTag/cost-center-k"}) {
    for (int n : {3, 15, 16, 17, 31, 32, 33, 40, 70, 300}) {
      std::string doc = "{";
      for (int i = 0; i < n; ++i) doc += "\"" + prefix + std::to_string(i) + "\":" + std::to_string(i) + ",";
      doc += "\"" + prefix + std::to_string(n - 1) + "\":0,\"" + prefix + "0\":1,\"" + prefix + "\":2}";
      json::Document d;
      std::vector<base::Diagnostic> diags;
      ASSERT_TRUE(d.parse(doc, diags));
      ASSERT_EQ(diags.size(), 2u) << prefix << n;
      EXPECT_EQ(diags[0].message, "duplicate key `" + prefix + std::to_string(n - 1) + "`");
      EXPECT_EQ(diags[1].message, "duplicate key `" + prefix + "0`");
      EXPECT_EQ(d.root().size(), static_cast<std::uint32_t>(n + 3));
    }
  }
}
