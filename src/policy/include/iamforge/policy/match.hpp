#pragma once
/// Matching primitives shared by the evaluator and the validator: IAM globs, ARN fields, typed
/// condition values (numbers, dates, IP ranges, base64).
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "iamforge/base/strings.hpp"

namespace iamforge::policy {

enum class Case : std::uint8_t { Sensitive, Insensitive };

/// IAM wildcard match: `*` any run (including empty), `?` exactly one character. A character
/// preceded by '\x01' in the pattern is literal (from ${*}, ${?} or a substituted variable value).
bool glob_match(std::string_view pattern, std::string_view text, Case c);
/// True if the pattern contains an unescaped `*` or `?`.
bool has_wildcard(std::string_view pattern);
/// Position of the first `*`, `?` or '\x01' mark (npos when none): where a pattern stops being a
/// plain literal. Inline, eight bytes at a time (compiling asks it of every ARN field; libstdc++'s
/// find_first_of calls memchr once per byte of the text).
inline std::size_t find_glob_byte(std::string_view p) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the SWAR scan takes the lowest byte first");
  std::size_t i = 0;
  for (; i + 8 <= p.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p.data() + i, 8);
    if (std::uint64_t special = base::bytes_equal(w, '*') | base::bytes_equal(w, '?') | base::bytes_equal(w, '\x01'))
      return i + static_cast<std::size_t>(__builtin_ctzll(special) >> 3);
  }
  for (; i < p.size(); ++i)
    if (p[i] == '*' || p[i] == '?' || p[i] == '\x01') return i;
  return std::string_view::npos;
}
/// Removes the '\x01' literal marks (for exact comparisons).
std::string strip_literal_marks(std::string_view s);

/// An ARN split into its six fields; the resource field keeps any further colons.
struct ArnFields {
  std::array<std::string_view, 6> f;  ///< arn, partition, service, region, account, resource
  std::size_t count = 0;              ///< fields found (6 for a full ARN)
};
ArnFields split_arn(std::string_view arn);

/// Numeric condition value: integer or decimal, optional sign. Nullopt when malformed.
std::optional<double> parse_number(std::string_view s);
/// Date condition value: W3C ISO 8601 profile or epoch seconds. Returns seconds since the epoch.
std::optional<double> parse_date(std::string_view s);
/// Bool condition value: "true"/"false", case-insensitive.
std::optional<bool> parse_bool(std::string_view s);
/// Decodes standard base64 (padding optional). Nullopt when malformed.
std::optional<std::string> decode_base64(std::string_view s);

/// An IPv4 or IPv6 network. IPv4 is stored as an IPv4-mapped IPv6 address.
struct IpNetwork {
  std::array<std::uint8_t, 16> addr{};
  std::uint8_t prefix = 128;
  bool v4 = false;
  bool contains(const IpNetwork& ip) const;
};
/// Parses "203.0.113.0/24", "2001:db8::/32" or a bare address (/32 or /128).
std::optional<IpNetwork> parse_ip(std::string_view s);

}  // namespace iamforge::policy
