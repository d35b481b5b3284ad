#pragma once
/// The C++ SDK: a stack written as a C++ program instead of a Pulumi YAML file.
///
/// A Program is rendered to the Pulumi YAML the stack language already defines, and that text goes
/// through the same loader, checks and engine as a file would: one language, one meaning, and the
/// SDK cannot drift from the YAML's semantics. Property names and types are not repeated here (the
/// one list is src/spec/include/iamforge/spec/resource_types.def); the loader checks them and its
/// diagnostics are mapped back to the C++ line that declared the resource (Where).
///
///   iamforge::sdk::Program p("ml-iam");
///   auto role = p.resource("mlTeamRole", "aws:iam:Role", {{"assumeRolePolicy", sdk::to_json(trust)}});
///   p.output("ml_team_role_arn", role.out("arn"));
///   return iamforge::sdk::main(p, argc, argv);   // iamforge's commands: plan, up, destroy, ...
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace iamforge::sdk {

/// A value of the stack language: string, number, bool, null, list, map, or an expression
/// (a reference to another resource's output, a variable, `fn::toJSON`, `fn::invoke`, ...).
class Value {
 public:
  enum class Kind : std::uint8_t { Null, String, Number, Bool, List, Map, Expr };
  Value() = default;
  Value(const char* s) : kind_(Kind::String), text_(s) {}          // NOLINT: implicit by design
  Value(std::string s) : kind_(Kind::String), text_(std::move(s)) {}  // NOLINT
  Value(int n) : kind_(Kind::Number), text_(std::to_string(n)) {}     // NOLINT
  Value(bool b) : kind_(Kind::Bool), text_(b ? "true" : "false") {}   // NOLINT
  /// A list: Value::list({"a", "b"}).
  static Value list(std::vector<Value> items);
  /// A map with keys in the order given: Value::map({{"Effect", "Allow"}}).
  static Value map(std::vector<std::pair<std::string, Value>> entries);
  /// A raw stack-language expression, e.g. "${pulumi.stack}" (interpolation is not escaped).
  static Value expr(std::string text);

  Kind kind() const { return kind_; }
  /// Appends the value as YAML: after a `key:` or `-` already written, at block indent `indent`.
  void to_yaml(std::string& out, int indent) const;

 private:
  Kind kind_ = Kind::Null;
  std::string text_;                                        // scalars and expressions
  std::vector<Value> items_;                                // lists
  std::vector<std::pair<std::string, Value>> entries_;     // maps (also function calls)
};

using Map = std::vector<std::pair<std::string, Value>>;
using List = std::vector<Value>;

/// `fn::toJSON`: the value serialised as JSON text (a policy document written as data).
Value to_json(Value v);
/// `fn::invoke`, e.g. invoke("aws:iam:getPolicyDocument", Value::map({{"statements", ...}}), "json").
Value invoke(std::string function, Value arguments, std::string ret);
/// `fn::join`.
Value join(std::string separator, std::vector<Value> items);
/// `fn::readFile` (relative to the program's working directory).
Value read_file(std::string path);

/// Resource options, Pulumi's names and meanings.
struct Options {
  std::vector<std::string> depends_on;  ///< logical names
  bool protect = false;
  std::vector<std::string> ignore_changes;
  std::string import_id;  ///< "" = none
  bool delete_before_replace = false;
  bool retain_on_delete = false;
};

/// A declared resource: its outputs are referenced with out("arn"), out("name"), ...
class ResourceRef {
 public:
  ResourceRef(std::string name) : name_(std::move(name)) {}  // NOLINT
  const std::string& name() const { return name_; }
  /// `${name.property}`.
  Value out(const std::string& property) const { return Value::expr("${" + name_ + "." + property + "}"); }

 private:
  std::string name_;
};

/// The caller's file and line, taken by a defaulted argument. (Not std::source_location: clang 14
/// with libstdc++ 12 cannot compile it; these builtins give the call site with g++ and clang alike.)
struct Where {
  Where(const char* f = __builtin_FILE(), unsigned l = __builtin_LINE()) : file(f), line(l) {}  // NOLINT: implicit
  const char* file;
  unsigned line;
};

/// Where a declaration was written, and the lines of the rendered YAML it produced.
struct Origin {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t yaml_first = 0, yaml_last = 0;  ///< 1-based, inclusive
};

class Program {
 public:
  explicit Program(std::string name, std::string description = "");

  /// A variable, referenced as var("name") (`${name}`).
  Value variable(const std::string& name, Value value, Where where = Where());
  /// A declared config key with a default (`config:` of the YAML), referenced as `${key}`.
  Value config(const std::string& key, std::string type, Value default_value,
               Where where = Where());
  ResourceRef resource(const std::string& name, const std::string& type, Map properties, Options options = {},
                       Where where = Where());
  void output(const std::string& name, Value value, Where where = Where());

  const std::string& name() const { return name_; }
  /// The Pulumi YAML text of the program (what `iamforge` loads).
  std::string to_yaml() const;
  /// The declaration whose rendered YAML contains `yaml_line`, or null.
  const Origin* origin_of(std::uint32_t yaml_line) const;

 private:
  struct Decl {
    enum class Section : std::uint8_t { Config, Variable, Resource, Output } section;
    std::string name;
    std::string body;  ///< YAML lines under the name (already indented)
    Origin origin;
  };
  void add(Decl d);
  std::string name_, description_;
  std::vector<Decl> decls_;
  mutable std::vector<Origin> origins_;  ///< filled by to_yaml()
};

/// Runs iamforge's stack commands on the program (plan/preview, apply/up, destroy, refresh,
/// import, output, history, and the same flags), as `iamforge <cmd>` would on its YAML. The YAML is
/// written to `.iamforge/<program>.sdk.yaml` so that errors can be looked at; diagnostics name the
/// C++ line that declared the offending resource. Returns the process exit code.
int main(const Program& program, int argc, char** argv);

}  // namespace iamforge::sdk
