// Policy grammar: JSON value -> AST, collecting every diagnostic.
// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
#include <algorithm>
#include <array>

#include "iamforge/base/strings.hpp"
#include "iamforge/policy/policy.hpp"

namespace iamforge::policy {

using base::Diagnostic;
using base::Severity;
using base::Span;
using json::Kind;
using json::Value;

namespace {

struct OpInfo {
  std::string_view name;
  ConditionCompare compare;
  bool negated;
  OperatorValueType type;
};
constexpr OpInfo kOps[] = {
#define IAM_CONDITION_OP(name, compare, negated, type) \
  {#name, ConditionCompare::compare, negated, OperatorValueType::type},
#include "iamforge/policy/condition_operators.def"
#undef IAM_CONDITION_OP
};

}  // namespace

std::string_view to_string(ConditionOp op) { return kOps[static_cast<int>(op)].name; }
ConditionCompare compare_of(ConditionOp op) { return kOps[static_cast<int>(op)].compare; }
bool is_negated(ConditionOp op) { return kOps[static_cast<int>(op)].negated; }
OperatorValueType value_type_of(ConditionOp op) { return kOps[static_cast<int>(op)].type; }
std::optional<ConditionOp> condition_op_from_string(std::string_view s) {
  for (size_t i = 0; i < std::size(kOps); ++i)
    if (kOps[i].name == s) return static_cast<ConditionOp>(i);
  return std::nullopt;
}
std::vector<std::string_view> all_condition_op_names() {
  std::vector<std::string_view> r;
  for (const auto& o : kOps) r.push_back(o.name);
  return r;
}

std::string_view to_string(PolicyType t) {
  switch (t) {
    case PolicyType::Identity: return "identity";
    case PolicyType::Inline: return "inline";
    case PolicyType::Resource: return "resource";
    case PolicyType::Trust: return "trust";
    case PolicyType::Boundary: return "boundary";
    case PolicyType::Session: return "session";
    case PolicyType::Scp: return "scp";
    case PolicyType::Rcp: return "rcp";
  }
  return "identity";
}

std::optional<PolicyType> policy_type_from_string(std::string_view s) {
  for (auto t : {PolicyType::Identity, PolicyType::Inline, PolicyType::Resource, PolicyType::Trust,
                 PolicyType::Boundary, PolicyType::Session, PolicyType::Scp, PolicyType::Rcp})
    if (base::iequals(to_string(t), s)) return t;
  if (base::iequals(s, "managed")) return PolicyType::Identity;
  return std::nullopt;
}

bool is_identity_like(PolicyType t) {
  return t == PolicyType::Identity || t == PolicyType::Inline || t == PolicyType::Boundary ||
         t == PolicyType::Session || t == PolicyType::Scp;
}

std::string_view to_string(PrincipalKind k) {
  switch (k) {
    case PrincipalKind::Wildcard: return "*";
    case PrincipalKind::Aws: return "AWS";
    case PrincipalKind::Service: return "Service";
    case PrincipalKind::Federated: return "Federated";
    case PrincipalKind::CanonicalUser: return "CanonicalUser";
  }
  return "*";
}

bool has_variables(std::string_view text) { return text.find("${") != std::string_view::npos; }

namespace {

class Parser {
 public:
  Parser(PolicyType type, std::vector<Diagnostic>& d) : type_(type), diags_(d) {}

  Policy run(const Value& doc) {
    Policy p;
    if (!doc.is_object()) {
      error("policy.not-object", "a policy must be a JSON object, found " + std::string(json::to_string(doc.kind)),
            doc.span);
      return p;
    }
    const Value* statement = nullptr;
    Span statement_key{};
    for (const auto& m : doc.members) {
      if (m.key == "Version") {
        p.version_span = m.value.span;
        if (!m.value.is_string()) {
          wrong_type("Version", "a string", m.value);
        } else if (m.value.text == "2012-10-17") {
          p.version = Version::V2012_10_17;
        } else if (m.value.text == "2008-10-17") {
          p.version = Version::V2008_10_17;
        } else {
          error("policy.invalid-version", "unknown policy version `" + m.value.text + "`", m.value.span,
                "use `2012-10-17`");
        }
      } else if (m.key == "Id") {
        if (!m.value.is_string()) wrong_type("Id", "a string", m.value);
        else p.id = Str{m.value.text, m.value.span};
      } else if (m.key == "Statement") {
        statement = &m.value;
        statement_key = m.key_span;
      } else {
        unknown_element(m, {"Version", "Id", "Statement"}, "top-level");
      }
    }
    if (!statement) {
      error("policy.missing-statement", "the policy has no `Statement`", doc.span, "add a `Statement` array");
      return p;
    }
    if (statement->is_object()) {
      p.statements.push_back(parse_statement(*statement, 0));
    } else if (statement->is_array()) {
      if (statement->items.empty())
        error("policy.empty-statement", "`Statement` is an empty array", statement->span,
              "a policy needs at least one statement");
      uint32_t i = 0;
      for (const auto& s : statement->items) {
        if (!s.is_object()) {
          wrong_type("a statement", "an object", s);
          continue;
        }
        p.statements.push_back(parse_statement(s, i++));
      }
    } else {
      wrong_type("Statement", "an object or an array of objects", *statement);
    }
    (void)statement_key;
    return p;
  }

 private:
  void error(std::string code, std::string msg, Span span, std::string help = {}) {
    diags_.push_back({std::move(code), Severity::Error, std::move(msg), span, std::move(help)});
  }
  void warn(std::string code, std::string msg, Span span, std::string help = {}) {
    diags_.push_back({std::move(code), Severity::Warning, std::move(msg), span, std::move(help)});
  }
  void wrong_type(std::string_view what, std::string_view expected, const Value& v) {
    error("policy.wrong-type",
          std::string(what) + " must be " + std::string(expected) + ", found " + std::string(json::to_string(v.kind)),
          v.span);
  }
  void unknown_element(const json::Member& m, std::vector<std::string_view> known, std::string_view where) {
    std::string hint = base::did_you_mean(m.key, known);
    error("policy.unknown-element", "unknown " + std::string(where) + " element `" + m.key + "`", m.key_span,
          hint.empty() ? "" : "did you mean `" + hint + "`?");
  }

  // A string or a non-empty array of strings.
  std::vector<Str> string_list(std::string_view element, const Value& v, bool allow_empty = false) {
    std::vector<Str> out;
    if (v.is_string()) {
      out.push_back({v.text, v.span});
    } else if (v.is_array()) {
      if (v.items.empty() && !allow_empty)
        error("policy.empty-list", "`" + std::string(element) + "` is an empty array", v.span);
      for (const auto& item : v.items) {
        if (item.is_string()) out.push_back({item.text, item.span});
        else wrong_type(std::string("an entry of `") + std::string(element) + "`", "a string", item);
      }
    } else {
      wrong_type("`" + std::string(element) + "`", "a string or an array of strings", v);
    }
    return out;
  }

  Statement parse_statement(const Value& s, uint32_t index) {
    (void)index;
    Statement st;
    st.span = s.span;
    bool has_effect = false, has_action = false;
    const json::Member *action = nullptr, *not_action = nullptr, *resource = nullptr, *not_resource = nullptr,
                       *principal = nullptr, *not_principal = nullptr;
    for (const auto& m : s.members) {
      const std::string& k = m.key;
      if (k == "Sid") {
        if (!m.value.is_string()) wrong_type("`Sid`", "a string", m.value);
        else st.sid = Str{m.value.text, m.value.span};
      } else if (k == "Effect") {
        has_effect = true;
        st.effect_span = m.value.span;
        if (!m.value.is_string()) {
          wrong_type("`Effect`", "a string", m.value);
        } else if (m.value.text == "Allow") {
          st.effect = Effect::Allow;
        } else if (m.value.text == "Deny") {
          st.effect = Effect::Deny;
        } else {
          std::string hint = base::did_you_mean(m.value.text, {"Allow", "Deny"});
          error("policy.unknown-effect", "unknown effect `" + m.value.text + "`", m.value.span,
                hint.empty() ? "expected `Allow` or `Deny`" : "did you mean `" + hint + "`?");
        }
      } else if (k == "Action") action = &m;
      else if (k == "NotAction") not_action = &m;
      else if (k == "Resource") resource = &m;
      else if (k == "NotResource") not_resource = &m;
      else if (k == "Principal") principal = &m;
      else if (k == "NotPrincipal") not_principal = &m;
      else if (k == "Condition") parse_conditions(m.value, st);
      else unknown_element(m, {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
                               "NotResource", "Condition"}, "statement");
    }
    if (!has_effect) error("policy.missing-effect", "the statement has no `Effect`", s.span, "add `\"Effect\": \"Allow\"`");

    // Action / NotAction: exactly one.
    if (action && not_action) {
      error("policy.action-and-notaction", "a statement cannot have both `Action` and `NotAction`", not_action->key_span);
    }
    if (const json::Member* a = action ? action : not_action) {
      has_action = true;
      st.not_action = a == not_action;
      st.action_span = a->value.span;
      st.actions = string_list(a->key, a->value);
    }
    if (!has_action)
      error("policy.missing-action", "the statement has no `Action` or `NotAction`", s.span);

    // Resource / NotResource.
    if (resource && not_resource)
      error("policy.resource-and-notresource", "a statement cannot have both `Resource` and `NotResource`",
            not_resource->key_span);
    if (const json::Member* r = resource ? resource : not_resource) {
      st.has_resource = true;
      st.not_resource = r == not_resource;
      st.resource_span = r->key_span;
      st.resources = string_list(r->key, r->value);
      if (type_ == PolicyType::Trust)
        error("policy.resource-forbidden", "a trust policy cannot have `" + r->key + "`", r->key_span,
              "remove it: the resource is the role itself");
    } else if (type_ != PolicyType::Trust && type_ != PolicyType::Resource) {
      error("policy.missing-resource", "the statement has no `Resource` or `NotResource`", s.span,
            "add `\"Resource\": \"*\"` or a resource ARN");
    }

    // Principal / NotPrincipal.
    if (principal && not_principal)
      error("policy.principal-and-notprincipal", "a statement cannot have both `Principal` and `NotPrincipal`",
            not_principal->key_span);
    if (const json::Member* p = principal ? principal : not_principal) {
      st.has_principal = true;
      st.not_principal = p == not_principal;
      st.principal_span = p->key_span;
      parse_principal(p->value, st);
      if (is_identity_like(type_))
        error("policy.principal-forbidden", "a " + std::string(to_string(type_)) + " policy cannot have `" + p->key + "`",
              p->key_span, "principals belong in resource-based and trust policies");
      else if (st.not_principal && (type_ == PolicyType::Trust || type_ == PolicyType::Rcp))
        error("policy.notprincipal-forbidden", "a " + std::string(to_string(type_)) + " policy cannot have `NotPrincipal`",
              p->key_span);
      else if (st.not_principal && st.effect == Effect::Allow)
        warn("policy.allow-notprincipal", "`NotPrincipal` with `Allow` grants access to everyone not listed",
             p->key_span, "most resource-based policies reject it; name the principals with `Principal`");
    } else if (type_ == PolicyType::Resource || type_ == PolicyType::Trust || type_ == PolicyType::Rcp) {
      error("policy.missing-principal", "a " + std::string(to_string(type_)) + " policy statement needs a `Principal`",
            s.span);
    }
    return st;
  }

  void parse_principal(const Value& v, Statement& st) {
    if (v.is_string()) {
      if (v.text == "*") st.principals.push_back({PrincipalKind::Wildcard, "", v.span});
      else
        error("policy.invalid-principal", "a principal string must be `*`, found `" + v.text + "`", v.span,
              "use a map such as {\"AWS\": \"" + v.text + "\"}");
      return;
    }
    if (!v.is_object()) {
      wrong_type("`Principal`", "`*` or an object", v);
      return;
    }
    if (v.members.empty()) error("policy.empty-principal", "the principal map is empty", v.span);
    for (const auto& m : v.members) {
      PrincipalKind kind;
      if (m.key == "AWS") kind = PrincipalKind::Aws;
      else if (m.key == "Service") kind = PrincipalKind::Service;
      else if (m.key == "Federated") kind = PrincipalKind::Federated;
      else if (m.key == "CanonicalUser") kind = PrincipalKind::CanonicalUser;
      else {
        std::string hint = base::did_you_mean(m.key, {"AWS", "Service", "Federated", "CanonicalUser"});
        error("policy.unknown-principal-type", "unknown principal type `" + m.key + "`", m.key_span,
              hint.empty() ? "expected `AWS`, `Service`, `Federated` or `CanonicalUser`" : "did you mean `" + hint + "`?");
        continue;
      }
      for (auto& s : string_list(m.key, m.value)) {
        if (s.value.find('*') != std::string::npos && s.value != "*")
          error("policy.invalid-principal", "a principal cannot contain a partial wildcard: `" + s.value + "`", s.span,
                "use `*` with a condition on `aws:PrincipalArn` instead");
        st.principals.push_back({kind, std::move(s.value), s.span});
      }
    }
  }

  void parse_conditions(const Value& v, Statement& st) {
    if (!v.is_object()) {
      wrong_type("`Condition`", "an object", v);
      return;
    }
    static const std::vector<std::string_view> names = [] {
      auto n = all_condition_op_names();
      return n;
    }();
    for (const auto& opm : v.members) {
      std::string_view text = opm.key;
      Condition base_c;
      base_c.op_text = opm.key;
      base_c.op_span = opm.key_span;
      if (text.substr(0, 13) == "ForAllValues:") {
        base_c.qualifier = Qualifier::ForAllValues;
        text.remove_prefix(13);
      } else if (text.substr(0, 12) == "ForAnyValue:") {
        base_c.qualifier = Qualifier::ForAnyValue;
        text.remove_prefix(12);
      } else if (auto colon = text.find(':'); colon != std::string_view::npos) {
        std::string q(text.substr(0, colon));
        std::string hint = base::did_you_mean(q, {"ForAllValues", "ForAnyValue"});
        error("policy.unknown-qualifier", "unknown condition qualifier `" + q + "`", opm.key_span,
              hint.empty() ? "expected `ForAllValues` or `ForAnyValue`" : "did you mean `" + hint + "`?");
        continue;
      }
      std::optional<ConditionOp> op = condition_op_from_string(text);
      if (!op && text.size() > 8 && text.substr(text.size() - 8) == "IfExists") {
        op = condition_op_from_string(text.substr(0, text.size() - 8));
        base_c.if_exists = true;
        if (op == ConditionOp::Null) {
          error("policy.null-ifexists", "`NullIfExists` is not an operator", opm.key_span, "use `Null`");
          continue;
        }
      }
      if (!op) {
        std::string hint = base::did_you_mean(text, names);
        error("policy.unknown-condition-operator", "unknown condition operator `" + std::string(text) + "`", opm.key_span,
              hint.empty() ? "" : "did you mean `" + hint + "`?");
        continue;
      }
      base_c.op = *op;
      if (!opm.value.is_object()) {
        wrong_type("the value of `" + opm.key + "`", "an object of condition keys", opm.value);
        continue;
      }
      if (opm.value.members.empty())
        error("policy.empty-condition", "`" + opm.key + "` has no condition keys", opm.value.span);
      for (const auto& km : opm.value.members) {
        Condition c = base_c;
        c.key = km.key;
        c.key_span = km.key_span;
        auto add = [&](const Value& val) {
          if (val.is_string() || val.kind == Kind::Number || val.kind == Kind::Bool)
            c.values.push_back({val.text, val.span});
          else
            wrong_type("a condition value", "a string, number or boolean", val);
        };
        if (km.value.is_array()) {
          if (km.value.items.empty())
            error("policy.empty-list", "condition key `" + km.key + "` has an empty value list", km.value.span);
          for (const auto& item : km.value.items) add(item);
        } else {
          add(km.value);
        }
        st.conditions.push_back(std::move(c));
      }
    }
  }

  PolicyType type_;
  std::vector<Diagnostic>& diags_;
};

}  // namespace

ParseResult parse(const json::Value& doc, PolicyType type) {
  ParseResult r;
  Parser p(type, r.diagnostics);
  r.policy = p.run(doc);
  base::sort_by_position(r.diagnostics);
  return r;
}

ParseResult parse(std::string_view text, PolicyType type) {
  json::ParseResult j = json::parse(text);
  if (j.value.kind == Kind::Null && !j.ok()) {  // syntax error: nothing to walk
    ParseResult r;
    r.diagnostics = std::move(j.diagnostics);
    return r;
  }
  ParseResult r = parse(j.value, type);
  r.diagnostics.insert(r.diagnostics.begin(), j.diagnostics.begin(), j.diagnostics.end());
  base::sort_by_position(r.diagnostics);
  return r;
}

}  // namespace iamforge::policy
