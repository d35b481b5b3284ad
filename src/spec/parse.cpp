// YAML tree -> Program: the stack file's sections, resource declarations checked against the schema,
// and every value parsed into an expression. Evaluation happens in eval.cpp.
#include <algorithm>
#include <unordered_set>

#include "iamforge/base/strings.hpp"
#include "program.hpp"

namespace iamforge::spec::detail {

using base::Diagnostic;
using base::Span;

Diagnostic make_diag(Code code, Span span, std::string message, std::string help) {
  return Diagnostic{std::string(to_string(code)), base::Severity::Error, std::move(message), span, std::move(help)};
}

namespace {

std::string tick(std::string_view s) { return "`" + std::string(s) + "`"; }

std::string suggest(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string m = base::did_you_mean(word, candidates);
  return m.empty() ? std::string() : "did you mean `" + m + "`?";
}

std::string expected_list(const std::vector<std::string_view>& names) {
  std::string r;
  for (std::size_t i = 0; i < names.size(); ++i) r += (i ? ", `" : "`") + std::string(names[i]) + "`";
  return r;
}

// ---- `${...}` parsing ---------------------------------------------------------------------------

// Parses one property access after `${` (Pulumi's grammar: names up to `.`, `[` or `}`; `["key"]`
// and `[0]` subscripts). Returns the index just past `}` or npos on error (diagnostic added).
std::size_t parse_access(const std::string& s, std::size_t i, Access& out, Span err_span, std::vector<Diagnostic>& diags) {
  std::size_t start = i;
  bool first = true;
  while (i < s.size()) {
    char c = s[i];
    if (c == '}') {
      out.text = s.substr(start, i - start);
      if (out.root.empty() && out.path.empty()) {
        diags.push_back(make_diag(Code::BadExpression, err_span, "empty reference `${}`",
                                  "name a config key, variable or resource, e.g. `${myRole.arn}`"));
        return std::string::npos;
      }
      return i + 1;
    }
    if (c == '.') {
      ++i;
      continue;
    }
    if (c == '[') {
      if (i + 1 < s.size() && s[i + 1] == '"') {
        std::string key;
        std::size_t j = i + 2;
        for (;;) {
          if (j >= s.size()) {
            diags.push_back(make_diag(Code::BadExpression, err_span, "missing closing quote in property name"));
            return std::string::npos;
          }
          if (s[j] == '"') {
            ++j;
            break;
          }
          if (s[j] == '\\' && j + 1 < s.size() && s[j + 1] == '"') {
            key += '"';
            j += 2;
          } else {
            key += s[j++];
          }
        }
        if (j >= s.size() || s[j] != ']') {
          diags.push_back(make_diag(Code::BadExpression, err_span, "missing closing bracket in property access"));
          return std::string::npos;
        }
        if (first) {
          out.root = key;
        } else {
          out.path.push_back({false, key, 0});
        }
        first = false;
        i = j + 1;
        continue;
      }
      std::size_t close = s.find(']', i);
      if (close == std::string::npos) {
        diags.push_back(make_diag(Code::BadExpression, err_span, "missing closing bracket in list index"));
        return std::string::npos;
      }
      std::string digits = s.substr(i + 1, close - i - 1);
      bool ok = !digits.empty() && digits.size() < 18 &&
                std::all_of(digits.begin(), digits.end(), [](char d) { return d >= '0' && d <= '9'; });
      if (!ok) {
        diags.push_back(make_diag(Code::BadExpression, err_span, "invalid list index `" + digits + "`",
                                  "indices are non-negative integers; use `[\"key\"]` for keys"));
        return std::string::npos;
      }
      if (first) {
        diags.push_back(make_diag(Code::BadExpression, err_span, "a reference must start with a name, not an index"));
        return std::string::npos;
      }
      out.path.push_back({true, {}, std::stoll(digits)});
      i = close + 1;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && s[j] != '.' && s[j] != '[' && s[j] != '}') ++j;
    std::string name = s.substr(i, j - i);
    if (first) {
      out.root = name;
    } else {
      out.path.push_back({false, name, 0});
    }
    first = false;
    i = j;
  }
  diags.push_back(make_diag(Code::BadExpression, err_span, "unterminated interpolation: `${` without `}`",
                            "write `$${` for a literal `${`"));
  return std::string::npos;
}

// ---- YAML values --------------------------------------------------------------------------------

}  // namespace

Value literal_value(const YNode& n) {
  switch (n.kind) {
    case YNode::Kind::Null: return Value::null(n.span);
    case YNode::Kind::Scalar: {
      if (n.quoted) return Value::of_string(n.text, n.span);
      bool b = false;
      double d = 0;
      switch (classify_plain(n.text, &b, &d)) {
        case PlainKind::Null: return Value::null(n.span);
        case PlainKind::Bool: return Value::of_bool(b, n.span);
        case PlainKind::Int:
        case PlainKind::Float: return Value::of_number(d, n.span);
        case PlainKind::String: return Value::of_string(n.text, n.span);
      }
      return Value::of_string(n.text, n.span);
    }
    case YNode::Kind::Sequence: {
      std::vector<Value> items;
      for (const auto& i : n.items) items.push_back(literal_value(i));
      return Value::of_list(std::move(items), n.span);
    }
    case YNode::Kind::Map: {
      std::vector<Entry> entries;
      for (std::size_t i = 0; i < n.map_size(); ++i)
        entries.push_back({n.key(i).text, n.key(i).span, literal_value(n.value(i))});
      return Value::of_map(std::move(entries), n.span);
    }
  }
  return Value::null(n.span);
}

namespace {

class Parser {
 public:
  Parser(std::string_view text, Program& p, std::vector<Diagnostic>& d) : text_(text), p_(p), diags_(d) {}

  void run(const YNode& root) {
    check_duplicates(root);
    if (root.kind == YNode::Kind::Null) {
      error(Code::MissingKey, {0, 0}, "the stack file is empty", "a stack needs at least `name:` and `runtime: yaml`");
      return;
    }
    if (!root.is_map()) {
      error(Code::TypeMismatch, root.span, "a stack file must be a mapping of sections, not " + std::string(describe(root)));
      return;
    }
    static const std::vector<std::string_view> kSections = {
        "name", "runtime", "description", "config", "configuration", "variables", "resources", "outputs"};
    // Project-file keys Pulumi allows beside the program; they do not change what the stack means.
    static const std::vector<std::string_view> kIgnored = {
        "main", "stackConfigDir", "backend", "options", "template", "plugins", "author", "license", "website",
        "packages", "pulumi"};
    const YNode* name = nullptr;
    const YNode* runtime = nullptr;
    const YNode* config = nullptr;
    const YNode* variables = nullptr;
    const YNode* resources = nullptr;
    const YNode* outputs = nullptr;
    for (std::size_t i = 0; i < root.map_size(); ++i) {
      const YNode& k = root.key(i);
      const YNode& v = root.value(i);
      const std::string& key = k.text;
      if (key == "name") {
        name = &v;
      } else if (key == "runtime") {
        runtime = &v;
      } else if (key == "description") {
        if (auto s = scalar_string(v, "description")) p_.description = *s;
      } else if (key == "config" || key == "configuration") {
        if (config) {
          error(Code::DuplicateKey, k.span, "both `config` and `configuration` are present", "keep one of them");
        }
        config = &v;
      } else if (key == "variables") {
        variables = &v;
      } else if (key == "resources") {
        resources = &v;
      } else if (key == "outputs") {
        outputs = &v;
      } else if (std::find(kIgnored.begin(), kIgnored.end(), key) == kIgnored.end()) {
        std::vector<std::string_view> all = kSections;
        all.insert(all.end(), kIgnored.begin(), kIgnored.end());
        std::string help = suggest(key, all);
        error(Code::UnknownKey, k.span, "unknown top-level key " + tick(key),
              help.empty() ? "a stack file has " + expected_list(kSections) : help);
      }
    }
    if (!name) {
      error(Code::MissingKey, {root.span.begin, root.span.begin}, "the stack has no `name`",
            "add `name: <project>` at the top");
    } else if (auto s = scalar_string(*name, "name")) {
      p_.project = *s;
      if (s->empty()) error(Code::InvalidValue, name->span, "the project name is empty");
    }
    if (!runtime) {
      error(Code::MissingKey, {root.span.begin, root.span.begin}, "the stack has no `runtime`", "add `runtime: yaml`");
    } else {
      const YNode* r = runtime;
      if (r->is_map()) {
        r = nullptr;
        for (std::size_t i = 0; i < runtime->map_size(); ++i)
          if (runtime->key(i).text == "name") r = &runtime->value(i);
        if (!r) error(Code::MissingKey, runtime->span, "`runtime` has no `name`", "write `runtime: yaml`");
      }
      if (r) {
        if (auto s = scalar_string(*r, "runtime"); s && *s != "yaml") {
          error(Code::InvalidValue, r->span, "runtime " + tick(*s) + " is not supported",
                "iamforge runs Pulumi YAML programs: write `runtime: yaml`");
        }
      }
    }
    if (config) parse_config(*config);
    if (variables) parse_variables(*variables);
    if (resources) parse_resources(*resources);
    if (outputs) parse_outputs(*outputs);  // a stack without resources is legal, as in Pulumi
  }

 private:
  void error(Code c, Span s, std::string msg, std::string help = {}) {
    diags_.push_back(make_diag(c, s, std::move(msg), std::move(help)));
  }

  void check_duplicates(const YNode& n) {
    if (n.is_map()) {
      std::unordered_set<std::string> seen;
      for (std::size_t i = 0; i < n.map_size(); ++i) {
        const YNode& k = n.key(i);
        if (!k.is_scalar()) {
          error(Code::TypeMismatch, k.span, "mapping keys must be strings, not " + std::string(describe(k)));
          continue;
        }
        if (!seen.insert(k.text).second) {
          error(Code::DuplicateKey, k.span, "duplicate key " + tick(k.text),
                "YAML keeps only one of them; remove or rename the other");
        }
      }
    }
    for (const auto& c : n.items) check_duplicates(c);
  }

  // Section values taken as text; a plain number or boolean is text here (`name: 2024` is a name).
  std::optional<std::string> scalar_string(const YNode& v, std::string_view what) {
    if (v.is_scalar()) return v.text;
    error(Code::TypeMismatch, v.span, tick(what) + " must be a string, not " + std::string(describe(v)));
    return std::nullopt;
  }

  bool expect_map(const YNode& v, std::string_view what) {
    if (v.is_map()) return true;
    if (v.kind == YNode::Kind::Null) return false;  // an empty section is allowed
    error(Code::TypeMismatch, v.span, tick(what) + " must be a mapping, not " + std::string(describe(v)));
    return false;
  }

  // ---- config -----------------------------------------------------------------------------------

  void parse_config(const YNode& section) {
    if (!expect_map(section, "config")) return;
    static const std::vector<std::string_view> kDeclKeys = {"type", "default", "secret", "description", "items", "value"};
    for (std::size_t i = 0; i < section.map_size(); ++i) {
      const YNode& k = section.key(i);
      const YNode& v = section.value(i);
      ConfigDecl d;
      d.name = k.text;
      if (auto colon = d.name.find(':'); colon != std::string::npos && d.name.substr(0, colon) == p_.project)
        d.name = d.name.substr(colon + 1);
      d.span = k.span;
      bool is_decl = v.is_map() && v.map_size() > 0;
      for (std::size_t j = 0; is_decl && j < v.map_size(); ++j)
        if (std::find(kDeclKeys.begin(), kDeclKeys.end(), v.key(j).text) == kDeclKeys.end()) is_decl = false;
      if (!is_decl) {
        // Shorthand: the value itself is the default.
        if (v.kind != YNode::Kind::Null) d.default_value = literal_value(v);
        p_.configs.push_back(std::move(d));
        continue;
      }
      const YNode* items = nullptr;
      for (std::size_t j = 0; j < v.map_size(); ++j) {
        const std::string& key = v.key(j).text;
        const YNode& val = v.value(j);
        if (key == "type") {
          if (auto s = scalar_string(val, "type")) {
            d.type_text = *s;
            d.type = config_type(*s, val.span);
          }
        } else if (key == "default" || key == "value") {
          d.default_value = literal_value(val);
        } else if (key == "secret") {
          Value b = literal_value(val);
          if (b.kind != ValueKind::Bool) {
            error(Code::TypeMismatch, val.span, "`secret` must be true or false");
          } else {
            d.secret = b.boolean;
          }
        } else if (key == "items") {
          items = &val;
        }
      }
      if (items && d.type == ConfigType::List && items->is_map()) {
        for (std::size_t j = 0; j < items->map_size(); ++j) {
          if (items->key(j).text != "type") continue;
          std::string t = base::to_lower(items->value(j).text);
          d.type = t == "string" ? ConfigType::StringList
                   : t == "number" || t == "integer" ? ConfigType::NumberList
                   : t == "boolean" ? ConfigType::BooleanList
                   : ConfigType::List;
        }
      }
      p_.configs.push_back(std::move(d));
    }
  }

  ConfigType config_type(const std::string& s, Span span) {
    std::string t = base::to_lower(s);
    t.erase(std::remove(t.begin(), t.end(), ' '), t.end());
    if (t == "string") return ConfigType::String;
    if (t == "number") return ConfigType::Number;
    if (t == "integer" || t == "int") return ConfigType::Integer;
    if (t == "boolean" || t == "bool") return ConfigType::Boolean;
    if (t == "list<string>") return ConfigType::StringList;
    if (t == "list<number>" || t == "list<integer>") return ConfigType::NumberList;
    if (t == "list<boolean>") return ConfigType::BooleanList;
    if (t == "array") return ConfigType::List;
    if (t == "object") return ConfigType::Object;
    static const std::vector<std::string_view> kTypes = {"string", "number", "integer", "boolean", "array", "object",
                                                         "List<String>", "List<Number>", "List<Boolean>"};
    std::string help = suggest(s, kTypes);
    error(Code::InvalidValue, span, "unknown config type " + tick(s),
          help.empty() ? "expected one of " + expected_list(kTypes) : help);
    return ConfigType::Any;
  }

  // ---- variables, resources, outputs ------------------------------------------------------------

  void parse_variables(const YNode& section) {
    if (!expect_map(section, "variables")) return;
    for (std::size_t i = 0; i < section.map_size(); ++i)
      p_.variables.push_back({section.key(i).text, section.key(i).span, parse_expr(section.value(i))});
  }

  void parse_outputs(const YNode& section) {
    if (!expect_map(section, "outputs")) return;
    for (std::size_t i = 0; i < section.map_size(); ++i)
      p_.outputs.push_back({section.key(i).text, section.key(i).span, parse_expr(section.value(i))});
  }

  static std::vector<std::string_view> type_tokens() {
    std::vector<std::string_view> r;
    for (const auto& t : resource_types()) r.push_back(t.token);
    return r;
  }

  void parse_resources(const YNode& section) {
    if (!expect_map(section, "resources")) return;
    for (std::size_t i = 0; i < section.map_size(); ++i) {
      const YNode& k = section.key(i);
      const YNode& v = section.value(i);
      ResourceDecl r;
      r.name = k.text;
      r.name_span = k.span;
      r.properties_span = k.span;
      if (!v.is_map()) {
        error(Code::TypeMismatch, v.kind == YNode::Kind::Null ? k.span : v.span,
              "resource " + tick(r.name) + " must be a mapping with `type` and `properties`, not " +
                  std::string(describe(v)));
        p_.resources.push_back(std::move(r));
        continue;
      }
      const YNode* type = nullptr;
      const YNode* props = nullptr;
      const YNode* options = nullptr;
      static const std::vector<std::string_view> kKeys = {"type", "properties", "options", "get", "defaultProvider"};
      for (std::size_t j = 0; j < v.map_size(); ++j) {
        const YNode& kk = v.key(j);
        if (kk.text == "type") {
          type = &v.value(j);
        } else if (kk.text == "properties") {
          props = &v.value(j);
          r.properties_span = kk.span;
        } else if (kk.text == "options") {
          options = &v.value(j);
        } else if (kk.text == "get") {
          r.has_get = true;
          error(Code::Unsupported, kk.span, "reading an existing resource with `get` is not supported",
                "adopt it instead with `options: {import: <id>}`");
        } else if (kk.text == "defaultProvider") {
          error(Code::Unsupported, kk.span, "`defaultProvider` is not supported",
                "iamforge targets one IAM endpoint per stack (`--target`)");
        } else {
          std::string help = suggest(kk.text, kKeys);
          error(Code::UnknownKey, kk.span, "unknown key " + tick(kk.text) + " in resource " + tick(r.name),
                help.empty() ? "a resource has `type`, `properties` and `options`" : help);
        }
      }
      if (!type) {
        error(Code::MissingKey, k.span, "resource " + tick(r.name) + " has no `type`",
              "add e.g. `type: aws:iam:Role`");
      } else if (auto s = scalar_string(*type, "type")) {
        r.type_span = type->span;
        r.type = lookup_type(*s, type->span);
      }
      if (props) parse_properties(r, *props);
      if (options) parse_options(r, *options);
      p_.resources.push_back(std::move(r));
    }
  }

  const ResourceType* lookup_type(const std::string& token, Span span) {
    if (const ResourceType* t = find_resource_type(token)) return t;
    // Pulumi's full form `aws:iam/role:Role` names the same type as `aws:iam:Role`.
    if (auto slash = token.find('/'); slash != std::string::npos) {
      auto colon = token.find(':', slash);
      if (colon != std::string::npos) {
        std::string short_form = token.substr(0, slash) + token.substr(colon);
        if (const ResourceType* t = find_resource_type(short_form)) return t;
      }
    }
    std::string help = suggest(token, type_tokens());
    if (help.empty()) {
      help = base::istarts_with(token, "aws:iam:")
                 ? "supported IAM types: " + expected_list(type_tokens())
                 : "iamforge manages IAM resources only; supported types: " + expected_list(type_tokens());
    }
    error(Code::UnknownType, span, "unknown resource type " + tick(token), help);
    return nullptr;
  }

  void parse_properties(ResourceDecl& r, const YNode& props) {
    if (props.kind == YNode::Kind::Null) return;
    if (!props.is_map()) {
      error(Code::TypeMismatch, props.span,
            "`properties` of " + tick(r.name) + " must be a mapping, not " + std::string(describe(props)));
      return;
    }
    for (std::size_t j = 0; j < props.map_size(); ++j) {
      const YNode& kk = props.key(j);
      Expr e = parse_expr(props.value(j));
      if (!r.type) {  // unknown type (reported): its properties cannot be checked, their references can
        r.untyped.push_back(std::move(e));
        continue;
      }
      const PropertySchema* ps = r.type->find_input(kk.text);
      if (!ps) {
        std::string match = base::did_you_mean(kk.text, r.type->input_names());
        if (const PropertySchema* m = match.empty() ? nullptr : r.type->find_input(match)) r.misspelled.push_back(m->name);
        std::string help = suggest(kk.text, r.type->input_names());
        error(Code::UnknownProperty, kk.span,
              "unknown property " + tick(kk.text) + " for " + std::string(r.type->token),
              help.empty() ? "properties of " + std::string(r.type->token) + ": " + expected_list(r.type->input_names())
                           : help);
        continue;
      }
      r.properties.push_back({ps, kk.span, std::move(e)});
    }
    // Schema order, so that every consumer sees properties in one stable order.
    if (r.type) {
      auto base = r.type->inputs.data();
      std::stable_sort(r.properties.begin(), r.properties.end(),
                       [&](const PropertyDecl& a, const PropertyDecl& b) { return a.schema - base < b.schema - base; });
    }
  }

  void parse_options(ResourceDecl& r, const YNode& opts) {
    if (!expect_map(opts, "options")) return;
    r.options.span = opts.span;
    static const std::vector<std::string_view> kOptions = {"dependsOn", "protect", "ignoreChanges", "import",
                                                           "deleteBeforeReplace", "retainOnDelete"};
    static const std::vector<std::string_view> kUnsupported = {
        "provider", "providers", "parent", "aliases", "customTimeouts", "additionalSecretOutputs",
        "replaceOnChanges", "version", "pluginDownloadURL", "deletedWith", "replaceWith", "hideDiffs",
        "replacementTrigger"};
    for (std::size_t j = 0; j < opts.map_size(); ++j) {
      const YNode& kk = opts.key(j);
      const YNode& v = opts.value(j);
      const std::string& key = kk.text;
      if (key == "dependsOn") {
        parse_depends_on(r, v);
      } else if (key == "protect" || key == "deleteBeforeReplace" || key == "retainOnDelete") {
        Value b = literal_value(v);
        if (b.kind != ValueKind::Bool) {
          error(Code::TypeMismatch, v.span, tick(key) + " must be true or false, not " + std::string(describe(v)));
          continue;
        }
        (key == "protect" ? r.options.protect
         : key == "deleteBeforeReplace" ? r.options.delete_before_replace
                                        : r.options.retain_on_delete) = b.boolean;
      } else if (key == "ignoreChanges") {
        if (!v.is_sequence()) {
          error(Code::TypeMismatch, v.span, "`ignoreChanges` must be a list of property names");
          continue;
        }
        for (const auto& item : v.items) {
          if (!item.is_scalar()) {
            error(Code::TypeMismatch, item.span, "`ignoreChanges` entries must be property names");
            continue;
          }
          // Pulumi accepts property paths (`tags.team`); the top-level name must exist.
          std::string top = item.text.substr(0, item.text.find_first_of(".["));
          if (r.type && !r.type->find_input(top)) {
            std::string help = suggest(top, r.type->input_names());
            error(Code::UnknownProperty, item.span,
                  "`ignoreChanges` names " + tick(top) + ", which " + std::string(r.type->token) + " does not have",
                  help);
            continue;
          }
          r.ignore_changes.emplace_back(item.text, item.span);
          r.options.ignore_changes.push_back(item.text);
        }
      } else if (key == "import") {
        if (!v.is_scalar() || v.text.empty()) {
          error(Code::TypeMismatch, v.span, "`import` must be the ID of the existing resource");
          continue;
        }
        r.options.import_id = v.text;
      } else if (std::find(kUnsupported.begin(), kUnsupported.end(), key) != kUnsupported.end()) {
        error(Code::Unsupported, kk.span, "resource option " + tick(key) + " is not supported",
              "supported options: " + expected_list(kOptions));
      } else {
        std::string help = suggest(key, kOptions);
        error(Code::UnknownKey, kk.span, "unknown resource option " + tick(key),
              help.empty() ? "supported options: " + expected_list(kOptions) : help);
      }
    }
  }

  void parse_depends_on(ResourceDecl& r, const YNode& v) {
    std::vector<const YNode*> items;
    if (v.is_sequence()) {
      for (const auto& i : v.items) items.push_back(&i);
    } else {
      items.push_back(&v);
    }
    for (const YNode* item : items) {
      Expr e = item->is_scalar() ? parse_expr(*item) : Expr{};
      if (e.kind != ExprKind::Ref || !e.accesses[0].path.empty()) {
        error(Code::TypeMismatch, item->span, "`dependsOn` entries must be resource references like `${myRole}`");
        continue;
      }
      r.depends_on.push_back(e.accesses[0]);
    }
  }

  // ---- expressions ------------------------------------------------------------------------------

 public:
  Expr parse_expr(const YNode& n) {
    Expr e;
    e.span = n.span;
    switch (n.kind) {
      case YNode::Kind::Null: e.kind = ExprKind::Null; return e;
      case YNode::Kind::Scalar: {
        if (!n.quoted) {
          bool b = false;
          double d = 0;
          switch (classify_plain(n.text, &b, &d)) {
            case PlainKind::Null: e.kind = ExprKind::Null; return e;
            case PlainKind::Bool: e.kind = ExprKind::Bool; e.boolean = b; return e;
            case PlainKind::Int:
            case PlainKind::Float: e.kind = ExprKind::Number; e.number = d; return e;
            case PlainKind::String: break;
          }
        }
        // Decoded offsets map onto the source only when the scalar is written as-is (plain, or
        // quoted without escapes); otherwise references point at the whole string.
        std::uint32_t content = n.span.begin;
        bool exact = false;
        if (n.span.end >= n.span.begin) {
          std::string_view src = text_.substr(n.span.begin, n.span.end - n.span.begin);
          if (!n.quoted && src == n.text) {
            exact = true;
          } else if (src.size() >= 2 && (src[0] == '"' || src[0] == '\'') && src.substr(1, src.size() - 2) == n.text) {
            exact = true;
            content = n.span.begin + 1;
          }
        }
        return parse_string_expr(n.text, n.span, exact, content, diags_);
      }
      case YNode::Kind::Sequence:
        e.kind = ExprKind::List;
        for (const auto& i : n.items) e.items.push_back(parse_expr(i));
        return e;
      case YNode::Kind::Map: break;
    }
    if (n.map_size() == 1 && base::istarts_with(n.key(0).text, "fn::")) return parse_function(n);
    e.kind = ExprKind::Object;
    for (std::size_t i = 0; i < n.map_size(); ++i) {
      const YNode& k = n.key(i);
      if (base::istarts_with(k.text, "fn::")) {
        error(Code::BadExpression, k.span, tick(k.text) + " must be the only key of its mapping",
              "move the other keys out, or wrap the function call in its own mapping");
      }
      e.keys.push_back(k.text);
      e.key_spans.push_back(k.span);
      e.items.push_back(parse_expr(n.value(i)));
    }
    return e;
  }

 private:
  Expr parse_function(const YNode& n) {
    const YNode& k = n.key(0);
    const YNode& arg = n.value(0);
    std::string fn = base::to_lower(std::string_view(k.text).substr(4));
    Expr e;
    e.span = n.span;
    auto two = [&](ExprKind kind, std::string_view name) {
      e.kind = kind;
      if (!arg.is_sequence() || arg.items.size() != 2) {
        error(Code::BadArgument, arg.kind == YNode::Kind::Null ? k.span : arg.span,
              "the argument to `fn::" + std::string(name) + "` must be a two-element list");
        e.kind = ExprKind::Null;
        return;
      }
      e.items.push_back(parse_expr(arg.items[0]));
      e.items.push_back(parse_expr(arg.items[1]));
    };
    auto one = [&](ExprKind kind) {
      e.kind = kind;
      e.items.push_back(parse_expr(arg));
    };
    if (fn == "invoke") {
      parse_invoke(n, arg, e);
    } else if (fn == "join") {
      two(ExprKind::Join, "join");
    } else if (fn == "select") {
      two(ExprKind::Select, "select");
    } else if (fn == "split") {
      two(ExprKind::Split, "split");
    } else if (fn == "tojson") {
      one(ExprKind::ToJson);
    } else if (fn == "readfile") {
      one(ExprKind::ReadFile);
    } else if (fn == "secret") {
      one(ExprKind::Secret);
    } else if (fn == "tobase64") {
      one(ExprKind::ToBase64);
    } else if (fn == "frombase64") {
      one(ExprKind::FromBase64);
    } else if (fn == "stackreference" || fn == "assetarchive" || fn == "fileasset" || fn == "stringasset" ||
               fn == "remoteasset" || fn == "filearchive" || fn == "remotearchive" || fn == "rfc3339tounix" ||
               fn == "method") {
      error(Code::Unsupported, k.span, tick(k.text) + " is not supported");
    } else if (std::count(fn.begin(), fn.end(), ':') >= 1) {
      // Shorthand invoke: `fn::aws:iam:getPolicyDocument: {arguments}` (the whole result is returned).
      e.kind = ExprKind::Invoke;
      e.text = k.text.substr(4);
      e.text_span = {k.span.begin + 4, k.span.end};
      e.items.push_back(arg.kind == YNode::Kind::Null ? Expr{} : parse_expr(arg));
      if (arg.kind != YNode::Kind::Null && !arg.is_map())
        error(Code::TypeMismatch, arg.span, "function arguments must be a mapping");
    } else {
      static const std::vector<std::string_view> kFns = {"fn::invoke", "fn::join", "fn::select", "fn::split",
                                                         "fn::toJSON", "fn::readFile", "fn::secret",
                                                         "fn::toBase64", "fn::fromBase64"};
      std::string help = suggest(k.text, kFns);
      error(Code::UnknownFunction, k.span, "unknown function " + tick(k.text),
            help.empty() ? "built-in functions: " + expected_list(kFns) : help);
    }
    return e;
  }

  void parse_invoke(const YNode& n, const YNode& arg, Expr& e) {
    e.kind = ExprKind::Invoke;
    e.items.push_back(Expr{});
    if (!arg.is_map()) {
      error(Code::TypeMismatch, arg.kind == YNode::Kind::Null ? n.key(0).span : arg.span,
            "the argument to `fn::invoke` must be a mapping with `function`, `arguments` and `return`");
      e.kind = ExprKind::Null;
      return;
    }
    bool has_function = false;
    static const std::vector<std::string_view> kKeys = {"function", "arguments", "options", "return"};
    for (std::size_t i = 0; i < arg.map_size(); ++i) {
      const YNode& k = arg.key(i);
      const YNode& v = arg.value(i);
      std::string key = base::to_lower(k.text);
      if (key == "function") {
        if (!v.is_scalar()) {
          error(Code::TypeMismatch, v.span, "`function` must be a function token like `aws:iam:getPolicyDocument`");
        } else {
          has_function = true;
          e.text = v.text;
          e.text_span = v.span;
        }
      } else if (key == "arguments") {
        if (!v.is_map() && v.kind != YNode::Kind::Null) {
          error(Code::TypeMismatch, v.span, "`arguments` must be a mapping, not " + std::string(describe(v)));
        } else {
          e.items[0] = parse_expr(v);
        }
      } else if (key == "return") {
        if (!v.is_scalar()) {
          error(Code::TypeMismatch, v.span, "`return` must name one field of the result, e.g. `json`");
        } else {
          e.ret = v.text;
          e.ret_span = v.span;
        }
      } else if (key == "options") {
        if (v.is_map() && v.map_size() > 0)
          error(Code::Unsupported, k.span, "invoke options are not supported",
                "getPolicyDocument is computed locally and needs no provider");
      } else {
        std::string help = suggest(k.text, kKeys);
        error(Code::UnknownKey, k.span, "unknown key " + tick(k.text) + " in `fn::invoke`",
              help.empty() ? "`fn::invoke` has " + expected_list(kKeys) : help);
      }
    }
    if (!has_function) {
      error(Code::MissingKey, n.span, "`fn::invoke` has no `function`", "add `function: aws:iam:getPolicyDocument`");
      e.kind = ExprKind::Null;
    }
  }

  std::string_view text_;
  Program& p_;
  std::vector<Diagnostic>& diags_;
};

}  // namespace

Expr parse_string_expr(const std::string& s, Span span, bool exact, std::uint32_t content_begin,
                       std::vector<Diagnostic>& diags) {
  Expr e;
  e.span = span;
  if (s.find('$') == std::string::npos) {
    e.kind = ExprKind::String;
    e.text = s;
    return e;
  }
  std::string piece;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s.compare(i, 2, "$$") == 0) {
      piece += '$';
      i += 2;
    } else if (s.compare(i, 2, "${") == 0) {
      Access a;
      Span at = exact ? Span{content_begin + static_cast<std::uint32_t>(i), content_begin + static_cast<std::uint32_t>(i)} : span;
      std::size_t next = parse_access(s, i + 2, a, at, diags);
      if (next == std::string::npos) {
        e.kind = ExprKind::Null;
        return e;
      }
      a.span = exact ? Span{content_begin + static_cast<std::uint32_t>(i), content_begin + static_cast<std::uint32_t>(next)} : span;
      e.pieces.push_back(std::move(piece));
      piece.clear();
      e.accesses.push_back(std::move(a));
      i = next;
    } else {
      piece += s[i++];
    }
  }
  e.pieces.push_back(std::move(piece));
  if (e.accesses.empty()) {
    e.kind = ExprKind::String;
    e.text = std::move(e.pieces[0]);
    e.pieces.clear();
  } else if (e.accesses.size() == 1 && e.pieces[0].empty() && e.pieces[1].empty()) {
    e.kind = ExprKind::Ref;
    e.pieces.clear();
  } else {
    e.kind = ExprKind::Interpolate;
  }
  return e;
}

void parse_program(const YNode& root, std::string_view text, Program& program, std::vector<Diagnostic>& diags) {
  Parser p(text, program, diags);
  p.run(root);
}

}  // namespace iamforge::spec::detail
