// base/strings.hpp's inline helpers against their plain twins.
#include "iamforge/base/strings.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>

using namespace iamforge;

// Twin: equal_bytes against memcmp, every length 0..40, a difference at every position, inputs in
// heap blocks of exactly their size (under ASan a word load past either end fails the test).
TEST(Strings, EqualBytesAgreesWithMemcmp) {
  std::mt19937 rng(5);
  for (std::size_t n = 0; n <= 40; ++n) {
    for (std::size_t diff = 0; diff <= n; ++diff) {  // diff == n: the two are equal
      std::unique_ptr<char[]> a(new char[n]), b(new char[n]);
      for (std::size_t i = 0; i < n; ++i) a[i] = b[i] = static_cast<char>('a' + rng() % 3);
      if (diff < n) b[diff] = static_cast<char>(a[diff] ^ (1 << (rng() % 8)));
      bool want = std::memcmp(a.get(), b.get(), n) == 0;
      EXPECT_EQ(base::equal_bytes(a.get(), b.get(), n), want) << "n=" << n << " diff=" << diff;
      EXPECT_EQ(want, diff == n);
    }
  }
}

// Twin: the SWAR lowercase against ascii_lower byte by byte, every byte value at every position of
// every length 0..40 (bytes >= 0x80 and the neighbours of 'A'..'Z' included).
TEST(Strings, LowerIntoAgreesWithAsciiLower) {
  std::mt19937 rng(9);
  for (std::size_t n = 0; n <= 40; ++n) {
    for (int c = 0; c < 256; ++c) {
      std::string s(n, '\0');
      for (auto& ch : s) ch = static_cast<char>(rng() % 256);
      if (n) s[static_cast<std::size_t>(c) % n] = static_cast<char>(c);
      std::string want = s;
      for (auto& ch : want) ch = base::ascii_lower(ch);
      std::string got(n, '\0');
      base::lower_into(got.data(), s);
      ASSERT_EQ(got, want) << "n=" << n << " c=" << c;
      ASSERT_EQ(base::to_lower(s), want);
    }
  }
}
