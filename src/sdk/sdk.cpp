// The C++ SDK: programs rendered to Pulumi YAML. See include/iamforge/sdk/sdk.hpp.
#include "iamforge/sdk/sdk.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace iamforge::sdk {
namespace {

// A double-quoted YAML scalar (JSON escapes are valid YAML). `escape_interpolation`: a literal `${`
// is written `$${`, the stack language's escape, so strings from C++ are never interpolated.
void quoted(std::string& out, const std::string& s, bool escape_interpolation) {
  out += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (escape_interpolation && c == '$' && i + 1 < s.size() && s[i + 1] == '{') out += "$";
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

// A mapping key: plain when it is an identifier-like word YAML cannot read as anything else.
void key(std::string& out, const std::string& k) {
  static const char* const kReserved[] = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"};
  bool plain = !k.empty() && (std::isalpha(static_cast<unsigned char>(k[0])) || k[0] == '_');
  for (char c : k)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == ':');
  plain = plain && k.back() != ':';
  for (const char* r : kReserved) {
    std::string lower;
    for (char c : k) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    plain = plain && lower != r;
  }
  if (plain) out += k;
  else quoted(out, k, false);
}

}  // namespace

Value Value::list(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::List;
  v.items_ = std::move(items);
  return v;
}

Value Value::map(std::vector<std::pair<std::string, Value>> entries) {
  Value v;
  v.kind_ = Kind::Map;
  v.entries_ = std::move(entries);
  return v;
}

Value Value::expr(std::string text) {
  Value v;
  v.kind_ = Kind::Expr;
  v.text_ = std::move(text);
  return v;
}

void Value::to_yaml(std::string& out, int indent) const {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  switch (kind_) {
    case Kind::Null: out += " null\n"; return;
    case Kind::Number:
    case Kind::Bool: out += " " + text_ + "\n"; return;
    case Kind::String: out += ' '; quoted(out, text_, true); out += '\n'; return;
    case Kind::Expr: out += ' '; quoted(out, text_, false); out += '\n'; return;
    case Kind::List:
      if (items_.empty()) { out += " []\n"; return; }
      out += '\n';
      for (const auto& item : items_) {
        out += pad + "-";
        item.to_yaml(out, indent + 2);
      }
      return;
    case Kind::Map:
      if (entries_.empty()) { out += " {}\n"; return; }
      out += '\n';
      for (const auto& [k, v] : entries_) {
        out += pad;
        key(out, k);
        out += ':';
        v.to_yaml(out, indent + 2);
      }
      return;
  }
}

Value to_json(Value v) { return Value::map({{"fn::toJSON", std::move(v)}}); }

Value invoke(std::string function, Value arguments, std::string ret) {
  return Value::map({{"fn::invoke", Value::map({{"function", std::move(function)},
                                                 {"arguments", std::move(arguments)},
                                                 {"return", std::move(ret)}})}});
}

Value join(std::string separator, std::vector<Value> items) {
  return Value::map({{"fn::join", Value::list({std::move(separator), Value::list(std::move(items))})}});
}

Value read_file(std::string path) { return Value::map({{"fn::readFile", std::move(path)}}); }

Program::Program(std::string name, std::string description)
    : name_(std::move(name)), description_(std::move(description)) {}

void Program::add(Decl d) { decls_.push_back(std::move(d)); }

namespace {
Origin origin_at(const Where& where) {
  Origin o;
  o.file = where.file;
  o.line = where.line;
  return o;
}
}  // namespace

Value Program::variable(const std::string& name, Value value, Where where) {
  std::string body;
  value.to_yaml(body, 4);
  add({Decl::Section::Variable, name, std::move(body), origin_at(where)});
  return Value::expr("${" + name + "}");
}

Value Program::config(const std::string& key, std::string type, Value default_value, Where where) {
  std::string body;
  Value::map({{"type", std::move(type)}, {"default", std::move(default_value)}}).to_yaml(body, 4);
  add({Decl::Section::Config, key, std::move(body), origin_at(where)});
  return Value::expr("${" + key + "}");
}

ResourceRef Program::resource(const std::string& name, const std::string& type, Map properties, Options options,
                              Where where) {
  Map entries{{"type", type}};
  if (!properties.empty()) entries.emplace_back("properties", Value::map(std::move(properties)));
  Map opts;
  auto names = [](const std::vector<std::string>& v) {
    List l;
    for (const auto& s : v) l.emplace_back(s);
    return Value::list(std::move(l));
  };
  // Pulumi YAML's dependsOn takes resource references.
  if (!options.depends_on.empty()) {
    List l;
    for (const auto& s : options.depends_on) l.push_back(Value::expr("${" + s + "}"));
    opts.emplace_back("dependsOn", Value::list(std::move(l)));
  }
  if (options.protect) opts.emplace_back("protect", true);
  if (!options.ignore_changes.empty()) opts.emplace_back("ignoreChanges", names(options.ignore_changes));
  if (!options.import_id.empty()) opts.emplace_back("import", options.import_id);
  if (options.delete_before_replace) opts.emplace_back("deleteBeforeReplace", true);
  if (options.retain_on_delete) opts.emplace_back("retainOnDelete", true);
  if (!opts.empty()) entries.emplace_back("options", Value::map(std::move(opts)));
  std::string body;
  Value::map(std::move(entries)).to_yaml(body, 4);
  add({Decl::Section::Resource, name, std::move(body), origin_at(where)});
  return ResourceRef(name);
}

void Program::output(const std::string& name, Value value, Where where) {
  std::string body;
  value.to_yaml(body, 4);
  add({Decl::Section::Output, name, std::move(body), origin_at(where)});
}

std::string Program::to_yaml() const {
  std::string out;
  origins_.clear();
  std::uint32_t line = 1;
  auto emit = [&](const std::string& text) {
    out += text;
    line += static_cast<std::uint32_t>(std::count(text.begin(), text.end(), '\n'));
  };
  emit("# Rendered by the iamforge C++ SDK from " + (decls_.empty() ? std::string("a program") : decls_.front().origin.file) +
       "; edit the program, not this file.\n");
  {
    std::string s = "name:";
    Value(name_).to_yaml(s, 2);
    emit(s + "runtime: yaml\n");
  }
  if (!description_.empty()) {
    std::string s = "description:";
    Value(description_).to_yaml(s, 2);
    emit(s);
  }
  static const std::pair<Decl::Section, const char*> kSections[] = {{Decl::Section::Config, "config"},
                                                                     {Decl::Section::Variable, "variables"},
                                                                     {Decl::Section::Resource, "resources"},
                                                                     {Decl::Section::Output, "outputs"}};
  for (const auto& [section, title] : kSections) {
    bool any = false;
    for (const auto& d : decls_) {
      if (d.section != section) continue;
      if (!any) emit(std::string(title) + ":\n");
      any = true;
      Origin o = d.origin;
      o.yaml_first = line;
      std::string head = "  ";
      key(head, d.name);
      head += ':';
      emit(head + d.body);
      o.yaml_last = line - 1;
      origins_.push_back(std::move(o));
    }
  }
  return out;
}

const Origin* Program::origin_of(std::uint32_t yaml_line) const {
  if (origins_.empty()) (void)to_yaml();
  for (const auto& o : origins_)
    if (yaml_line >= o.yaml_first && yaml_line <= o.yaml_last) return &o;
  return nullptr;
}

}  // namespace iamforge::sdk
