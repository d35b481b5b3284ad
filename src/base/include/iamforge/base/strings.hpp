#pragma once
/// Small string utilities shared by every module (ASCII case folding, JSON escaping, splitting).
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace iamforge::base {

inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

/// SWAR (eight bytes in a uint64_t, lowest byte first): 0x80 in each byte of `w` equal to `c`,
/// 0 elsewhere. Exact per byte (no false positives from borrows), so results can be counted.
inline std::uint64_t bytes_equal(std::uint64_t w, unsigned char c) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kLow7 = kOnes * 0x7F;
  std::uint64_t x = w ^ (kOnes * c);
  return ~(((x & kLow7) + kLow7) | x | kLow7);
}
/// SWAR ASCII lowercase of eight bytes at once: exactly the bytes 'A'..'Z' get +0x20; bytes >= 0x80
/// are unchanged, as ascii_lower leaves them.
inline std::uint64_t lower8(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kLow7 = kOnes * 0x7F, kHigh = kOnes * 0x80;
  std::uint64_t h = w & kLow7;  // no carry between bytes below: h + 0x3f <= 0xbe
  std::uint64_t upper = (h + kOnes * (0x80 - 'A')) & ~(h + kOnes * (0x80 - 'Z' - 1)) & ~w & kHigh;  // 'A'..'Z'
  return w | (upper >> 2);
}
/// ASCII case-insensitive glob of `s` against `pat` from positions `p` and `i` on (for a caller
/// that has matched a literal prefix already): `*` any run, possibly empty, `?` exactly one byte.
/// Iterative, backtracking to the last `*` only: linear space, no recursion. The one definition
/// behind the catalog's wildcard expansion and the parser's action pruning.
inline bool glob_match_ci(std::string_view pat, std::string_view s, std::size_t p = 0, std::size_t i = 0) {
  std::size_t star = std::string_view::npos, resume = 0;
  while (i < s.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star = p++;
      resume = i;
    } else if (p < pat.size() && (pat[p] == '?' || ascii_lower(pat[p]) == ascii_lower(s[i]))) {
      ++p;
      ++i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++resume;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}
/// Writes `s` in ASCII lowercase to `out` (s.size() bytes), eight bytes at a time.
inline void lower_into(char* out, std::string_view s) {
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    w = lower8(w);
    std::memcpy(out + i, &w, 8);
  }
  for (; i < s.size(); ++i) out[i] = ascii_lower(s[i]);
}
/// Equality of `n` bytes, inline: word compares (the last word overlapping the one before it),
/// for the short keys and names the evaluator compares several times per request, where a call
/// to libc's memcmp costs more than the compare itself.
inline bool equal_bytes(const char* a, const char* b, std::size_t n) {
  auto w64 = [](const char* p) { std::uint64_t w; std::memcpy(&w, p, 8); return w; };
  auto w32 = [](const char* p) { std::uint32_t w; std::memcpy(&w, p, 4); return w; };
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8)
      if (w64(a + i) != w64(b + i)) return false;
    return w64(a + n - 8) == w64(b + n - 8);
  }
  if (n >= 4) return w32(a) == w32(b) && w32(a + n - 4) == w32(b + n - 4);
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}
/// The word loop of FastHash (8 bytes per step, inline), before its final mix; with `ignore_case`,
/// each word is ASCII-lowercased first, so strings that differ only in case hash alike.
inline std::uint64_t hash_words(std::string_view s, bool ignore_case) {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ (ignore_case ? lower8(w) : w)) * 0xFF51AFD7ED558CCDULL;
    h ^= h >> 32;
  }
  if (i < s.size()) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = (h ^ (ignore_case ? lower8(w) : w)) * 0xC4CEB9FE1A85EC53ULL;
  }
  return h;
}
/// A fast non-cryptographic hash of a short string (8 bytes per step, inline): for in-memory
/// tables keyed by names, where std::hash's out-of-line murmur costs more than the lookup.
/// Transparent, so tables keyed by std::string can be searched with a string_view.
struct FastHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    std::uint64_t h = hash_words(s, false);
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
bool iends_with(std::string_view s, std::string_view suffix);
/// Appends `s` to `out` as a JSON string literal (with quotes).
void append_json_string(std::string& out, std::string_view s);
std::string json_string(std::string_view s);
/// Splits on a single character; keeps empty fields.
std::vector<std::string_view> split(std::string_view s, char sep);
/// Reads a whole file; returns false (and leaves `out` empty) on failure with `error` set.
bool read_file(const std::string& path, std::string& out, std::string& error);

}  // namespace iamforge::base
