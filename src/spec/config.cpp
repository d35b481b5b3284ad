// Config: Pulumi.<stack>.yaml, `--config key=value`, and the typed declarations of the stack file.
#include <cmath>
#include <filesystem>

#include "iamforge/base/strings.hpp"
#include "iamforge/json/json.hpp"
#include "program.hpp"

namespace iamforge::spec {

using base::Diagnostic;
using detail::make_diag;

std::string_view to_string(Code c) {
  switch (c) {
#define IAMFORGE_SPEC_CODE(name, code, meaning) \
  case Code::name: return code;
#include "iamforge/spec/diagnostic_codes.def"
#undef IAMFORGE_SPEC_CODE
  }
  return "spec.unknown";
}

std::span<const CodeInfo> diagnostic_codes() {
  static const CodeInfo k[] = {
#define IAMFORGE_SPEC_CODE(name, code, meaning) {Code::name, code, meaning},
#include "iamforge/spec/diagnostic_codes.def"
#undef IAMFORGE_SPEC_CODE
  };
  return k;
}

ConfigReadResult read_stack_config(const base::SourceFile& file) {
  ConfigReadResult r;
  detail::YamlResult y = detail::parse_yaml(file.text());
  r.diagnostics = std::move(y.diagnostics);
  if (y.empty || y.root.kind == detail::YNode::Kind::Null) return r;
  if (!y.root.is_map()) {
    r.diagnostics.push_back(make_diag(Code::TypeMismatch, y.root.span, "a stack config file must be a mapping"));
    return r;
  }
  for (std::size_t i = 0; i < y.root.map_size(); ++i) {
    if (y.root.key(i).text != "config") continue;  // encryptionsalt, secretsprovider, environment: not ours
    const detail::YNode& cfg = y.root.value(i);
    if (cfg.kind == detail::YNode::Kind::Null) continue;
    if (!cfg.is_map()) {
      r.diagnostics.push_back(make_diag(Code::TypeMismatch, cfg.span, "`config` must be a mapping of keys to values"));
      continue;
    }
    for (std::size_t j = 0; j < cfg.map_size(); ++j) {
      const detail::YNode& k = cfg.key(j);
      const detail::YNode& v = cfg.value(j);
      if (r.values.count(k.text)) {
        r.diagnostics.push_back(make_diag(Code::DuplicateKey, k.span, "duplicate config key `" + k.text + "`"));
        continue;
      }
      if (v.is_map() && v.map_size() == 1 && v.key(0).text == "secure") {
        r.diagnostics.push_back(make_diag(Code::Unsupported, v.span,
                                          "encrypted config value `" + k.text + "` is not supported",
                                          "store it unencrypted, or pass it with `--config " + k.text + "=...`"));
        continue;
      }
      r.values[k.text] = detail::literal_value(v);
    }
  }
  return r;
}

std::string stack_config_path(std::string_view stack_file, std::string_view stack) {
  std::filesystem::path dir = std::filesystem::path(std::string(stack_file)).parent_path();
  return (dir / ("Pulumi." + std::string(stack) + ".yaml")).string();
}

bool apply_config_assignment(std::string_view assignment, ConfigValues& values, std::string& error) {
  auto eq = assignment.find('=');
  if (eq == std::string_view::npos) {
    error = "expected `key=value`, got `" + std::string(assignment) + "`";
    return false;
  }
  std::string key(assignment.substr(0, eq));
  if (key.empty()) {
    error = "the config key before `=` is empty";
    return false;
  }
  values[key] = Value::of_string(std::string(assignment.substr(eq + 1)));
  return true;
}

namespace detail {

void respan(Value& v, base::Span span) {
  v.span = span;
  for (auto& i : v.list) respan(i, span);
  for (auto& e : v.map) {
    e.key_span = span;
    respan(e.value, span);
  }
}

namespace {

std::string_view type_name(ConfigType t) {
  switch (t) {
    case ConfigType::Any: return "any";
    case ConfigType::String: return "a string";
    case ConfigType::Number: return "a number";
    case ConfigType::Integer: return "an integer";
    case ConfigType::Boolean: return "a boolean";
    case ConfigType::StringList: return "a list of strings";
    case ConfigType::NumberList: return "a list of numbers";
    case ConfigType::BooleanList: return "a list of booleans";
    case ConfigType::List: return "a list";
    case ConfigType::Object: return "an object";
  }
  return "a value";
}

Value from_json(const json::Value& j) {
  switch (j.kind) {
    case json::Kind::Null: return Value::null();
    case json::Kind::Bool: return Value::of_bool(j.boolean);
    case json::Kind::Number: return Value::of_number(std::strtod(j.text.c_str(), nullptr));
    case json::Kind::String: return Value::of_string(j.text);
    case json::Kind::Array: {
      std::vector<Value> items;
      for (const auto& i : j.items) items.push_back(from_json(i));
      return Value::of_list(std::move(items));
    }
    case json::Kind::Object: {
      std::vector<Entry> entries;
      for (const auto& m : j.members) entries.push_back({m.key, {}, from_json(m.value)});
      return Value::of_map(std::move(entries));
    }
  }
  return Value::null();
}

// Converts a value to a declared type; config values usually arrive as strings (`--config n=3`).
std::optional<Value> convert(ConfigType t, const Value& in) {
  auto number = [](const Value& v) -> std::optional<double> {
    if (v.kind == ValueKind::Number) return v.number;
    if (v.kind != ValueKind::String || v.string.empty()) return std::nullopt;
    char* end = nullptr;
    double d = std::strtod(v.string.c_str(), &end);
    if (end != v.string.c_str() + v.string.size()) return std::nullopt;
    return d;
  };
  auto boolean = [](const Value& v) -> std::optional<bool> {
    if (v.kind == ValueKind::Bool) return v.boolean;
    if (v.kind == ValueKind::String && (v.string == "true" || v.string == "false")) return v.string == "true";
    return std::nullopt;
  };
  switch (t) {
    case ConfigType::Any: return in;
    case ConfigType::String:
      if (in.kind == ValueKind::String) return in;
      if (in.kind == ValueKind::Number) return Value::of_string(format_number(in.number));
      if (in.kind == ValueKind::Bool) return Value::of_string(in.boolean ? "true" : "false");
      return std::nullopt;
    case ConfigType::Number:
    case ConfigType::Integer: {
      auto d = number(in);
      if (!d || (t == ConfigType::Integer && *d != std::trunc(*d))) return std::nullopt;
      return Value::of_number(*d);
    }
    case ConfigType::Boolean: {
      auto b = boolean(in);
      if (!b) return std::nullopt;
      return Value::of_bool(*b);
    }
    case ConfigType::StringList:
    case ConfigType::NumberList:
    case ConfigType::BooleanList:
    case ConfigType::List:
    case ConfigType::Object: {
      Value v = in;
      if (v.kind == ValueKind::String) {
        json::ParseResult pr = json::parse(v.string);
        if (!pr.ok()) return std::nullopt;
        v = from_json(pr.value);
      }
      if (t == ConfigType::Object) return v.kind == ValueKind::Map ? std::optional<Value>(v) : std::nullopt;
      if (v.kind != ValueKind::List) return std::nullopt;
      if (t == ConfigType::List) return v;
      ConfigType elem = t == ConfigType::StringList   ? ConfigType::String
                        : t == ConfigType::NumberList ? ConfigType::Number
                                                      : ConfigType::Boolean;
      for (auto& i : v.list) {
        auto c = convert(elem, i);
        if (!c) return std::nullopt;
        i = *c;
      }
      return v;
    }
  }
  return std::nullopt;
}

}  // namespace

void resolve_config(Program& p, std::vector<Diagnostic>& diags) {
  // Supplied keys, normalized: `project:key` and `key` are the same entry; later spellings win.
  std::unordered_map<std::string, const Value*> supplied;
  std::string prefix = p.project + ":";
  for (const auto& [key, value] : p.options.config) {
    std::string k = key.rfind(prefix, 0) == 0 ? key.substr(prefix.size()) : key;
    supplied[k] = &value;
  }
  for (const auto& d : p.configs) {
    const Value* src = nullptr;
    std::string origin;
    if (auto it = supplied.find(d.name); it != supplied.end()) {
      src = it->second;
      origin = "the value given for";
    } else if (d.default_value) {
      src = &*d.default_value;
      origin = "the default of";
    }
    if (!src) {
      diags.push_back(make_diag(Code::MissingConfig, d.span, "config `" + d.name + "` has no value and no default",
                                "set it with `--config " + d.name + "=<value>` or in Pulumi.<stack>.yaml"));
      continue;
    }
    std::optional<Value> v = convert(d.type, *src);
    if (!v) {
      diags.push_back(make_diag(Code::TypeMismatch, d.default_value && src == &*d.default_value ? src->span : d.span,
                                origin + " config `" + d.name + "` is " + std::string(describe(src->kind)) +
                                    (src->kind == ValueKind::String ? " `" + src->string + "`" : "") + ", not " +
                                    std::string(type_name(d.type)),
                                "declared `type: " + d.type_text + "`"));
      continue;
    }
    respan(*v, d.span);
    if (d.secret) v->secret = true;
    p.config_values[d.name] = std::move(*v);
  }
  for (const auto& [key, value] : supplied) {
    if (p.config_values.count(key)) continue;
    bool declared = false;
    for (const auto& d : p.configs) declared = declared || d.name == key;
    if (!declared) p.config_values[key] = *value;
  }
}

}  // namespace detail

}  // namespace iamforge::spec
