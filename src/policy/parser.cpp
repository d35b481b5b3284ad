// Policy grammar: JSON value -> AST, collecting every diagnostic.
// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
#include <algorithm>
#include <array>
#include <cstring>

#include "iamforge/base/strings.hpp"
#include "iamforge/policy/policy.hpp"

namespace iamforge::policy {

using base::Diagnostic;
using base::Severity;
using base::Span;
using json::Kind;
using json::Node;

namespace {

// `a == b` for a literal `b`, inlined (a length test, then a compare of known size): the string_view
// operator== is an out-of-line call on these hot paths (every key of every statement).
template <std::size_t N>
inline bool is(std::string_view a, const char (&b)[N]) {
  return a.size() == N - 1 && std::memcmp(a.data(), b, N - 1) == 0;
}

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

bool has_variables(std::string_view text) {
  // Asked of every resource and condition value when compiling: eight bytes at a time (a `$`
  // whose next byte is `{`; the next byte of a word's last one is the first of the next word).
  std::size_t i = 0;
  const std::size_t n = text.size();
  for (; i + 9 <= n; i += 8) {
    std::uint64_t w, next;
    std::memcpy(&w, text.data() + i, 8);
    std::memcpy(&next, text.data() + i + 1, 8);
    if (base::bytes_equal(w, '$') & base::bytes_equal(next, '{')) return true;
  }
  for (; i + 1 < n; ++i)
    if (text[i] == '$' && text[i + 1] == '{') return true;
  return false;
}

namespace {

// action_may_match, inlined into the parser's pruning (called for every Action entry of every
// statement of a batch case: ~175,000 calls on the visible corpus).
[[gnu::always_inline]] inline bool may_match(std::string_view pat, std::string_view act) {
  using base::ascii_lower;
  // The literal prefix first (most patterns are "service:Name" or "service:Prefix*"). Most
  // patterns are another service's: their first byte rejects them.
  if (!pat.empty() && !act.empty() && pat[0] != '*' && pat[0] != '?' && ascii_lower(pat[0]) != ascii_lower(act[0]))
    return false;
  size_t i = 0;
  // The rest of a shared prefix ("s3:GetObject" against "s3:GetObjectTagging"), eight bytes at a
  // time: a word stops the literal prefix at its first wildcard or difference, whichever is first.
  for (; i + 8 <= pat.size() && i + 8 <= act.size(); i += 8) {
    std::uint64_t p, a;
    std::memcpy(&p, pat.data() + i, 8);
    std::memcpy(&a, act.data() + i, 8);
    const std::uint64_t glob = base::bytes_equal(p, '*') | base::bytes_equal(p, '?');
    const std::uint64_t diff = base::lower8(p) ^ base::lower8(a);
    if (glob | diff) {
      const int g = glob ? __builtin_ctzll(glob) >> 3 : 8, d = diff ? __builtin_ctzll(diff) >> 3 : 8;
      if (d < g) return false;
      i += static_cast<size_t>(g);  // at the wildcard
      break;
    }
  }
  for (; i < pat.size() && pat[i] != '*' && pat[i] != '?'; ++i)
    if (i >= act.size() || ascii_lower(pat[i]) != ascii_lower(act[i])) return false;
  if (i == pat.size()) return i == act.size();
  if (pat.find_first_not_of('*', i) == std::string_view::npos) return true;  // "prefix*"
  return base::glob_match_ci(pat, act, i, i);  // the rest, after the literal prefix
}

class Parser {
 public:
  /// `prune_to`: when not empty, run() keeps only the statements that can apply to this action
  /// (parse_for_action).
  Parser(PolicyType type, std::vector<Diagnostic>& d, std::string_view prune_to = {})
      : type_(type), diags_(&d), prune_to_(prune_to) {}

  Policy run(Node doc) {
    Policy p;
    if (!doc.is_object()) {
      error("policy.not-object", "a policy must be a JSON object, found " + std::string(json::to_string(doc.kind())),
            doc.span());
      return p;
    }
    Node statement;
    for (Node m : doc) {
      std::string_view k = m.key();
      if (is(k, "Version")) {
        p.version_span = m.span();
        if (!m.is_string()) {
          wrong_type("Version", "a string", m);
        } else if (is(m.text(), "2012-10-17")) {
          p.version = Version::V2012_10_17;
        } else if (is(m.text(), "2008-10-17")) {
          p.version = Version::V2008_10_17;
        } else {
          error("policy.invalid-version", "unknown policy version `" + std::string(m.text()) + "`", m.span(),
                "use `2012-10-17`");
        }
      } else if (is(k, "Id")) {
        if (!m.is_string()) wrong_type("Id", "a string", m);
        else p.id = str(m);
      } else if (is(k, "Statement")) {
        statement = m;
      } else {
        unknown_element(m, {"Version", "Id", "Statement"}, "top-level");
      }
    }
    if (!statement) {
      error("policy.missing-statement", "the policy has no `Statement`", doc.span(), "add a `Statement` array");
      return p;
    }
    if (statement.is_object()) {
      // The only statement is kept whatever its actions; complete when it cannot apply.
      keep_whole_ = !prune_to_.empty() && !may_apply(statement);
      p.statements.push_back(parse_statement(statement));
      keep_whole_ = false;
    } else if (statement.is_array()) {
      if (statement.empty())
        error("policy.empty-statement", "`Statement` is an empty array", statement.span(),
              "a policy needs at least one statement");
      p.statements.reserve(prune_to_.empty() ? statement.size() : 0);
      Node first_left_out;
      for (Node s : statement) {
        if (!s.is_object()) {
          wrong_type("a statement", "an object", s);
          continue;
        }
        if (!prune_to_.empty() && !may_apply(s)) {
          // Parsed for its diagnostics only: its strings are not copied and it is not kept.
          light_ = true;
          (void)parse_statement(s);
          light_ = false;
          if (!first_left_out) first_left_out = s;
          continue;
        }
        p.statements.push_back(parse_statement(s));
      }
      if (p.statements.empty() && first_left_out) {
        // Keep one statement (it cannot apply) so that a policy never reaches the compiler
        // empty; its diagnostics were reported above.
        std::vector<Diagnostic> again;
        std::vector<Diagnostic>* reported = diags_;
        diags_ = &again;
        keep_whole_ = true;
        p.statements.push_back(parse_statement(first_left_out));
        keep_whole_ = false;
        diags_ = reported;
      }
    } else {
      wrong_type("Statement", "an object or an array of objects", statement);
    }
    return p;
  }

 private:
  Str str(Node v) const { return light_ ? Str{{}, v.span()} : Str{std::string(v.text()), v.span()}; }

  // Can statement `s` apply to prune_to_? Only a statement whose every `Action` is a string or an
  // array of strings, none of which can match, cannot (NotAction statements always can).
  bool may_apply(Node s) const {
    for (Node m : s) {
      std::string_view k = m.key();
      if (is(k, "NotAction")) return true;
      if (k != "Action") continue;
      if (m.is_string()) {
        if (may_match(m.text(), prune_to_)) return true;
      } else if (m.is_array()) {
        for (Node a : m)
          if (!a.is_string() || may_match(a.text(), prune_to_)) return true;
      } else {
        return true;
      }
    }
    return false;
  }

  void error(std::string code, std::string msg, Span span, std::string help = {}) {
    diags_->push_back({std::move(code), Severity::Error, std::move(msg), span, std::move(help)});
  }
  void warn(std::string code, std::string msg, Span span, std::string help = {}) {
    diags_->push_back({std::move(code), Severity::Warning, std::move(msg), span, std::move(help)});
  }
  void wrong_type(std::string_view what, std::string_view expected, Node v) {
    error("policy.wrong-type",
          std::string(what) + " must be " + std::string(expected) + ", found " + std::string(json::to_string(v.kind())),
          v.span());
  }
  void unknown_element(Node m, std::vector<std::string_view> known, std::string_view where) {
    std::string hint = base::did_you_mean(m.key(), known);
    error("policy.unknown-element", "unknown " + std::string(where) + " element `" + std::string(m.key()) + "`",
          m.key_span(), hint.empty() ? "" : "did you mean `" + hint + "`?");
  }

  // A string or a non-empty array of strings (in a light statement: checked, not collected).
  // With `only_matching` (an action), only the strings that action_may_match it are collected.
  std::vector<Str> string_list(std::string_view element, Node v, bool allow_empty = false,
                               std::string_view only_matching = {}) {
    std::vector<Str> out;
    if (v.is_string()) {
      if (!light_ && (only_matching.empty() || may_match(v.text(), only_matching))) out.push_back(str(v));
    } else if (v.is_array()) {
      if (v.empty() && !allow_empty)
        error("policy.empty-list", "`" + std::string(element) + "` is an empty array", v.span());
      if (!light_) out.reserve(v.size());
      for (Node item : v) {
        if (!item.is_string()) wrong_type(std::string("an entry of `") + std::string(element) + "`", "a string", item);
        else if (!light_ && (only_matching.empty() || may_match(item.text(), only_matching)))
          out.push_back(str(item));
      }
    } else {
      wrong_type("`" + std::string(element) + "`", "a string or an array of strings", v);
    }
    return out;
  }

  Statement parse_statement(Node s) {
    Statement st;
    st.span = s.span();
    bool has_effect = false, has_action = false;
    Node action, not_action, resource, not_resource, principal, not_principal;
    for (Node m : s) {
      std::string_view k = m.key();
      if (is(k, "Sid")) {
        if (!m.is_string()) wrong_type("`Sid`", "a string", m);
        else st.sid = str(m);
      } else if (is(k, "Effect")) {
        has_effect = true;
        st.effect_span = m.span();
        if (!m.is_string()) {
          wrong_type("`Effect`", "a string", m);
        } else if (is(m.text(), "Allow")) {
          st.effect = Effect::Allow;
        } else if (is(m.text(), "Deny")) {
          st.effect = Effect::Deny;
        } else {
          std::string hint = base::did_you_mean(m.text(), {"Allow", "Deny"});
          error("policy.unknown-effect", "unknown effect `" + std::string(m.text()) + "`", m.span(),
                hint.empty() ? "expected `Allow` or `Deny`" : "did you mean `" + hint + "`?");
        }
      } else if (is(k, "Action")) action = m;
      else if (is(k, "NotAction")) not_action = m;
      else if (is(k, "Resource")) resource = m;
      else if (is(k, "NotResource")) not_resource = m;
      else if (is(k, "Principal")) principal = m;
      else if (is(k, "NotPrincipal")) not_principal = m;
      else if (is(k, "Condition")) parse_conditions(m, st);
      else unknown_element(m, {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
                               "NotResource", "Condition"}, "statement");
    }
    if (!has_effect) error("policy.missing-effect", "the statement has no `Effect`", s.span(), "add `\"Effect\": \"Allow\"`");

    // Action / NotAction: exactly one.
    if (action && not_action) {
      error("policy.action-and-notaction", "a statement cannot have both `Action` and `NotAction`", not_action.key_span());
    }
    if (Node a = action ? action : not_action) {
      has_action = true;
      st.not_action = !action;
      st.action_span = a.span();
      // Pruned to an action, an `Action` pattern that cannot match it can never decide a request,
      // so it is neither copied nor compiled (the statement kept complete when nothing applies
      // excepted). Every pattern of a `NotAction` takes part in the decision.
      st.actions = string_list(a.key(), a, false, action && !keep_whole_ ? prune_to_ : std::string_view());
    }
    if (!has_action)
      error("policy.missing-action", "the statement has no `Action` or `NotAction`", s.span());

    // Resource / NotResource.
    if (resource && not_resource)
      error("policy.resource-and-notresource", "a statement cannot have both `Resource` and `NotResource`",
            not_resource.key_span());
    if (Node r = resource ? resource : not_resource) {
      st.has_resource = true;
      st.not_resource = !resource;
      st.resource_span = r.key_span();
      st.resources = string_list(r.key(), r);
      if (type_ == PolicyType::Trust)
        error("policy.resource-forbidden", "a trust policy cannot have `" + std::string(r.key()) + "`", r.key_span(),
              "remove it: the resource is the role itself");
    } else if (type_ != PolicyType::Trust && type_ != PolicyType::Resource) {
      error("policy.missing-resource", "the statement has no `Resource` or `NotResource`", s.span(),
            "add `\"Resource\": \"*\"` or a resource ARN");
    }

    // Principal / NotPrincipal.
    if (principal && not_principal)
      error("policy.principal-and-notprincipal", "a statement cannot have both `Principal` and `NotPrincipal`",
            not_principal.key_span());
    if (Node p = principal ? principal : not_principal) {
      st.has_principal = true;
      st.not_principal = !principal;
      st.principal_span = p.key_span();
      parse_principal(p, st);
      if (is_identity_like(type_))
        error("policy.principal-forbidden",
              "a " + std::string(to_string(type_)) + " policy cannot have `" + std::string(p.key()) + "`", p.key_span(),
              "principals belong in resource-based and trust policies");
      else if (st.not_principal && (type_ == PolicyType::Trust || type_ == PolicyType::Rcp))
        error("policy.notprincipal-forbidden", "a " + std::string(to_string(type_)) + " policy cannot have `NotPrincipal`",
              p.key_span());
      else if (st.not_principal && st.effect == Effect::Allow)
        warn("policy.allow-notprincipal", "`NotPrincipal` with `Allow` grants access to everyone not listed",
             p.key_span(), "most resource-based policies reject it; name the principals with `Principal`");
    } else if (type_ == PolicyType::Resource || type_ == PolicyType::Trust || type_ == PolicyType::Rcp) {
      error("policy.missing-principal", "a " + std::string(to_string(type_)) + " policy statement needs a `Principal`",
            s.span());
    }
    return st;
  }

  void parse_principal(Node v, Statement& st) {
    if (v.is_string()) {
      if (is(v.text(), "*")) st.principals.push_back({PrincipalKind::Wildcard, "", v.span()});
      else
        error("policy.invalid-principal", "a principal string must be `*`, found `" + std::string(v.text()) + "`",
              v.span(), "use a map such as {\"AWS\": \"" + std::string(v.text()) + "\"}");
      return;
    }
    if (!v.is_object()) {
      wrong_type("`Principal`", "`*` or an object", v);
      return;
    }
    if (v.empty()) error("policy.empty-principal", "the principal map is empty", v.span());
    for (Node m : v) {
      std::string_view k = m.key();
      PrincipalKind kind;
      if (is(k, "AWS")) kind = PrincipalKind::Aws;
      else if (is(k, "Service")) kind = PrincipalKind::Service;
      else if (is(k, "Federated")) kind = PrincipalKind::Federated;
      else if (is(k, "CanonicalUser")) kind = PrincipalKind::CanonicalUser;
      else {
        std::string hint = base::did_you_mean(k, {"AWS", "Service", "Federated", "CanonicalUser"});
        error("policy.unknown-principal-type", "unknown principal type `" + std::string(k) + "`", m.key_span(),
              hint.empty() ? "expected `AWS`, `Service`, `Federated` or `CanonicalUser`" : "did you mean `" + hint + "`?");
        continue;
      }
      const bool light = light_;
      light_ = false;  // principal values are checked below, so always copied
      std::vector<Str> values = string_list(k, m);
      light_ = light;
      for (auto& s : values) {
        if (s.value.find('*') != std::string::npos && s.value != "*")
          error("policy.invalid-principal", "a principal cannot contain a partial wildcard: `" + s.value + "`", s.span,
                "use `*` with a condition on `aws:PrincipalArn` instead");
        st.principals.push_back({kind, std::move(s.value), s.span});
      }
    }
  }

  void parse_conditions(Node v, Statement& st) {
    if (!v.is_object()) {
      wrong_type("`Condition`", "an object", v);
      return;
    }
    static const std::vector<std::string_view> names = [] {
      auto n = all_condition_op_names();
      return n;
    }();
    for (Node opm : v) {
      const std::string_view op_key = opm.key();
      std::string_view text = op_key;
      Qualifier qualifier = Qualifier::None;
      bool if_exists = false;
      if (text.substr(0, 13) == "ForAllValues:") {
        qualifier = Qualifier::ForAllValues;
        text.remove_prefix(13);
      } else if (text.substr(0, 12) == "ForAnyValue:") {
        qualifier = Qualifier::ForAnyValue;
        text.remove_prefix(12);
      } else if (auto colon = text.find(':'); colon != std::string_view::npos) {
        std::string q(text.substr(0, colon));
        std::string hint = base::did_you_mean(q, {"ForAllValues", "ForAnyValue"});
        error("policy.unknown-qualifier", "unknown condition qualifier `" + q + "`", opm.key_span(),
              hint.empty() ? "expected `ForAllValues` or `ForAnyValue`" : "did you mean `" + hint + "`?");
        continue;
      }
      std::optional<ConditionOp> op = condition_op_from_string(text);
      if (!op && text.size() > 8 && text.substr(text.size() - 8) == "IfExists") {
        op = condition_op_from_string(text.substr(0, text.size() - 8));
        if_exists = true;
        if (op == ConditionOp::Null) {
          error("policy.null-ifexists", "`NullIfExists` is not an operator", opm.key_span(), "use `Null`");
          continue;
        }
      }
      if (!op) {
        std::string hint = base::did_you_mean(text, names);
        error("policy.unknown-condition-operator", "unknown condition operator `" + std::string(text) + "`",
              opm.key_span(), hint.empty() ? "" : "did you mean `" + hint + "`?");
        continue;
      }
      if (!opm.is_object()) {
        wrong_type("the value of `" + std::string(op_key) + "`", "an object of condition keys", opm);
        continue;
      }
      if (opm.empty())
        error("policy.empty-condition", "`" + std::string(op_key) + "` has no condition keys", opm.span());
      for (Node km : opm) {
        Condition scratch;  // a light statement's conditions are checked, not kept
        Condition& c = light_ ? scratch : st.conditions.emplace_back();
        auto add = [&](Node val) {
          if (!(val.is_string() || val.kind() == Kind::Number || val.kind() == Kind::Bool))
            wrong_type("a condition value", "a string, number or boolean", val);
          else if (!light_)
            c.values.push_back(str(val));
        };
        if (km.is_array()) {
          if (km.empty())
            error("policy.empty-list", "condition key `" + std::string(km.key()) + "` has an empty value list", km.span());
          if (!light_) c.values.reserve(km.size());
          for (Node item : km) add(item);
        } else {
          add(km);
        }
        if (light_) continue;
        c.op = *op;
        c.qualifier = qualifier;
        c.if_exists = if_exists;
        c.op_text = op_key;
        c.op_span = opm.key_span();
        c.key = km.key();
        c.key_span = km.key_span();
      }
    }
  }

  PolicyType type_;
  std::vector<Diagnostic>* diags_;
  std::string_view prune_to_;
  bool keep_whole_ = false;  // parse_statement keeps every Action pattern despite prune_to_
  bool light_ = false;  ///< parsing a statement that will not be kept: don't copy its strings
};

}  // namespace

ParseResult parse(json::Node doc, PolicyType type) {
  ParseResult r;
  Parser p(type, r.diagnostics);
  r.policy = p.run(doc);
  base::sort_by_position(r.diagnostics);
  return r;
}

ParseResult parse_for_action(json::Node doc, PolicyType type, std::string_view action) {
  if (action.find(':') == std::string_view::npos) return parse(doc, type);  // see action_may_match
  ParseResult r;
  Parser p(type, r.diagnostics, action);
  r.policy = p.run(doc);
  base::sort_by_position(r.diagnostics);
  return r;
}

bool action_may_match(std::string_view pat, std::string_view act) { return may_match(pat, act); }

ParseResult parse(const json::Value& doc, PolicyType type) {
  json::Document d;
  d.assign(doc);
  return parse(d.root(), type);
}

ParseResult parse(std::string_view text, PolicyType type) {
  std::vector<Diagnostic> json_diags;
  json::Document d;
  if (!d.parse(text, json_diags)) {  // syntax error: nothing to walk
    ParseResult r;
    r.diagnostics = std::move(json_diags);
    return r;
  }
  ParseResult r = parse(d.root(), type);
  r.diagnostics.insert(r.diagnostics.begin(), json_diags.begin(), json_diags.end());
  base::sort_by_position(r.diagnostics);
  return r;
}

}  // namespace iamforge::policy
