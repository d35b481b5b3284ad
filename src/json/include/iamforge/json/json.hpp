#pragma once
/// JSON values that remember where they came from (byte spans), for diagnostics.
///
/// Written by hand rather than taken from simdjson/RapidJSON because policy diagnostics need a span
/// on every key and value, duplicate-key detection (IAM rejects repeated keys; libraries keep the
/// last one silently), a hard nesting limit, and UTF-8 validation with a position.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iamforge/base/diagnostic.hpp"

namespace iamforge::json {

enum class Kind : std::uint8_t { Null, Bool, Number, String, Array, Object };
std::string_view to_string(Kind k);

struct Member;

/// A parsed JSON value. Numbers keep their source text (IAM compares condition values as strings).
struct Value {
  Kind kind = Kind::Null;
  bool boolean = false;
  std::string text;               ///< String: decoded value; Number: source text; Bool: "true"/"false"
  std::vector<Value> items;       ///< Array
  std::vector<Member> members;    ///< Object, in source order
  base::Span span;

  bool is_string() const { return kind == Kind::String; }
  bool is_object() const { return kind == Kind::Object; }
  bool is_array() const { return kind == Kind::Array; }
  /// First member named exactly `key`, or null.
  const Value* find(std::string_view key) const;
};

struct Member {
  std::string key;
  base::Span key_span;
  Value value;
};

struct ParseOptions {
  std::uint32_t max_depth = 64;   ///< deeper documents are rejected (json.too-deep)
};

/// Result of parsing: the value (Null on a syntax error) and every diagnostic.
struct ParseResult {
  Value value;
  std::vector<base::Diagnostic> diagnostics;
  bool ok() const { return !base::has_error(diagnostics); }
};

/// Parses one JSON document. Errors: json.syntax, json.empty, json.too-deep, json.invalid-utf8,
/// json.duplicate-key (the last is reported but parsing goes on).
ParseResult parse(std::string_view text, const ParseOptions& options = {});

/// Serializes compactly (no spaces), members in source order.
void write(std::string& out, const Value& v);
std::string write(const Value& v);

}  // namespace iamforge::json
