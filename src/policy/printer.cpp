// Canonical printer: the parser's twin.
#include <algorithm>
#include <map>

#include "iamforge/base/strings.hpp"
#include "iamforge/policy/policy.hpp"

namespace iamforge::policy {

namespace {

struct Writer {
  bool pretty;
  std::string out;
  int depth = 0;

  void nl() {
    if (!pretty) return;
    out.push_back('\n');
    out.append(static_cast<size_t>(depth) * 2, ' ');
  }
  void key(std::string_view k, bool& first) {
    if (!first) out.push_back(',');
    first = false;
    nl();
    base::append_json_string(out, k);
    out += pretty ? ": " : ":";
  }
  // Single value as a scalar; several as an array (one per line when pretty).
  void list(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    if (v.size() == 1) {
      base::append_json_string(out, v[0]);
      return;
    }
    out.push_back('[');
    ++depth;
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out.push_back(',');
      nl();
      base::append_json_string(out, v[i]);
    }
    --depth;
    nl();
    out.push_back(']');
  }
};

std::vector<std::string> values(const std::vector<Str>& v) {
  std::vector<std::string> r;
  r.reserve(v.size());
  for (const auto& s : v) r.push_back(s.value);
  return r;
}

void print_statement(Writer& w, const Statement& s) {
  w.out.push_back('{');
  ++w.depth;
  bool first = true;
  if (s.sid) {
    w.key("Sid", first);
    base::append_json_string(w.out, s.sid->value);
  }
  w.key("Effect", first);
  w.out += s.effect == Effect::Allow ? "\"Allow\"" : "\"Deny\"";
  if (s.has_principal) {
    w.key(s.not_principal ? "NotPrincipal" : "Principal", first);
    bool wildcard = std::any_of(s.principals.begin(), s.principals.end(),
                                [](const PrincipalValue& p) { return p.kind == PrincipalKind::Wildcard; });
    if (wildcard) {
      w.out += "\"*\"";
    } else {
      std::map<std::string, std::vector<std::string>> by_kind;  // sorted: AWS, CanonicalUser, Federated, Service
      for (const auto& p : s.principals) by_kind[std::string(to_string(p.kind))].push_back(p.value);
      w.out.push_back('{');
      ++w.depth;
      bool f2 = true;
      for (auto& [k, v] : by_kind) {
        w.key(k, f2);
        w.list(v);
      }
      --w.depth;
      w.nl();
      w.out.push_back('}');
    }
  }
  w.key(s.not_action ? "NotAction" : "Action", first);
  w.list(values(s.actions));
  if (s.has_resource) {
    w.key(s.not_resource ? "NotResource" : "Resource", first);
    w.list(values(s.resources));
  }
  if (!s.conditions.empty()) {
    w.key("Condition", first);
    // operator text -> key -> values; sorted for a stable form.
    std::map<std::string, std::map<std::string, std::vector<std::string>>> block;
    for (const auto& c : s.conditions) {
      auto& vals = block[c.op_text][c.key];
      for (const auto& v : c.values) vals.push_back(v.value);
    }
    w.out.push_back('{');
    ++w.depth;
    bool f2 = true;
    for (auto& [op, keys] : block) {
      w.key(op, f2);
      w.out.push_back('{');
      ++w.depth;
      bool f3 = true;
      for (auto& [k, v] : keys) {
        w.key(k, f3);
        w.list(v);
      }
      --w.depth;
      w.nl();
      w.out.push_back('}');
    }
    --w.depth;
    w.nl();
    w.out.push_back('}');
  }
  --w.depth;
  w.nl();
  w.out.push_back('}');
}

std::string print_impl(const Policy& p, bool pretty) {
  Writer w{pretty, {}};
  w.out.push_back('{');
  ++w.depth;
  bool first = true;
  if (p.version != Version::Missing) {
    w.key("Version", first);
    w.out += p.version == Version::V2012_10_17 ? "\"2012-10-17\"" : "\"2008-10-17\"";
  }
  if (p.id) {
    w.key("Id", first);
    base::append_json_string(w.out, p.id->value);
  }
  w.key("Statement", first);
  w.out.push_back('[');
  ++w.depth;
  for (size_t i = 0; i < p.statements.size(); ++i) {
    if (i) w.out.push_back(',');
    w.nl();
    print_statement(w, p.statements[i]);
  }
  --w.depth;
  w.nl();
  w.out.push_back(']');
  --w.depth;
  w.nl();
  w.out.push_back('}');
  if (pretty) w.out.push_back('\n');
  return w.out;
}

}  // namespace

std::string print(const Policy& p) { return print_impl(p, true); }
std::string print_compact(const Policy& p) { return print_impl(p, false); }

namespace {
template <class T, class F>
bool same_sets(const std::vector<T>& a, const std::vector<T>& b, F key) {
  std::vector<std::string> ka, kb;
  for (const auto& x : a) ka.push_back(key(x));
  for (const auto& x : b) kb.push_back(key(x));
  std::sort(ka.begin(), ka.end());
  ka.erase(std::unique(ka.begin(), ka.end()), ka.end());
  std::sort(kb.begin(), kb.end());
  kb.erase(std::unique(kb.begin(), kb.end()), kb.end());
  return ka == kb;
}
}  // namespace

bool structurally_equal(const Policy& a, const Policy& b) {
  if (a.version != b.version || a.id.has_value() != b.id.has_value()) return false;
  if (a.id && a.id->value != b.id->value) return false;
  if (a.statements.size() != b.statements.size()) return false;
  auto str = [](const Str& s) { return s.value; };
  for (size_t i = 0; i < a.statements.size(); ++i) {
    const Statement &x = a.statements[i], &y = b.statements[i];
    if (x.sid.has_value() != y.sid.has_value() || (x.sid && x.sid->value != y.sid->value)) return false;
    if (x.effect != y.effect || x.has_principal != y.has_principal || x.not_principal != y.not_principal ||
        x.not_action != y.not_action || x.has_resource != y.has_resource || x.not_resource != y.not_resource)
      return false;
    if (!same_sets(x.actions, y.actions, str) || !same_sets(x.resources, y.resources, str)) return false;
    auto pk = [](const PrincipalValue& p) { return std::string(to_string(p.kind)) + "\x1f" + p.value; };
    if (!same_sets(x.principals, y.principals, pk)) return false;
    auto ck = [](const Condition& c) {
      std::vector<std::string> v;
      for (const auto& s : c.values) v.push_back(s.value);
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
      std::string k = c.op_text + "\x1f" + c.key;
      for (auto& s : v) k += "\x1f" + s;
      return k;
    };
    if (!same_sets(x.conditions, y.conditions, ck)) return false;
  }
  return true;
}

}  // namespace iamforge::policy
