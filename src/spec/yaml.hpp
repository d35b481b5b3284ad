#pragma once
// The yaml-cpp adapter: YAML text -> a small tree with a byte span on every node, duplicate keys kept
// (so they can be reported) and anchors expanded. yaml-cpp throws; nothing escapes this file's .cpp.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iamforge/base/diagnostic.hpp"

namespace iamforge::spec::detail {

struct YNode {
  enum class Kind : std::uint8_t { Null, Scalar, Sequence, Map };
  Kind kind = Kind::Null;
  /// Scalar written quoted, as a block scalar or tagged `!!str`: always a string, never a bool/number.
  bool quoted = false;
  /// Null written as nothing at all (`key:`); its span is then the key's.
  bool implicit_null = false;
  std::string text;            ///< Scalar: the decoded value
  std::vector<YNode> items;    ///< Sequence: elements; Map: key, value, key, value, ...
  base::Span span;

  std::size_t map_size() const { return items.size() / 2; }
  const YNode& key(std::size_t i) const { return items[2 * i]; }
  const YNode& value(std::size_t i) const { return items[2 * i + 1]; }
  bool is_scalar() const { return kind == Kind::Scalar; }
  bool is_map() const { return kind == Kind::Map; }
  bool is_sequence() const { return kind == Kind::Sequence; }
};

/// Plain-scalar resolution as YAML 1.2's core schema (what Pulumi's YAML reader does).
enum class PlainKind : std::uint8_t { Null, Bool, Int, Float, String };
PlainKind classify_plain(std::string_view s, bool* bool_value = nullptr, double* number = nullptr);

struct YamlResult {
  YNode root;   ///< Null if the document is empty or unreadable
  std::vector<base::Diagnostic> diagnostics;   ///< spec.yaml-syntax, spec.unsupported (tags)
  bool empty = false;   ///< no document at all
};

/// Parses one YAML document. Never throws.
YamlResult parse_yaml(std::string_view text);

/// Short description for messages: "a string", "a list", "an object", "null", ...
std::string_view describe(const YNode& n);

}  // namespace iamforge::spec::detail
