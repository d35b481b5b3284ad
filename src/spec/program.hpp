#pragma once
// The parsed stack (expressions not yet evaluated), shared by load() and resolve().
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "iamforge/base/diagnostic.hpp"
#include "iamforge/spec/schema.hpp"
#include "iamforge/spec/stack.hpp"
#include "iamforge/spec/value.hpp"
#include "yaml.hpp"

namespace iamforge::spec::detail {

/// One step of a property access: `.name`, `["key"]` or `[0]`.
struct Accessor {
  bool is_index = false;
  std::string key;
  std::int64_t index = 0;
};

/// `${root.path[0]["key"]}` as parsed from a string.
struct Access {
  std::string root;
  std::vector<Accessor> path;
  std::string text;     ///< as written between `${` and `}`, for messages
  base::Span span;      ///< the `${...}` in the source, or the whole string when offsets are unknowable
};

enum class ExprKind : std::uint8_t {
  Null, Bool, Number, String,
  Ref,           ///< a string that is exactly one `${...}`: the referenced value itself
  Interpolate,   ///< text with `${...}` parts: always a string
  List, Object,
  Invoke,        ///< fn::invoke; items[0] is the arguments object (or Null)
  Join, Select, Split,   ///< items: the two arguments
  ToJson, ReadFile, Secret, ToBase64, FromBase64,  ///< items[0]: the argument
};

struct Expr {
  ExprKind kind = ExprKind::Null;
  base::Span span;
  bool boolean = false;
  double number = 0;
  std::string text;                  ///< String literal; Invoke: function token
  base::Span text_span;              ///< Invoke: the function token's span
  std::vector<Access> accesses;      ///< Ref: one; Interpolate: one per `${...}`
  std::vector<std::string> pieces;   ///< Interpolate: literal text around accesses (accesses.size() + 1)
  std::vector<Expr> items;           ///< List elements, Object values, function arguments
  std::vector<std::string> keys;     ///< Object keys
  std::vector<base::Span> key_spans;
  std::string ret;                   ///< Invoke: `return:` field, empty for the whole result
  base::Span ret_span;
};

enum class ConfigType : std::uint8_t { Any, String, Number, Integer, Boolean, StringList, NumberList, BooleanList, List, Object };

struct ConfigDecl {
  std::string name;        ///< without the project namespace
  base::Span span;         ///< the key
  ConfigType type = ConfigType::Any;
  std::string type_text;
  std::optional<Value> default_value;
  bool secret = false;
};

struct VariableDecl {
  std::string name;
  base::Span span;
  Expr expr;
};

struct PropertyDecl {
  const PropertySchema* schema = nullptr;
  base::Span key_span;
  Expr expr;
};

struct ResourceDecl {
  std::string name;
  base::Span name_span;
  const ResourceType* type = nullptr;   ///< null if unknown (already reported)
  base::Span type_span;
  base::Span properties_span;           ///< the `properties` key, or the name when absent
  std::vector<PropertyDecl> properties; ///< schema order
  std::vector<Expr> untyped;            ///< properties of a resource whose type is unknown: references still checked
  bool has_get = false;                 ///< `get:` (unsupported, reported): no "missing property" errors
  std::vector<std::string_view> misspelled;  ///< inputs an unknown property was taken for (no "missing" error then)
  // Options
  std::vector<Access> depends_on;
  ResourceOptions options;              ///< everything but depends_on names (filled at load)
  std::vector<std::pair<std::string, base::Span>> ignore_changes;
};

struct OutputDecl {
  std::string name;
  base::Span span;
  Expr expr;
};

enum class SymbolKind : std::uint8_t { Config, Variable, Resource };
struct Symbol {
  SymbolKind kind;
  std::uint32_t index;
};

struct Program {
  std::string project;
  std::string description;
  std::string base_dir;   ///< directory of the stack file, for fn::readFile and `${pulumi.cwd}`
  std::vector<ConfigDecl> configs;
  std::vector<VariableDecl> variables;
  std::vector<ResourceDecl> resources;
  std::vector<OutputDecl> outputs;
  std::unordered_map<std::string, Symbol> symbols;
  LoadOptions options;
  /// Resolved config values (declared keys, then supplied ones), by normalized key.
  std::unordered_map<std::string, Value> config_values;
};

/// YAML tree -> Program. Structural errors go to `diags`; the program is always returned.
void parse_program(const YNode& root, std::string_view text, Program& program, std::vector<base::Diagnostic>& diags);

/// Parses `${...}` interpolation in a decoded string. `span` is the string node; `exact` says whether
/// decoded offsets map 1:1 onto the source starting at `content_begin`.
Expr parse_string_expr(const std::string& s, base::Span span, bool exact, std::uint32_t content_begin,
                       std::vector<base::Diagnostic>& diags);

/// A YAML value taken literally (no expressions): config defaults and Pulumi.<stack>.yaml values.
Value literal_value(const YNode& n);

/// Resolves every config key: declared ones from supplied values or defaults (converted to their
/// declared type), then supplied keys that were not declared. Fills program.config_values.
void resolve_config(Program& program, std::vector<base::Diagnostic>& diags);

/// Sets `span` on `v` and everything inside it.
void respan(Value& v, base::Span span);

base::Diagnostic make_diag(Code code, base::Span span, std::string message, std::string help = {});

}  // namespace iamforge::spec::detail
