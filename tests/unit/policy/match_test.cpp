#include "iamforge/policy/match.hpp"

#include <gtest/gtest.h>

#include <random>
#include <regex>

using namespace iamforge::policy;

TEST(Glob, Basics) {
  EXPECT_TRUE(glob_match("*", "", Case::Sensitive));
  EXPECT_TRUE(glob_match("a*c", "abbbc", Case::Sensitive));
  EXPECT_FALSE(glob_match("a*c", "abbbd", Case::Sensitive));
  EXPECT_TRUE(glob_match("a?c", "abc", Case::Sensitive));
  EXPECT_FALSE(glob_match("a?c", "ac", Case::Sensitive));
  EXPECT_TRUE(glob_match("AB*", "abz", Case::Insensitive));
  EXPECT_FALSE(glob_match("AB*", "abz", Case::Sensitive));
  EXPECT_TRUE(glob_match("a\x01*", "a*", Case::Sensitive));
  EXPECT_FALSE(glob_match("a\x01*", "ab", Case::Sensitive));
  EXPECT_TRUE(glob_match("[x]", "[x]", Case::Sensitive));  // no character classes
}

// Twin: the glob matcher against std::regex on random patterns.
TEST(Glob, AgreesWithRegex) {
  std::mt19937 rng(42);
  const std::string alphabet = "ab*?";
  for (int i = 0; i < 20000; ++i) {
    std::string p, t;
    for (int k = rng() % 7; k > 0; --k) p += alphabet[rng() % 4];
    for (int k = rng() % 8; k > 0; --k) t += "ab"[rng() % 2];
    std::string re;
    for (char c : p) re += c == '*' ? ".*" : c == '?' ? "." : std::string(1, c);
    EXPECT_EQ(glob_match(p, t, Case::Sensitive), std::regex_match(t, std::regex(re))) << p << " vs " << t;
  }
}

TEST(Values, Dates) {
  EXPECT_EQ(parse_date("1970-01-01T00:00:00Z"), 0.0);
  EXPECT_EQ(parse_date("2025-01-01T02:00:00+02:00"), parse_date("2025-01-01T00:00:00Z"));
  EXPECT_EQ(parse_date("2025-01-01"), parse_date("2025-01-01T00:00:00Z"));
  EXPECT_EQ(parse_date("1751725090"), 1751725090.0);
  EXPECT_EQ(parse_date("2025"), parse_date("2025-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_date("2025-13-01").has_value());
  EXPECT_FALSE(parse_date("yesterday").has_value());
  EXPECT_FALSE(parse_date("2025-01-01T10:00:00Q").has_value());
}

TEST(Values, NumbersAreStrict) {
  EXPECT_EQ(parse_number("10"), 10.0);
  EXPECT_EQ(parse_number("-3.5"), -3.5);
  EXPECT_FALSE(parse_number("10abc").has_value());
  EXPECT_FALSE(parse_number("").has_value());
  EXPECT_FALSE(parse_number(".").has_value());
}

TEST(Values, IpNetworks) {
  auto net = parse_ip("10.1.0.0/16");
  ASSERT_TRUE(net);
  EXPECT_TRUE(net->contains(*parse_ip("10.1.255.3")));
  EXPECT_FALSE(net->contains(*parse_ip("10.2.0.1")));
  EXPECT_FALSE(net->contains(*parse_ip("::ffff:10.1.0.1")));  // v4 and v6 families don't mix
  EXPECT_TRUE(parse_ip("2001:db8::/32")->contains(*parse_ip("2001:db8:ffff::1")));
  EXPECT_FALSE(parse_ip("10.0.0.0/33").has_value());
  EXPECT_FALSE(parse_ip("hello").has_value());
}

TEST(Values, Base64) {
  EXPECT_EQ(decode_base64("aGVsbG8="), "hello");
  EXPECT_EQ(decode_base64("aGVsbG8"), "hello");
  EXPECT_FALSE(decode_base64("a$b").has_value());
}

TEST(Arn, SplitKeepsColonsInResource) {
  auto a = split_arn("arn:aws:logs:us-east-1:123:log-group:/a:b");
  EXPECT_EQ(a.count, 6u);
  EXPECT_EQ(a.f[5], "log-group:/a:b");
}

// Twin: the SWAR splitter against a naive one on random strings of ':' and letters.
TEST(Arn, SplitAgreesWithNaiveSplitter) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    for (int k = rng() % 40; k > 0; --k) s += ":ab"[rng() % 3];
    ArnFields got = split_arn(s);
    std::vector<std::string_view> want;
    size_t start = 0;
    while (want.size() < 5) {
      size_t p = s.find(':', start);
      if (p == std::string::npos) break;
      want.push_back(std::string_view(s).substr(start, p - start));
      start = p + 1;
    }
    want.push_back(std::string_view(s).substr(start));
    ASSERT_EQ(got.count, want.size()) << s;
    for (size_t k = 0; k < want.size(); ++k) EXPECT_EQ(got.f[k], want[k]) << s;
  }
}

#include "iamforge/policy/policy.hpp"

TEST(Variables, ParseAndExpand) {
  auto lookup = [](std::string_view k) -> std::optional<std::string_view> {
    if (k == "aws:username") return std::string_view("al*ce");
    return std::nullopt;
  };
  EXPECT_EQ(substitute_variables("home/${aws:username}/x", lookup), std::optional<std::string>("home/al\x01*ce/x"));
  EXPECT_EQ(substitute_variables("${aws:PrincipalTag/team, 'shared'}", lookup), std::optional<std::string>("shared"));
  EXPECT_EQ(substitute_variables("${ aws:username ,'d' }", lookup), std::optional<std::string>("al\x01*ce"));
  EXPECT_EQ(substitute_variables("a${*}b${?}c${$}", lookup), std::optional<std::string>("a\x01*b\x01?c\x01$"));
  EXPECT_EQ(substitute_variables("x${aws:nothing}", lookup), std::nullopt);
  EXPECT_EQ(substitute_variables("unterminated ${aws:username", lookup),
            std::optional<std::string>("unterminated ${aws:username"));
  auto parts = parse_variables("a${AWS:UserName}b");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1].key_lower, "aws:username");
}
