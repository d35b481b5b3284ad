// AWS: terraform-provider-aws internal/service/iam/policy_document_data_source.go and policy_model.go
// are the reference for every rule here (pulumi-aws bridges that data source unchanged):
// - sourcePolicyDocuments are merged in order; their non-empty Sids must be unique across all of them;
// - then the document built from `statements` is merged: a statement whose Sid matches an existing
//   one replaces it in place, others (and all Sid-less ones) are appended;
// - then overridePolicyDocuments are merged in order with the same rule;
// - Id: the last non-empty one wins; Version: the greatest one wins.
// Rendering: set-valued fields (actions, resources, principal identifiers) are de-duplicated, a single
// element is written as a string, several are sorted in reverse order; condition values keep their
// order; `&{` becomes `${` (policy variables) in resources, principals and condition values.
#include "policy_document.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <set>

#include "gojson.hpp"
#include "iamforge/base/strings.hpp"
#include "iamforge/json/json.hpp"
#include "program.hpp"

namespace iamforge::spec::detail {

using base::Diagnostic;
using base::Span;

namespace {

// ---- a tiny JSON tree written as Go writes it ----------------------------------------------------

struct GMember;

struct GNode {
  enum class K : std::uint8_t { Str, Num, Bool, Null, Arr, Obj } k = K::Null;
  std::string s;   // Str: value; Num: Go-formatted text; Bool: "true"/"false"
  std::vector<GNode> items;
  std::vector<GMember> members;
};

struct GMember {
  std::string first;
  GNode second;
};

GNode gstr(std::string v) {
  GNode n;
  n.k = GNode::K::Str;
  n.s = std::move(v);
  return n;
}

GNode garr(const std::vector<std::string>& v) {
  GNode n;
  n.k = GNode::K::Arr;
  for (const auto& x : v) n.items.push_back(gstr(x));
  return n;
}

void add_member(GNode& obj, std::string key, GNode value) { obj.members.push_back({std::move(key), std::move(value)}); }

void write(std::string& out, const GNode& n, int indent, bool pretty) {
  auto newline = [&](int level) {
    if (!pretty) return;
    out.push_back('\n');
    out.append(static_cast<std::size_t>(level) * 2, ' ');
  };
  switch (n.k) {
    case GNode::K::Str: append_go_string(out, n.s); return;
    case GNode::K::Num:
    case GNode::K::Bool: out += n.s; return;
    case GNode::K::Null: out += "null"; return;
    case GNode::K::Arr:
      out.push_back('[');
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        if (i) out.push_back(',');
        newline(indent + 1);
        write(out, n.items[i], indent + 1, pretty);
      }
      if (!n.items.empty()) newline(indent);
      out.push_back(']');
      return;
    case GNode::K::Obj:
      out.push_back('{');
      for (std::size_t i = 0; i < n.members.size(); ++i) {
        if (i) out.push_back(',');
        newline(indent + 1);
        append_go_string(out, n.members[i].first);
        out += pretty ? ": " : ":";
        write(out, n.members[i].second, indent + 1, pretty);
      }
      if (!n.members.empty()) newline(indent);
      out.push_back('}');
      return;
  }
}

// A decoded JSON value re-encoded as Go re-encodes interface{}: objects with sorted keys, numbers
// through float64.
GNode from_json(const json::Value& v) {
  GNode n;
  switch (v.kind) {
    case json::Kind::Null: n.k = GNode::K::Null; break;
    case json::Kind::Bool: n.k = GNode::K::Bool; n.s = v.boolean ? "true" : "false"; break;
    case json::Kind::Number:
      n.k = GNode::K::Num;
      append_go_number(n.s, std::strtod(v.text.c_str(), nullptr));
      break;
    case json::Kind::String: n.k = GNode::K::Str; n.s = v.text; break;
    case json::Kind::Array:
      n.k = GNode::K::Arr;
      for (const auto& i : v.items) n.items.push_back(from_json(i));
      break;
    case json::Kind::Object: {
      n.k = GNode::K::Obj;
      std::map<std::string, const json::Value*> sorted;  // Go maps keep the last duplicate
      for (const auto& m : v.members) sorted[m.key] = &m.value;
      for (const auto& [k, val] : sorted) add_member(n, k, from_json(*val));
      break;
    }
  }
  return n;
}

// ---- the provider's model ----------------------------------------------------------------------

// A Go `interface{}` field: absent, a string, a []string, or raw decoded JSON (source documents).
struct Field {
  enum class K : std::uint8_t { Absent, Str, List, Raw } k = K::Absent;
  std::string s;
  std::vector<std::string> list;
  GNode raw;
  bool present() const { return k != K::Absent; }
  GNode node() const {
    switch (k) {
      case K::Str: return gstr(s);
      case K::List: return garr(list);
      case K::Raw: return raw;
      case K::Absent: break;
    }
    return GNode{};
  }
};

struct Principal {
  std::string type;
  Field ids;   // Str or List
};

struct Cond {
  std::string test;
  std::string variable;
  Field values;   // Str or List
};

struct Stmt {
  std::string sid;
  std::string effect;
  Field actions, not_actions, resources, not_resources;
  std::vector<Principal> principals, not_principals;
  std::vector<Cond> conditions;
};

struct Doc {
  std::string version;
  std::string id;
  std::vector<Stmt> statements;

  // iamPolicyDoc.Merge
  void merge(const Doc& other) {
    if (!other.id.empty()) id = other.id;
    if (other.version > version) version = other.version;
    for (const auto& st : other.statements) {
      if (st.sid.empty()) {
        statements.push_back(st);
        continue;
      }
      auto it = std::find_if(statements.begin(), statements.end(), [&](const Stmt& e) { return e.sid == st.sid; });
      if (it != statements.end()) {
        *it = st;
      } else {
        statements.push_back(st);
      }
    }
  }
};

// iamPolicyStatementPrincipalSet.MarshalJSON
GNode principals_node(const std::vector<Principal>& ps) {
  if (ps.size() == 1 && ps[0].type == "*") {
    const Field& f = ps[0].ids;
    if ((f.k == Field::K::Str && f.s == "*") || (f.k == Field::K::List && f.list.size() == 1 && f.list[0] == "*"))
      return gstr("*");
  }
  std::map<std::string, Field> raw;
  for (const auto& p : ps) {
    auto it = raw.find(p.type);
    if (p.ids.k == Field::K::List) {
      Field& dst = raw[p.type];
      if (it == raw.end()) {
        dst.k = Field::K::List;
      } else if (dst.k == Field::K::Str) {
        dst.k = Field::K::List;
        dst.list = {dst.s};
      }
      std::vector<std::string> ids = p.ids.list;
      std::sort(ids.begin(), ids.end(), std::greater<>());
      dst.list.insert(dst.list.end(), ids.begin(), ids.end());
    } else {
      if (it == raw.end()) {
        raw[p.type] = p.ids;
      } else if (it->second.k == Field::K::Str) {
        it->second.list = {it->second.s, p.ids.s};
        it->second.k = Field::K::List;
      } else {
        it->second.list.push_back(p.ids.s);
      }
    }
  }
  GNode n;
  n.k = GNode::K::Obj;
  for (const auto& [type, f] : raw) add_member(n, type, f.node());
  return n;
}

// iamPolicyStatementConditionSet.MarshalJSON
GNode conditions_node(const std::vector<Cond>& cs) {
  std::map<std::string, std::map<std::string, std::vector<std::string>>> raw;
  for (const auto& c : cs) {
    auto& values = raw[c.test][c.variable];
    if (c.values.k == Field::K::List) {
      values.insert(values.end(), c.values.list.begin(), c.values.list.end());
    } else {
      values.push_back(c.values.s);
    }
  }
  GNode n;
  n.k = GNode::K::Obj;
  for (const auto& [test, vars] : raw) {
    GNode inner;
    inner.k = GNode::K::Obj;
    for (const auto& [var, values] : vars)
      add_member(inner, var, values.size() == 1 ? gstr(values[0]) : garr(values));
    add_member(n, test, std::move(inner));
  }
  return n;
}

GNode doc_node(const Doc& d) {
  GNode n;
  n.k = GNode::K::Obj;
  if (!d.version.empty()) add_member(n, "Version", gstr(d.version));
  if (!d.id.empty()) add_member(n, "Id", gstr(d.id));
  if (!d.statements.empty()) {
    GNode list;
    list.k = GNode::K::Arr;
    for (const auto& s : d.statements) {
      GNode st;
      st.k = GNode::K::Obj;
      if (!s.sid.empty()) add_member(st, "Sid", gstr(s.sid));
      if (!s.effect.empty()) add_member(st, "Effect", gstr(s.effect));
      if (s.actions.present()) add_member(st, "Action", s.actions.node());
      if (s.not_actions.present()) add_member(st, "NotAction", s.not_actions.node());
      if (s.resources.present()) add_member(st, "Resource", s.resources.node());
      if (s.not_resources.present()) add_member(st, "NotResource", s.not_resources.node());
      if (!s.principals.empty()) add_member(st, "Principal", principals_node(s.principals));
      if (!s.not_principals.empty()) add_member(st, "NotPrincipal", principals_node(s.not_principals));
      if (!s.conditions.empty()) add_member(st, "Condition", conditions_node(s.conditions));
      list.items.push_back(std::move(st));
    }
    add_member(n, "Statement", std::move(list));
  }
  return n;
}

// hash/crc32 IEEE, as the provider's create.StringHashcode (the data source's id).
std::uint32_t crc32(std::string_view s) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char ch : s) c = table[(c ^ ch) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// ---- reading the arguments ----------------------------------------------------------------------

class Builder {
 public:
  Builder(std::vector<Diagnostic>& diags) : diags_(diags) {}

  bool unknown = false;
  bool failed = false;

  void error(Code c, Span s, std::string msg, std::string help = {}) {
    failed = true;
    diags_.push_back(make_diag(c, s, std::move(msg), std::move(help)));
  }

  // Checks the keys of a mapping argument against `allowed`.
  bool check_keys(const Value& v, const std::vector<std::string_view>& allowed, std::string_view where) {
    if (v.kind == ValueKind::Unknown) {
      unknown = true;
      return false;
    }
    if (v.kind != ValueKind::Map) {
      error(Code::TypeMismatch, v.span, std::string(where) + " must be an object, not " + std::string(describe(v.kind)));
      return false;
    }
    for (const auto& e : v.map) {
      if (std::find(allowed.begin(), allowed.end(), e.key) != allowed.end()) continue;
      std::string m = base::did_you_mean(e.key, allowed);
      std::string all;
      for (auto a : allowed) all += (all.empty() ? "`" : ", `") + std::string(a) + "`";
      error(Code::UnknownProperty, e.key_span, "unknown argument `" + e.key + "` in " + std::string(where),
            m.empty() ? "expected one of " + all : "did you mean `" + m + "`?");
    }
    return true;
  }

  std::optional<std::string> string_of(const Value* v, std::string_view what) {
    if (!v || v->is_null()) return std::nullopt;
    if (v->kind == ValueKind::Unknown) {
      unknown = true;
      return std::nullopt;
    }
    if (v->kind != ValueKind::String) {
      error(Code::TypeMismatch, v->span, "`" + std::string(what) + "` must be a string, not " + std::string(describe(v->kind)));
      return std::nullopt;
    }
    return v->string;
  }

  // A list of strings; `keep_duplicates` for Terraform lists (condition values), otherwise a set.
  std::optional<std::vector<std::string>> strings_of(const Value* v, std::string_view what, bool keep_duplicates = false) {
    if (!v || v->is_null()) return std::nullopt;
    if (v->kind == ValueKind::Unknown) {
      unknown = true;
      return std::nullopt;
    }
    if (v->kind != ValueKind::List) {
      error(Code::TypeMismatch, v->span, "`" + std::string(what) + "` must be a list of strings, not " +
                                             std::string(describe(v->kind)),
            v->kind == ValueKind::String ? "write `[" + v->string + "]`" : "");
      return std::nullopt;
    }
    std::vector<std::string> out;
    bool ok = true;
    for (const auto& i : v->list) {
      if (i.kind == ValueKind::Unknown) {
        unknown = true;
        ok = false;
        continue;
      }
      if (i.kind != ValueKind::String) {
        error(Code::TypeMismatch, i.span, "`" + std::string(what) + "` entries must be strings, not " + std::string(describe(i.kind)));
        ok = false;
        continue;
      }
      if (keep_duplicates || std::find(out.begin(), out.end(), i.string) == out.end()) out.push_back(i.string);
    }
    if (!ok) return std::nullopt;
    return out;
  }

  // policyDecodeConfigStrings: one element -> a string; several -> sorted in reverse.
  static Field decode_set(std::vector<std::string> l) {
    Field f;
    if (l.size() == 1) {
      f.k = Field::K::Str;
      f.s = std::move(l[0]);
      return f;
    }
    std::sort(l.begin(), l.end(), std::greater<>());
    f.k = Field::K::List;
    f.list = std::move(l);
    return f;
  }

  // `&{` -> `${`: the provider's escape for IAM policy variables (Terraform interpolates `${`).
  bool replace_vars(Field& f, const std::string& version, Span span) {
    auto fix = [&](std::string& s) {
      if (s.find("&{") == std::string::npos) return true;
      if (version == "2008-10-17") {
        error(Code::InvalidValue, span, "`&{` policy variables are not supported in document version 2008-10-17: `" + s + "`",
              "use version 2012-10-17");
        return false;
      }
      std::string r;
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (s.compare(i, 2, "&{") == 0) {
          r += "${";
          ++i;
        } else {
          r += s[i];
        }
      }
      s = std::move(r);
      return true;
    };
    if (f.k == Field::K::Str) return fix(f.s);
    bool ok = true;
    for (auto& s : f.list) ok = fix(s) && ok;
    return ok;
  }

  std::vector<Principal> principals(const Value* v, std::string_view what, const std::string& version) {
    std::vector<Principal> out;
    if (!v || v->is_null()) return out;
    if (v->kind == ValueKind::Unknown) {
      unknown = true;
      return out;
    }
    if (v->kind != ValueKind::List) {
      error(Code::TypeMismatch, v->span, "`" + std::string(what) + "` must be a list of {type, identifiers}");
      return out;
    }
    for (const auto& p : v->list) {
      if (!check_keys(p, {"type", "identifiers"}, "`" + std::string(what) + "`")) continue;
      auto type = string_of(p.find("type"), "type");
      auto ids = strings_of(p.find("identifiers"), "identifiers");
      if (!p.find("type")) error(Code::MissingProperty, p.span, "a principal needs `type` (AWS, Service, Federated or *)");
      if (!p.find("identifiers")) error(Code::MissingProperty, p.span, "a principal needs `identifiers`");
      if (!type || !ids) continue;
      if (ids->empty()) {
        error(Code::InvalidValue, p.find("identifiers")->span, "`identifiers` is empty");
        continue;
      }
      Principal pr{*type, decode_set(*ids)};
      replace_vars(pr.ids, version, p.span);
      out.push_back(std::move(pr));
    }
    return out;
  }

  std::vector<Cond> conditions(const Value* v, const std::string& version) {
    std::vector<Cond> out;
    if (!v || v->is_null()) return out;
    if (v->kind == ValueKind::Unknown) {
      unknown = true;
      return out;
    }
    if (v->kind != ValueKind::List) {
      error(Code::TypeMismatch, v->span, "`conditions` must be a list of {test, variable, values}");
      return out;
    }
    for (const auto& c : v->list) {
      if (!check_keys(c, {"test", "variable", "values"}, "`conditions`")) continue;
      for (std::string_view k : {"test", "variable", "values"})
        if (!c.find(k)) error(Code::MissingProperty, c.span, "a condition needs `" + std::string(k) + "`");
      auto test = string_of(c.find("test"), "test");
      auto var = string_of(c.find("variable"), "variable");
      auto values = strings_of(c.find("values"), "values", /*keep_duplicates=*/true);
      if (!test || !var || !values) continue;
      Cond cond{*test, *var, {}};
      if (values->size() == 1) {
        cond.values.k = Field::K::Str;
        cond.values.s = (*values)[0];
      } else {
        cond.values.k = Field::K::List;
        cond.values.list = *values;
      }
      replace_vars(cond.values, version, c.span);
      out.push_back(std::move(cond));
    }
    return out;
  }

  // A source or override document: JSON text decoded as the provider's iamPolicyDoc.
  std::optional<Doc> decode_document(const Value& v, std::string_view what, std::size_t index) {
    if (v.kind == ValueKind::Unknown) {
      unknown = true;
      return std::nullopt;
    }
    if (v.kind != ValueKind::String) {
      error(Code::TypeMismatch, v.span,
            "`" + std::string(what) + "` entries must be JSON strings, not " + std::string(describe(v.kind)),
            v.kind == ValueKind::Map ? "wrap the document in `fn::toJSON`" : "");
      return std::nullopt;
    }
    std::string where = std::string(what) + "[" + std::to_string(index) + "]";
    json::ParseResult pr = json::parse(v.string);
    if (!pr.ok()) {
      std::string msg;
      for (const auto& d : pr.diagnostics)
        if (d.severity == base::Severity::Error) {
          msg = d.message;
          break;
        }
      error(Code::BadArgument, v.span, "`" + where + "` is not valid JSON: " + msg);
      return std::nullopt;
    }
    const json::Value& root = pr.value;
    if (!root.is_object()) {
      error(Code::BadArgument, v.span, "`" + where + "` must be a JSON object");
      return std::nullopt;
    }
    Doc d;
    auto str_member = [&](const json::Value* m, std::string_view key, std::string& out) {
      if (!m || m->kind == json::Kind::Null) return true;
      if (!m->is_string()) {
        error(Code::BadArgument, v.span, "`" + where + "`: `" + std::string(key) + "` must be a string");
        return false;
      }
      out = m->text;
      return true;
    };
    if (!str_member(root.find("Version"), "Version", d.version)) return std::nullopt;
    if (!str_member(root.find("Id"), "Id", d.id)) return std::nullopt;
    const json::Value* st = root.find("Statement");
    if (st && st->kind != json::Kind::Null) {
      if (!st->is_array()) {
        // The provider decodes Statement into a slice: a single statement object is rejected.
        error(Code::BadArgument, v.span, "`" + where + "`: `Statement` must be a list",
              "put the statement in brackets: `\"Statement\": [{...}]`");
        return std::nullopt;
      }
      for (const auto& s : st->items) {
        if (!s.is_object()) {
          error(Code::BadArgument, v.span, "`" + where + "`: statements must be objects");
          return std::nullopt;
        }
        Stmt out;
        if (!str_member(s.find("Sid"), "Sid", out.sid) || !str_member(s.find("Effect"), "Effect", out.effect))
          return std::nullopt;
        auto raw = [&](std::string_view key, Field& f) {
          const json::Value* m = s.find(key);
          if (!m || m->kind == json::Kind::Null) return;
          f.k = Field::K::Raw;
          f.raw = from_json(*m);
        };
        raw("Action", out.actions);
        raw("NotAction", out.not_actions);
        raw("Resource", out.resources);
        raw("NotResource", out.not_resources);
        if (!decode_principals(s.find("Principal"), out.principals, v.span, where) ||
            !decode_principals(s.find("NotPrincipal"), out.not_principals, v.span, where) ||
            !decode_conditions(s.find("Condition"), out.conditions, v.span, where))
          return std::nullopt;
        d.statements.push_back(std::move(out));
      }
    }
    return d;
  }

 private:
  // iamPolicyStatementPrincipalSet.UnmarshalJSON
  bool decode_principals(const json::Value* m, std::vector<Principal>& out, Span span, const std::string& where) {
    if (!m || m->kind == json::Kind::Null) return true;
    if (m->is_string()) {
      out.push_back({"*", Field{Field::K::List, {}, {"*"}, {}}});
      return true;
    }
    if (!m->is_object()) {
      error(Code::BadArgument, span, "`" + where + "`: a principal must be `\"*\"` or an object");
      return false;
    }
    for (const auto& mem : m->members) {
      Principal p{mem.key, {}};
      if (mem.value.is_string()) {
        p.ids.k = Field::K::Str;
        p.ids.s = mem.value.text;
      } else if (mem.value.is_array()) {
        p.ids.k = Field::K::List;
        for (const auto& i : mem.value.items) {
          if (!i.is_string()) {
            error(Code::BadArgument, span, "`" + where + "`: principal identifiers must be strings");
            return false;
          }
          p.ids.list.push_back(i.text);
        }
        std::sort(p.ids.list.begin(), p.ids.list.end());
      } else {
        error(Code::BadArgument, span, "`" + where + "`: principal `" + mem.key + "` must be a string or a list");
        return false;
      }
      out.push_back(std::move(p));
    }
    return true;
  }

  // iamPolicyStatementConditionSet.UnmarshalJSON (numbers are kept as their text; the provider
  // drops them, which silently removes a condition: keeping them is the safe divergence).
  bool decode_conditions(const json::Value* m, std::vector<Cond>& out, Span span, const std::string& where) {
    if (!m || m->kind == json::Kind::Null) return true;
    if (!m->is_object()) {
      error(Code::BadArgument, span, "`" + where + "`: `Condition` must be an object");
      return false;
    }
    for (const auto& op : m->members) {
      if (!op.value.is_object()) {
        error(Code::BadArgument, span, "`" + where + "`: condition `" + op.key + "` must be an object");
        return false;
      }
      for (const auto& kv : op.value.members) {
        Cond c{op.key, kv.key, {}};
        const json::Value& val = kv.value;
        if (val.kind == json::Kind::String || val.kind == json::Kind::Number) {
          c.values.k = Field::K::List;
          c.values.list = {val.text};
        } else if (val.kind == json::Kind::Bool) {
          c.values.k = Field::K::Str;
          c.values.s = val.boolean ? "true" : "false";
        } else if (val.is_array()) {
          c.values.k = Field::K::List;
          for (const auto& i : val.items) {
            if (i.kind != json::Kind::String && i.kind != json::Kind::Number && i.kind != json::Kind::Bool) {
              error(Code::BadArgument, span, "`" + where + "`: condition values must be strings");
              return false;
            }
            c.values.list.push_back(i.text);
          }
        } else {
          error(Code::BadArgument, span, "`" + where + "`: condition values must be strings or lists");
          return false;
        }
        out.push_back(std::move(c));
      }
    }
    return true;
  }

  std::vector<Diagnostic>& diags_;
};

bool valid_sid(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

}  // namespace

const std::vector<std::string_view>& policy_document_result_fields() {
  static const std::vector<std::string_view> k = {"json", "minifiedJson", "id"};
  return k;
}

std::optional<Value> get_policy_document(const Value& args, Span invoke_span, std::vector<Diagnostic>& diags) {
  Builder b(diags);
  static const std::vector<std::string_view> kArgs = {"statements", "version", "policyId", "sourcePolicyDocuments",
                                                      "overridePolicyDocuments", "sourceJson", "overrideJson"};
  static const std::vector<std::string_view> kStatement = {"sid", "effect", "actions", "notActions", "resources",
                                                           "notResources", "principals", "notPrincipals", "conditions"};
  Value empty = Value::of_map({}, invoke_span);
  const Value& a = args.is_null() ? empty : args;
  if (!b.check_keys(a, kArgs, "getPolicyDocument arguments")) {
    if (b.unknown) return Value::unknown(args.pending_outputs(), invoke_span);
    return std::nullopt;
  }
  for (std::string_view deprecated : {"sourceJson", "overrideJson"}) {
    if (const Value* v = a.find(deprecated); v && !(v->is_string() && v->string.empty()) && !v->is_null())
      b.error(Code::Unsupported, v->span, "`" + std::string(deprecated) + "` is no longer supported by the provider",
              deprecated == "sourceJson" ? "use `sourcePolicyDocuments: [...]`" : "use `overridePolicyDocuments: [...]`");
  }

  std::string version = "2012-10-17";
  if (const Value* v = a.find("version")) {
    if (auto s = b.string_of(v, "version")) {
      if (*s != "2008-10-17" && *s != "2012-10-17") {
        b.error(Code::InvalidValue, v->span, "unknown policy version `" + *s + "`", "use `2012-10-17`");
      } else {
        version = *s;
      }
    }
  }

  // Source documents first, with Sids unique across all of them.
  Doc merged;
  std::set<std::string> source_sids;
  if (const Value* src = a.find("sourcePolicyDocuments"); src && !src->is_null()) {
    if (src->kind == ValueKind::Unknown) {
      b.unknown = true;
    } else if (src->kind != ValueKind::List) {
      b.error(Code::TypeMismatch, src->span, "`sourcePolicyDocuments` must be a list of JSON strings");
    } else {
      for (std::size_t i = 0; i < src->list.size(); ++i) {
        auto d = b.decode_document(src->list[i], "sourcePolicyDocuments", i);
        if (!d) continue;
        bool dup = false;
        for (std::size_t k = 0; k < d->statements.size(); ++k) {
          const std::string& sid = d->statements[k].sid;
          if (!sid.empty() && !source_sids.insert(sid).second) {
            b.error(Code::BadArgument, src->list[i].span,
                    "duplicate Sid `" + sid + "` in sourcePolicyDocuments (document " + std::to_string(i) +
                        ", statement " + std::to_string(k) + ")",
                    "Sids must be unique across source documents; remove or rename one");
            dup = true;
          }
        }
        if (!dup) merged.merge(*d);
      }
    }
  }

  Doc current;
  current.version = version;
  if (const Value* v = a.find("policyId"))
    if (auto s = b.string_of(v, "policyId")) current.id = *s;
  if (const Value* st = a.find("statements"); st && !st->is_null()) {
    if (st->kind == ValueKind::Unknown) {
      b.unknown = true;
    } else if (st->kind != ValueKind::List) {
      b.error(Code::TypeMismatch, st->span, "`statements` must be a list of statements");
    } else {
      std::set<std::string> sids;
      for (const auto& sv : st->list) {
        if (!b.check_keys(sv, kStatement, "a statement")) continue;
        Stmt s;
        s.effect = "Allow";
        if (const Value* v = sv.find("sid")) {
          if (auto sid = b.string_of(v, "sid")) {
            if (!valid_sid(*sid)) {
              b.error(Code::InvalidValue, v->span, "sid `" + *sid + "` must only include alphanumeric characters");
            } else if (!sid->empty() && !sids.insert(*sid).second) {
              b.error(Code::BadArgument, v->span, "duplicate sid `" + *sid + "`", "remove the sid or make it unique");
            }
            s.sid = *sid;
          }
        }
        if (const Value* v = sv.find("effect")) {
          if (auto e = b.string_of(v, "effect")) {
            if (*e != "Allow" && *e != "Deny") {
              std::string m = base::did_you_mean(*e, {"Allow", "Deny"});
              b.error(Code::InvalidValue, v->span, "effect `" + *e + "` must be `Allow` or `Deny`",
                      m.empty() ? "" : "did you mean `" + m + "`?");
            } else {
              s.effect = *e;
            }
          }
        }
        auto set_field = [&](const char* key, Field& f, bool vars) {
          auto l = b.strings_of(sv.find(key), key);
          if (!l || l->empty()) return;
          f = Builder::decode_set(std::move(*l));
          if (vars) b.replace_vars(f, version, sv.find(key)->span);
        };
        set_field("actions", s.actions, false);
        set_field("notActions", s.not_actions, false);
        set_field("resources", s.resources, true);
        set_field("notResources", s.not_resources, true);
        s.principals = b.principals(sv.find("principals"), "principals", version);
        s.not_principals = b.principals(sv.find("notPrincipals"), "notPrincipals", version);
        s.conditions = b.conditions(sv.find("conditions"), version);
        current.statements.push_back(std::move(s));
      }
    }
  }
  merged.merge(current);

  if (const Value* ov = a.find("overridePolicyDocuments"); ov && !ov->is_null()) {
    if (ov->kind == ValueKind::Unknown) {
      b.unknown = true;
    } else if (ov->kind != ValueKind::List) {
      b.error(Code::TypeMismatch, ov->span, "`overridePolicyDocuments` must be a list of JSON strings");
    } else {
      for (std::size_t i = 0; i < ov->list.size(); ++i)
        if (auto d = b.decode_document(ov->list[i], "overridePolicyDocuments", i)) merged.merge(*d);
    }
  }

  if (b.failed) return std::nullopt;
  if (b.unknown) return Value::unknown(args.pending_outputs(), invoke_span);
  GNode root = doc_node(merged);
  std::string pretty, compact;
  write(pretty, root, 0, true);
  write(compact, root, 0, false);
  std::vector<Entry> result;
  std::string id = std::to_string(crc32(pretty));
  result.push_back({"json", invoke_span, Value::of_string(std::move(pretty), invoke_span)});
  result.push_back({"minifiedJson", invoke_span, Value::of_string(std::move(compact), invoke_span)});
  result.push_back({"id", invoke_span, Value::of_string(std::move(id), invoke_span)});
  return Value::of_map(std::move(result), invoke_span);
}

}  // namespace iamforge::spec::detail
