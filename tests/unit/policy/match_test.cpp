#include "iamforge/policy/match.hpp"
#include "iamforge/policy/policy.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>
#include <memory>
#include <optional>

#include <random>
#include <regex>
#include <string_view>
#include <vector>

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

// Twin of the fast paths (literal prefix, trailing star, literal marks, case folding): the matcher
// against a plain recursive definition on random patterns over an alphabet with every special.
namespace {
bool glob_reference(std::string_view p, std::string_view t, Case cs) {
  auto eq = [cs](char a, char b) {
    auto lo = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    return cs == Case::Sensitive ? a == b : lo(a) == lo(b);
  };
  if (p.empty()) return t.empty();
  if (p[0] == '\x01' && p.size() > 1) return !t.empty() && eq(p[1], t[0]) && glob_reference(p.substr(2), t.substr(1), cs);
  if (p[0] == '*') {
    for (size_t k = 0; k <= t.size(); ++k)
      if (glob_reference(p.substr(1), t.substr(k), cs)) return true;
    return false;
  }
  if (t.empty()) return false;
  return (p[0] == '?' || eq(p[0], t[0])) && glob_reference(p.substr(1), t.substr(1), cs);
}
}  // namespace

TEST(Glob, AgreesWithReferenceIncludingMarksAndCase) {
  std::mt19937 rng(7);
  const std::string palpha = "aAb*?\x01:/";
  const std::string talpha = "aAb*?:/";
  for (int i = 0; i < 50000; ++i) {
    std::string p, t;
    for (int k = rng() % 10; k > 0; --k) p += palpha[rng() % palpha.size()];
    for (int k = rng() % 12; k > 0; --k) t += talpha[rng() % talpha.size()];
    if (rng() % 3 == 0) t = p.substr(0, rng() % (p.size() + 1)) + t;  // shared prefixes exercise the fast path
    for (Case cs : {Case::Sensitive, Case::Insensitive})
      EXPECT_EQ(glob_match(p, t, cs), glob_reference(p, t, cs))
          << "pattern `" << p << "` text `" << t << "` " << (cs == Case::Sensitive ? "sensitive" : "insensitive");
  }
}

// Twin of action_may_match (batch pruning; eight bytes at a time over the literal prefix): a glob
// over the whole "service:name", case-insensitive, as the plain recursive definition says, with
// prefixes long enough to cross several eight-byte words and case changes inside them.
TEST(Glob, ActionMayMatchIsACaseInsensitiveGlob) {
  std::mt19937 rng(11);
  const std::string palpha = "aAbBcC3:*?";
  const std::string talpha = "aAbBcC3:";
  auto flip = [](std::string s, unsigned bits) {
    for (size_t k = 0; k < s.size(); ++k)
      if ((bits >> (k % 32)) & 1) s[k] = static_cast<char>(s[k] ^ ((s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'z' ? 0x20 : 0));
    return s;
  };
  for (int i = 0; i < 50000; ++i) {
    std::string p, t;
    for (int k = rng() % 30; k > 0; --k) p += palpha[rng() % (rng() % 5 ? 8 : palpha.size())];
    for (int k = rng() % 30; k > 0; --k) t += talpha[rng() % talpha.size()];
    if (rng() % 2) {  // shared prefixes, in other case, exercise the word loop
      std::string lit = p.substr(0, std::min(p.size(), p.find_first_of("*?")));
      t = flip(lit.substr(0, rng() % (lit.size() + 1)), static_cast<unsigned>(rng())) + (rng() % 2 ? t : "");
    }
    EXPECT_EQ(action_may_match(p, t), glob_reference(p, t, Case::Insensitive)) << "pattern `" << p << "` action `" << t << "`";
  }
}

// Twin of has_wildcard's SWAR skip: against a byte loop, specials and marks at every offset.
TEST(Glob, HasWildcardAgreesWithByteLoop) {
  auto reference = [](std::string_view p) {
    for (size_t i = 0; i < p.size(); ++i) {
      if (p[i] == '\x01') { ++i; continue; }
      if (p[i] == '*' || p[i] == '?') return true;
    }
    return false;
  };
  std::mt19937 rng(3);
  const std::string alphabet = "abcdefgh*?\x01:/";
  for (int i = 0; i < 50000; ++i) {
    std::string s;
    for (int k = rng() % 30; k > 0; --k) s += alphabet[rng() % (rng() % 4 ? 8 : alphabet.size())];
    EXPECT_EQ(has_wildcard(s), reference(s)) << s;
  }
}

// Twin of find_glob_byte's SWAR scan: the first `*`, `?` or literal mark (marks not skipped: a
// marked character still needs the glob matcher) against std::string_view::find_first_of, and
// has_variables against find("${"), with the bytes at every offset of the 8-byte words and lengths
// on both sides of them. Each input sits in a heap block of exactly its size (ASan: no over-read).
TEST(Glob, FindGlobByteAndHasVariablesAgreeWithFind) {
  std::mt19937 rng(5);
  const std::string alphabet = "abcdefgh*?\x01${}";
  for (int i = 0; i < 50000; ++i) {
    std::string s;
    for (int k = rng() % 40; k > 0; --k) s += alphabet[rng() % (rng() % 4 ? 8 : alphabet.size())];
    std::unique_ptr<char[]> exact(new char[s.size()]);
    std::memcpy(exact.get(), s.data(), s.size());
    std::string_view v(exact.get(), s.size());
    EXPECT_EQ(find_glob_byte(v), v.find_first_of(std::string_view("*?\x01", 3))) << s;
    EXPECT_EQ(has_variables(v), v.find("${") != std::string_view::npos) << s;
  }
  EXPECT_EQ(find_glob_byte("arn:aws:s3:::bucket/prefix*"), 26u);
  EXPECT_TRUE(has_variables("12345678${aws:username}"));  // `${` across an 8-byte boundary
  EXPECT_TRUE(has_variables("1234567${x}"));
  EXPECT_FALSE(has_variables("1234567$"));
  EXPECT_FALSE(has_variables("$$$$$$$$ {"));
}

// Twin of the SWAR colon scan: split_arn against a byte-by-byte split, colons at every offset and
// lengths on both sides of each 16-byte load (0..99). Each input sits in a heap block of exactly its
// size, so under ASan a load past its end fails the test.
TEST(Arn, SplitAgreesWithByteScan) {
  std::mt19937 rng(11);
  for (int i = 0; i < 40000; ++i) {
    std::string text;
    for (int k = rng() % 100; k > 0; --k) text += ":ab/:x\x80"[rng() % 7];
    std::unique_ptr<char[]> exact(new char[text.size()]);
    if (!text.empty()) std::memcpy(exact.get(), text.data(), text.size());
    std::string_view s(exact.get(), text.size());
    ArnFields got = split_arn(s);
    std::vector<std::string_view> want;
    std::string_view rest(s);
    while (want.size() < 5) {
      size_t c = rest.find(':');
      if (c == std::string_view::npos) break;
      want.push_back(rest.substr(0, c));
      rest.remove_prefix(c + 1);
    }
    want.push_back(rest);
    ASSERT_EQ(got.count, want.size()) << s;
    for (size_t k = 0; k < want.size(); ++k) {
      EXPECT_EQ(got.f[k], want[k]) << s << " field " << k;
      EXPECT_EQ(got.f[k].data(), want[k].data()) << s << " field " << k << " must view into the input";
    }
  }
}

// Twin of parse_ip's allocation-free IPv4 path: random dotted strings against inet_pton itself.
namespace {
std::optional<IpNetwork> ip_reference(const std::string& s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  std::string host = s;
  int prefix = -1;
  if (auto slash = host.find('/'); slash != std::string::npos) {
    std::string p = host.substr(slash + 1);
    if (p.empty() || p.size() > 3) return std::nullopt;
    prefix = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return std::nullopt;
      prefix = prefix * 10 + (c - '0');
    }
    host.resize(slash);
  }
  unsigned char buf[16];
  if (inet_pton(AF_INET, host.c_str(), buf) != 1) return std::nullopt;  // (IPv6 not generated here)
  if (prefix > 32) return std::nullopt;
  IpNetwork n;
  n.v4 = true;
  std::memcpy(n.addr.data() + 12, buf, 4);
  n.addr[10] = n.addr[11] = 0xFF;
  n.prefix = static_cast<std::uint8_t>(96 + (prefix < 0 ? 32 : prefix));
  return n;
}
}  // namespace

TEST(Values, Ipv4FastPathAgreesWithInetPton) {
  std::mt19937 rng(5);
  const std::string alphabet = "0123456789..//";
  std::vector<std::string> inputs = {"10.0.0.1", "10.0.0.01", "255.255.255.255", "256.1.1.1", "1.2.3", "1.2.3.4.5",
                                     "1.2.3.4/0", "1.2.3.4/32", "1.2.3.4/33", "1.2.3.4/032", "1.2.3.4/", "0.0.0.0",
                                     "01.2.3.4", "1.2.3.4 ", "1..3.4", "1234.1.1.1"};
  for (int i = 0; i < 50000; ++i) {
    std::string s;
    for (int k = 0; k < 4; ++k) {
      if (k) s += rng() % 20 ? "." : "";
      for (int d = 1 + rng() % 3; d > 0; --d) s += "0123456789"[rng() % 10];
    }
    if (rng() % 3 == 0) s += "/" + std::to_string(rng() % 40);
    if (rng() % 10 == 0) s[rng() % s.size()] = alphabet[rng() % alphabet.size()];
    inputs.push_back(s);
  }
  for (const auto& s : inputs) {
    if (s.find(':') != std::string::npos) continue;
    auto got = parse_ip(s), want = ip_reference(s);
    ASSERT_EQ(got.has_value(), want.has_value()) << s;
    if (got) {
      EXPECT_EQ(got->addr, want->addr) << s;
      EXPECT_EQ(got->prefix, want->prefix) << s;
      EXPECT_EQ(got->v4, want->v4) << s;
    }
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
