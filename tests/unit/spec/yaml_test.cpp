// The yaml-cpp adapter: byte spans on every node, YAML 1.2 core scalars, duplicates kept, errors.
#include "yaml.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "iamforge/spec/value.hpp"

using namespace iamforge;
using namespace iamforge::spec::detail;

namespace {
std::string_view text_of(std::string_view src, const YNode& n) { return src.substr(n.span.begin, n.span.end - n.span.begin); }
}  // namespace

TEST(Yaml, PlainScalarsResolveAsYaml12Core) {
  bool b = false;
  double d = 0;
  EXPECT_EQ(classify_plain("", nullptr, nullptr), PlainKind::Null);
  EXPECT_EQ(classify_plain("~"), PlainKind::Null);
  EXPECT_EQ(classify_plain("Null"), PlainKind::Null);
  EXPECT_EQ(classify_plain("True", &b), PlainKind::Bool);
  EXPECT_TRUE(b);
  EXPECT_EQ(classify_plain("FALSE", &b), PlainKind::Bool);
  EXPECT_FALSE(b);
  EXPECT_EQ(classify_plain("yes"), PlainKind::String);  // YAML 1.1 booleans are strings
  EXPECT_EQ(classify_plain("on"), PlainKind::String);
  EXPECT_EQ(classify_plain("3600", nullptr, &d), PlainKind::Int);
  EXPECT_EQ(d, 3600);
  EXPECT_EQ(classify_plain("-12", nullptr, &d), PlainKind::Int);
  EXPECT_EQ(d, -12);
  EXPECT_EQ(classify_plain("0x1F", nullptr, &d), PlainKind::Int);
  EXPECT_EQ(d, 31);
  EXPECT_EQ(classify_plain("0o17", nullptr, &d), PlainKind::Int);
  EXPECT_EQ(d, 15);
  EXPECT_EQ(classify_plain("1.5e3", nullptr, &d), PlainKind::Float);
  EXPECT_EQ(d, 1500);
  EXPECT_EQ(classify_plain(".5", nullptr, &d), PlainKind::Float);
  EXPECT_EQ(classify_plain("-.inf", nullptr, &d), PlainKind::Float);
  EXPECT_TRUE(std::isinf(d) && d < 0);
  EXPECT_EQ(classify_plain("2012-10-17"), PlainKind::String);
  EXPECT_EQ(classify_plain("123456789012", nullptr, &d), PlainKind::Int);  // account ids stay exact
  EXPECT_EQ(iamforge::spec::format_number(d), "123456789012");
  EXPECT_EQ(classify_plain("1."), PlainKind::Float);
  EXPECT_EQ(classify_plain("."), PlainKind::String);
  EXPECT_EQ(classify_plain("1e"), PlainKind::String);
  EXPECT_EQ(classify_plain("s3:GetObject"), PlainKind::String);
}

TEST(Yaml, EveryNodeHasItsByteSpan) {
  std::string src =
      "plain: hello world # comment\n"
      "dq: \"a \\\"quoted\\\" \\u00e9\"\n"
      "sq: 'it''s'\n"
      "flow: [a, \"b\", {k: v}]\n"
      "block: |\n"
      "  line one\n"
      "  line two\n"
      "\n"
      "after: ünï\n"
      "empty:\n"
      "list:\n"
      "  - x\n"
      "  - y\n";
  YamlResult r = parse_yaml(src);
  ASSERT_TRUE(r.diagnostics.empty());
  const YNode& root = r.root;
  ASSERT_TRUE(root.is_map());
  ASSERT_EQ(root.map_size(), 8u);
  EXPECT_EQ(text_of(src, root.key(0)), "plain");
  EXPECT_EQ(text_of(src, root.value(0)), "hello world");
  EXPECT_EQ(root.value(1).text, "a \"quoted\" \xC3\xA9");
  EXPECT_TRUE(root.value(1).quoted);
  EXPECT_EQ(text_of(src, root.value(1)), "\"a \\\"quoted\\\" \\u00e9\"");
  EXPECT_EQ(root.value(2).text, "it's");
  EXPECT_EQ(text_of(src, root.value(2)), "'it''s'");
  const YNode& flow = root.value(3);
  ASSERT_TRUE(flow.is_sequence());
  EXPECT_EQ(text_of(src, flow), "[a, \"b\", {k: v}]");
  EXPECT_EQ(text_of(src, flow.items[2]), "{k: v}");
  EXPECT_EQ(root.value(4).text, "line one\nline two\n");
  EXPECT_EQ(text_of(src, root.value(4)), "|\n  line one\n  line two");
  EXPECT_EQ(text_of(src, root.value(5)), "ünï");  // spans are bytes
  EXPECT_EQ(root.value(6).kind, YNode::Kind::Null);
  EXPECT_TRUE(root.value(6).implicit_null);
  EXPECT_EQ(root.value(6).span.begin, root.key(6).span.end);  // `key:` with nothing: at the key
  EXPECT_EQ(text_of(src, root.value(7)), "- x\n  - y");
  EXPECT_EQ(text_of(src, root.value(7).items[1]), "y");
}

TEST(Yaml, ByteOrderMarkAndCrLf) {
  std::string src = "\xEF\xBB\xBFname: x\r\nruntime: yaml\r\n";
  YamlResult r = parse_yaml(src);
  ASSERT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(text_of(src, r.root.key(0)), "name");
  EXPECT_EQ(text_of(src, r.root.value(1)), "yaml");
}

TEST(Yaml, DuplicateKeysAreKept) {
  YamlResult r = parse_yaml("a: 1\na: 2\n");
  ASSERT_EQ(r.root.map_size(), 2u);
  EXPECT_EQ(r.root.value(1).text, "2");
}

TEST(Yaml, AnchorsExpandAndBombsStop) {
  YamlResult r = parse_yaml("base: &b {path: /x/}\ncopy: *b\n");
  ASSERT_TRUE(r.diagnostics.empty());
  ASSERT_TRUE(r.root.value(1).is_map());
  EXPECT_EQ(r.root.value(1).value(0).text, "/x/");
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
  }
  YamlResult b = parse_yaml(bomb);
  ASSERT_EQ(b.diagnostics.size(), 1u);
  EXPECT_EQ(b.diagnostics[0].code, "spec.yaml-syntax");
  EXPECT_NE(b.diagnostics[0].message.find("too large"), std::string::npos);
}

TEST(Yaml, SyntaxErrorsHaveAPosition) {
  std::string src = "a: 1\nb: c: d\n";
  YamlResult r = parse_yaml(src);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].code, "spec.yaml-syntax");
  EXPECT_EQ(r.diagnostics[0].span.begin, 9u);  // the second `:` on line 2
  EXPECT_EQ(r.root.kind, YNode::Kind::Null);
  EXPECT_TRUE(parse_yaml("").empty);
  EXPECT_TRUE(parse_yaml("# only a comment\n").empty);
}

TEST(Yaml, DescribeNodes) {
  YamlResult r = parse_yaml("[1, \"1\", x, true, ~, [], {}]");
  std::vector<std::string_view> want = {"a number", "a string", "a string", "a boolean", "null", "a list", "an object"};
  ASSERT_EQ(r.root.items.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(describe(r.root.items[i]), want[i]);
}

TEST(Values, FormattingAndEquality) {
  using iamforge::spec::Value;
  EXPECT_EQ(iamforge::spec::format_number(1.5), "1.5");
  EXPECT_EQ(iamforge::spec::format_number(-3), "-3");
  EXPECT_EQ(iamforge::spec::format_number(1e21), "1e+21");
  EXPECT_EQ(iamforge::spec::to_json(Value::of_number(1e-7)), "1e-7");
  EXPECT_EQ(iamforge::spec::to_json(Value::of_string("\xE2\x80\xA8 \xFF")), "\"\\u2028 \\ufffd\"");
  Value a = Value::of_list({Value::of_string("x", {1, 2}), Value::unknown({{"r", "arn"}, {"r", "arn"}})});
  Value b = Value::of_list({Value::of_string("x", {5, 6}), Value::unknown({{"r", "arn"}})});
  EXPECT_TRUE(iamforge::spec::same_data(a, b));
  EXPECT_FALSE(a.is_known());
  EXPECT_EQ(a.pending_outputs().size(), 1u);
  EXPECT_EQ(iamforge::spec::to_display(a), "[\"x\", <unknown: r.arn>]");
}
