#pragma once
/// Values of the stack language: JSON-like data, plus "unknown until apply" values that wait for
/// other resources' outputs. Every value keeps the span of the YAML node that produced it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iamforge/base/diagnostic.hpp"

namespace iamforge::spec {

/// What a Value holds; Unknown means "computed from outputs not known yet".
enum class ValueKind : std::uint8_t { Null, Bool, Number, String, List, Map, Unknown };
/// For messages: "null", "a boolean", "a number", "a string", "a list", "an object", "an unknown value".
std::string_view describe(ValueKind k);

/// An output of a resource that a value waits for, e.g. `mlTeamRole.arn`.
struct OutputRef {
  std::string resource;   ///< logical name
  std::string property;   ///< output property (`arn`, `name`, `id`, ...)
  auto operator<=>(const OutputRef&) const = default;
};

struct Entry;

/// A resolved value. `Unknown` stands for a value computed from outputs not yet known (`unknowns`
/// lists them); lists and maps may hold unknown elements while being known themselves.
struct Value {
  ValueKind kind = ValueKind::Null;
  bool boolean = false;
  bool secret = false;            ///< produced by fn::secret or a secret config value
  double number = 0;
  std::string string;
  std::vector<Value> list;
  std::vector<Entry> map;         ///< source order, keys unique
  std::vector<OutputRef> unknowns;  ///< Unknown: the outputs it waits for, sorted and unique
  base::Span span;                ///< the YAML node that produced the value

  /// Constructors for each kind; `unknown` sorts and de-duplicates `refs`.
  static Value null(base::Span span = {});
  static Value of_bool(bool b, base::Span span = {});
  static Value of_number(double d, base::Span span = {});
  static Value of_string(std::string s, base::Span span = {});
  static Value of_list(std::vector<Value> items, base::Span span = {});
  static Value of_map(std::vector<Entry> entries, base::Span span = {});
  static Value unknown(std::vector<OutputRef> refs, base::Span span = {});

  bool is_null() const { return kind == ValueKind::Null; }
  bool is_string() const { return kind == ValueKind::String; }
  bool is_unknown() const { return kind == ValueKind::Unknown; }
  /// True if no Unknown appears anywhere inside.
  bool is_known() const;
  /// Every output this value waits for, deep (sorted, unique).
  std::vector<OutputRef> pending_outputs() const;
  /// Map member named exactly `key`, or null.
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
};

/// A map member: key, the key's span, value.
struct Entry {
  std::string key;
  base::Span key_span;
  Value value;
};

/// Deep equality of the data (spans and secret flags ignored; unknowns equal if they wait for the same outputs).
bool same_data(const Value& a, const Value& b);

/// Number text as Pulumi interpolates it (Go's `%v`): `3600`, `1.5`, `1e+21`.
std::string format_number(double d);

/// JSON text as Go's encoding/json writes it (what fn::toJSON produces): object keys sorted,
/// `<`, `>`, `&` escaped, no whitespace. Unknown parts are written as null; check is_known() first.
std::string to_json(const Value& v);

/// A short, readable rendering for messages and plan output: strings quoted, unknowns as
/// `<unknown: role.arn>`, long values elided.
std::string to_display(const Value& v, std::size_t max_chars = 120);

}  // namespace iamforge::spec
