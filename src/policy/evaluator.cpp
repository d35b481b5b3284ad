// The evaluator. Rules are numbered in docs/semantics.md; `// AWS:` marks each surprising one.
#include "iamforge/policy/evaluator.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "iamforge/base/strings.hpp"
#include "iamforge/catalog/catalog.hpp"
#include "iamforge/policy/match.hpp"

namespace iamforge::policy {

std::string_view to_string(Decision d) {
  switch (d) {
    case Decision::Allowed: return "Allowed";
    case Decision::ExplicitlyDenied: return "ExplicitlyDenied";
    case Decision::ImplicitlyDenied: return "ImplicitlyDenied";
  }
  return "ImplicitlyDenied";
}

std::string_view to_string(TypeResult r) {
  switch (r) {
    case TypeResult::NotApplicable: return "NotApplicable";
    case TypeResult::Allowed: return "Allowed";
    case TypeResult::ImplicitlyDenied: return "ImplicitlyDenied";
    case TypeResult::ExplicitlyDenied: return "ExplicitlyDenied";
    case TypeResult::AllowedForAccount: return "AllowedForAccount";
    case TypeResult::DeniedForAccount: return "DeniedForAccount";
  }
  return "NotApplicable";
}

// ---------------------------------------------------------------------------------------------
// Context

std::uint64_t Context::hash_key(std::string_view key) {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : key) h = (h ^ static_cast<unsigned char>(base::ascii_lower(c))) * 1099511628211ull;
  return h;
}

void Context::set(std::string_view key, std::vector<std::string> values, bool multivalued) {
  std::string lower = base::to_lower(key);
  std::uint64_t h = hash_key(lower);
  for (auto& e : entries_)
    if (e.hash == h && e.key_lower == lower) {
      e.values = std::move(values);
      e.multivalued = multivalued;
      e.key = std::string(key);
      return;
    }
  entries_.push_back({std::string(key), std::move(lower), h, std::move(values), multivalued});
}

const Context::Entry* Context::find_lower(std::string_view key_lower, std::uint64_t hash) const {
  for (const auto& e : entries_)
    if (e.hash == hash && e.key_lower == key_lower) return &e;
  return nullptr;
}

const Context::Entry* Context::find(std::string_view key) const {
  std::uint64_t h = hash_key(key);
  for (const auto& e : entries_)
    if (e.hash == h && base::iequals(e.key_lower, key)) return &e;
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Compiled form

namespace {

struct ActionPattern {
  std::string service;  // lowercase; empty with `all`
  std::string name;     // lowercase glob
  bool all = false;     // "*"
  bool literal = false; // no wildcard in name
};

// A text with policy variables, parsed once; each variable's key hash precomputed for the context.
struct CompiledText {
  std::vector<VariablePart> parts;
  std::vector<std::uint64_t> hashes;  // parallel to parts (Variable parts only are meaningful)
};

CompiledText compile_text(std::string_view text) {
  CompiledText t;
  t.parts = parse_variables(text);
  for (const auto& p : t.parts) t.hashes.push_back(Context::hash_key(p.key_lower));
  return t;
}

// How one ARN field of a pattern matches, decided at compile time.
enum class FieldKind : std::uint8_t { Glob, Exact, Any };

struct ResourcePattern {
  std::string text;          // as written (variables unexpanded)
  bool all = false;          // "*"
  bool variables = false;    // needs substitution per request
  bool valid = false;        // an ARN pattern with six fields (after padding a short one)
  ArnFields fields;          // views into `text` (valid when !variables), short patterns padded with "*"
  std::array<FieldKind, 6> kinds{};
  bool resource_part_vars = false;  // variables only in the resource part: fields 1-4 compiled
  CompiledText expansion;           // the resource part (resource_part_vars) or the whole text
};

FieldKind field_kind(std::string_view f) {
  if (f == "*") return FieldKind::Any;
  return has_wildcard(f) || f.find('\x01') != std::string_view::npos ? FieldKind::Glob : FieldKind::Exact;
}

// AWS: a pattern with fewer than six fields whose last field ends in `*` covers the remaining fields.
bool pad_short_arn(ArnFields& pf) {
  if (pf.count >= 6) return true;
  if (pf.count == 0) return false;
  std::string_view last = pf.f[pf.count - 1];
  if (last.empty() || last.back() != '*') return false;
  for (size_t i = pf.count; i < 6; ++i) pf.f[i] = "*";
  pf.count = 6;
  return true;
}

/// A principal entry with its ARN already taken apart.
struct CompiledPrincipal {
  PrincipalValue value;
  bool wildcard = false;        // "*" or {"AWS":"*"}
  bool account = false;         // 123456789012 or arn:...:iam::123456789012:root
  std::string account_id;
  bool role = false;            // arn:...:iam::A:role/path/name
  std::string role_partition, role_account, role_name;
};

CompiledPrincipal compile_principal(const PrincipalValue& pv) {
  CompiledPrincipal c;
  c.value = pv;
  c.wildcard = pv.kind == PrincipalKind::Wildcard || (pv.kind == PrincipalKind::Aws && pv.value == "*");
  if (pv.kind != PrincipalKind::Aws || c.wildcard) return c;
  const std::string& v = pv.value;
  if (v.size() == 12 && std::all_of(v.begin(), v.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    c.account = true;
    c.account_id = v;
    return c;
  }
  ArnFields a = split_arn(v);
  if (a.count == 6 && a.f[0] == "arn" && a.f[2] == "iam" && a.f[5] == "root" && !a.f[4].empty()) {
    c.account = true;
    c.account_id = std::string(a.f[4]);
  } else if (a.count == 6 && a.f[2] == "iam" && a.f[5].substr(0, 5) == "role/") {
    c.role = true;
    c.role_partition = std::string(a.f[1]);
    c.role_account = std::string(a.f[4]);
    c.role_name = std::string(a.f[5].substr(a.f[5].rfind('/') + 1));
  }
  return c;
}

enum class PMatch : std::uint8_t { NoMatch, AccountLevelMatch, SessionRoleMatch, SessionUserMatch, Match };

struct CondValue {
  std::string text;            // raw (String/Arn/Bool/Binary compare on text)
  std::string lower;           // for IgnoreCase
  bool variables = false;
  CompiledText expansion;      // when `variables`
  std::optional<double> number;
  std::optional<bool> boolean;
  std::optional<std::string> bytes;
  std::optional<IpNetwork> ip;
};

struct CompiledCondition {
  ConditionCompare compare;
  bool negated;
  Qualifier qualifier;
  bool if_exists;
  std::string key_lower;
  std::uint64_t key_hash;
  std::string key;
  std::vector<CondValue> values;
};

}  // namespace

struct CompiledStatement {
  Effect effect;
  std::uint32_t index;
  std::string sid;
  bool not_action;
  std::vector<ActionPattern> actions;
  bool has_resource;
  bool not_resource;
  std::vector<ResourcePattern> resources;
  bool has_principal;
  bool not_principal;
  std::vector<CompiledPrincipal> principals;
  std::vector<CompiledCondition> conditions;
};

struct CompiledPolicyImpl {
  std::string name;
  PolicyType type;
  bool variables;  // Version 2012-10-17: policy variables are substituted
  std::vector<CompiledStatement> statements;
  // Action index, resolved against the catalog once: (action id, statement) pairs sorted by id, and
  // the statements that must be checked for every action (NotAction, "*"). A request for an action
  // outside the catalog falls back to checking every statement's patterns.
  // The index is an open-addressing hash table (one probe, usually one cache miss) from action id to
  // a run of statement indices in `indexed`.
  struct Slot {
    catalog::Id id = catalog::kNoId;
    std::uint32_t begin = 0, count = 0;
  };
  bool indexed_actions = false;  // false: match every statement's action patterns directly
  std::vector<Slot> table;  // size a power of two, at most half full
  std::vector<std::uint32_t> indexed;
  std::vector<std::uint32_t> always;

  static std::uint32_t slot_of(catalog::Id id, std::size_t mask) {
    return static_cast<std::uint32_t>((id * 0x9E3779B1u) & mask);
  }
  const Slot* find(catalog::Id id) const {
    if (table.empty()) return nullptr;
    std::size_t mask = table.size() - 1;
    for (std::uint32_t i = slot_of(id, mask);; i = static_cast<std::uint32_t>((i + 1) & mask)) {
      if (table[i].id == id) return &table[i];
      if (table[i].id == catalog::kNoId) return nullptr;
    }
  }
};

namespace {

ActionPattern compile_action(std::string_view a) {
  ActionPattern p;
  if (a == "*") {
    p.all = true;
    return p;
  }
  size_t colon = a.find(':');
  if (colon == std::string_view::npos) {
    p.service = "\x02";  // never matches: malformed action (the validator reports it)
    return p;
  }
  p.service = base::to_lower(a.substr(0, colon));
  p.name = base::to_lower(a.substr(colon + 1));
  p.literal = !has_wildcard(p.name);
  return p;
}

CondValue compile_value(const Str& s, ConditionCompare cmp, bool variables) {
  CondValue v;
  v.text = s.value;
  bool var_ok = cmp == ConditionCompare::StringEquals || cmp == ConditionCompare::StringEqualsIgnoreCase ||
                cmp == ConditionCompare::StringLike || cmp == ConditionCompare::ArnLike || cmp == ConditionCompare::Bool;
  v.variables = variables && var_ok && has_variables(s.value);
  if (v.variables) v.expansion = compile_text(s.value);
  switch (cmp) {
    case ConditionCompare::StringEqualsIgnoreCase: v.lower = base::to_lower(s.value); break;
    case ConditionCompare::NumericEquals: case ConditionCompare::NumericLessThan:
    case ConditionCompare::NumericLessThanEquals: case ConditionCompare::NumericGreaterThan:
    case ConditionCompare::NumericGreaterThanEquals:
      v.number = parse_number(s.value);
      break;
    case ConditionCompare::DateEquals: case ConditionCompare::DateLessThan: case ConditionCompare::DateLessThanEquals:
    case ConditionCompare::DateGreaterThan: case ConditionCompare::DateGreaterThanEquals:
      v.number = parse_date(s.value);
      break;
    case ConditionCompare::Bool: v.boolean = parse_bool(s.value); break;
    case ConditionCompare::BinaryEquals: v.bytes = decode_base64(s.value); break;
    case ConditionCompare::IpAddress: v.ip = parse_ip(s.value); break;
    default: break;
  }
  return v;
}

}  // namespace

CompiledPolicy::CompiledPolicy(const Policy& p, PolicyType type, std::string name, ActionIndex action_index)
    : impl_(std::make_unique<CompiledPolicyImpl>()) {
  impl_->name = std::move(name);
  impl_->type = type;
  impl_->variables = p.version == Version::V2012_10_17;
  std::uint32_t index = 0;
  for (const auto& s : p.statements) {
    CompiledStatement c;
    c.effect = s.effect;
    c.index = index++;
    c.sid = s.sid ? s.sid->value : std::string();
    c.not_action = s.not_action;
    for (const auto& a : s.actions) c.actions.push_back(compile_action(a.value));
    c.has_resource = s.has_resource;
    c.not_resource = s.not_resource;
    for (const auto& r : s.resources) {
      ResourcePattern rp;
      rp.text = r.value;
      rp.all = r.value == "*";
      rp.variables = impl_->variables && has_variables(r.value);
      c.resources.push_back(std::move(rp));
    }
    c.has_principal = s.has_principal;
    c.not_principal = s.not_principal;
    for (const auto& pv : s.principals) c.principals.push_back(compile_principal(pv));
    for (const auto& cond : s.conditions) {
      CompiledCondition cc;
      cc.compare = compare_of(cond.op);
      cc.negated = is_negated(cond.op);
      cc.qualifier = cond.qualifier;
      cc.if_exists = cond.if_exists;
      cc.key = cond.key;
      cc.key_lower = base::to_lower(cond.key);
      cc.key_hash = Context::hash_key(cc.key_lower);
      for (const auto& v : cond.values) cc.values.push_back(compile_value(v, cc.compare, impl_->variables));
      c.conditions.push_back(std::move(cc));
    }
    impl_->statements.push_back(std::move(c));
  }
  // Split ARN patterns only now: the strings no longer move.
  for (auto& st : impl_->statements)
    for (auto& rp : st.resources)
      if (!rp.all) {
        // AWS: variables may appear only in the resource part, so the first five fields can be
        // compiled even for a pattern with variables; only the resource part is expanded per request.
        rp.fields = split_arn(rp.text);
        bool prefix_has_vars = false;
        for (size_t k = 0; k + 1 < rp.fields.count; ++k) prefix_has_vars |= has_variables(rp.fields.f[k]);
        if (!rp.variables || (rp.fields.count == 6 && !prefix_has_vars)) {
          rp.valid = pad_short_arn(rp.fields) && base::iequals(rp.fields.f[0], "arn");
          for (size_t k = 0; k < 6; ++k) rp.kinds[k] = field_kind(rp.fields.f[k]);
          rp.resource_part_vars = rp.variables;
        }
        if (rp.variables) rp.expansion = compile_text(rp.resource_part_vars ? rp.fields.f[5] : std::string_view(rp.text));
      }
  impl_->indexed_actions = action_index == ActionIndex::Build;
  if (!impl_->indexed_actions) return;
  const catalog::Catalog& cat = catalog::Catalog::builtin();
  std::vector<std::pair<catalog::Id, std::uint32_t>> pairs;  // (action id, statement), for the index
  for (std::uint32_t i = 0; i < p.statements.size(); ++i) {
    const Statement& s = p.statements[i];
    bool every = s.not_action || std::any_of(s.actions.begin(), s.actions.end(), [](const Str& a) { return a.value == "*"; });
    if (every) {
      impl_->always.push_back(i);
      continue;
    }
    // Patterns repeat across policies (batch mode compiles thousands): memoize their expansion.
    thread_local std::unordered_map<std::string, std::vector<catalog::Id>> memo;
    if (memo.size() > 50000) memo.clear();  // bound memory for adversarial inputs
    for (const auto& a : s.actions) {
      // As action_matches: without a colon only "*" (in `always`) matches; the catalog would
      // expand a run of stars such as "**" to every action.
      if (a.value.find(':') == std::string::npos) continue;
      auto it = memo.find(a.value);
      if (it == memo.end()) it = memo.emplace(a.value, cat.match_actions(a.value)).first;
      for (catalog::Id id : it->second) pairs.push_back({id, i});
    }
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < pairs.size(); ++i) distinct += i == 0 || pairs[i].first != pairs[i - 1].first;
  if (distinct) {
    std::size_t size = 4;
    while (size < distinct * 2) size *= 2;
    impl_->table.resize(size);
    impl_->indexed.reserve(pairs.size());
    for (std::size_t i = 0; i < pairs.size();) {
      std::size_t j = i;
      while (j < pairs.size() && pairs[j].first == pairs[i].first) impl_->indexed.push_back(pairs[j++].second);
      std::uint32_t k = CompiledPolicyImpl::slot_of(pairs[i].first, size - 1);
      while (impl_->table[k].id != catalog::kNoId) k = static_cast<std::uint32_t>((k + 1) & (size - 1));
      impl_->table[k] = {pairs[i].first, static_cast<std::uint32_t>(impl_->indexed.size() - (j - i)),
                         static_cast<std::uint32_t>(j - i)};
      i = j;
    }
  }
}

CompiledPolicy::~CompiledPolicy() = default;
CompiledPolicy::CompiledPolicy(CompiledPolicy&&) noexcept = default;
CompiledPolicy& CompiledPolicy::operator=(CompiledPolicy&&) noexcept = default;
const std::string& CompiledPolicy::name() const { return impl_->name; }
PolicyType CompiledPolicy::type() const { return impl_->type; }

// ---------------------------------------------------------------------------------------------
// Evaluation

namespace {

enum class PrincipalKindOfCaller : std::uint8_t { Anonymous, Service, User, Role, AssumedRole, FederatedUser, Root, Other };

/// The request, pre-digested once per evaluation.
struct Prepared {
  // A constructor, not aggregate initialization: the action buffer must not be zero-filled per call.
  explicit Prepared(const Request& r) : req(r) {}
  const Request& req;
  mutable catalog::Id action_id = catalog::kNoId;  // the request's action in the catalog, if there
  mutable bool action_resolved = false;            // looked up lazily: only indexed policies need it
  std::string_view action_lower;
  std::string_view action_service;  // lowercase, into action_buf / action_heap
  std::string_view action_name;     // lowercase
  char action_buf[128];
  std::string action_heap;          // for action names longer than action_buf
  ArnFields resource;
  bool resource_all = false;
  PrincipalKindOfCaller caller = PrincipalKindOfCaller::Other;
  std::string_view partition, account;
  std::string_view role_name;  // assumed-role sessions
  std::string federated_user_arn;  // user ARN a federated-user session came from
  std::string resource_account;
  bool has_boundary = false;
  std::vector<std::string>* missing = nullptr;  // explain mode only
};

bool is_service_principal(std::string_view p) {
  return p.substr(0, 4) != "arn:" && p.find('.') != std::string_view::npos;
}

void prepare_principal(Prepared& p) {
  std::string_view s = p.req.principal;
  if (s.empty() || s == "*" || s == "anonymous") {
    p.caller = PrincipalKindOfCaller::Anonymous;
    return;
  }
  if (is_service_principal(s)) {
    p.caller = PrincipalKindOfCaller::Service;
    return;
  }
  ArnFields a = split_arn(s);
  if (a.count < 6 || a.f[0] != "arn") return;
  p.partition = a.f[1];
  p.account = a.f[4];
  std::string_view res = a.f[5];
  if (a.f[2] == "iam") {
    if (res == "root") p.caller = PrincipalKindOfCaller::Root;
    else if (res.substr(0, 5) == "user/") p.caller = PrincipalKindOfCaller::User;
    else if (res.substr(0, 5) == "role/") p.caller = PrincipalKindOfCaller::Role;
  } else if (a.f[2] == "sts") {
    if (res.substr(0, 13) == "assumed-role/") {
      p.caller = PrincipalKindOfCaller::AssumedRole;
      std::string_view rest = res.substr(13);
      p.role_name = rest.substr(0, rest.find('/'));
    } else if (res.substr(0, 15) == "federated-user/") {
      p.caller = PrincipalKindOfCaller::FederatedUser;
      p.federated_user_arn =
          "arn:" + std::string(a.f[1]) + ":iam::" + std::string(a.f[4]) + ":user/" + std::string(res.substr(15));
    }
  }
}

// Expands a compiled text into a per-thread buffer (no allocation once warm); null when a variable
// has no value and no default. AWS: only single-valued keys can be variables.
const std::string* expand_into_scratch(const CompiledText& t, const Context& ctx) {
  thread_local std::string scratch;
  bool ok = expand_variables(scratch, t.parts, [&](const VariablePart& part) -> std::optional<std::string_view> {
    const Context::Entry* e = ctx.find_lower(part.key_lower, t.hashes[static_cast<size_t>(&part - t.parts.data())]);
    if (!e || e->multivalued || e->values.size() != 1) return std::nullopt;
    return std::string_view(e->values[0]);
  });
  return ok ? &scratch : nullptr;
}

bool action_matches(const CompiledStatement& s, const Prepared& p) {
  bool any = false;
  for (const auto& a : s.actions) {
    if (a.all) { any = true; break; }
    if (a.service != p.action_service) continue;
    if (a.literal ? a.name == p.action_name : glob_match(a.name, p.action_name, Case::Sensitive)) {
      any = true;
      break;
    }
  }
  return s.not_action ? !any : any;
}

// AWS: wildcards apply within each colon-separated ARN field; partition, service, region and account
// compare case-insensitively, the resource field case-sensitively; a trailing `*` in a short pattern
// (fewer than six fields) spans the remaining fields.
bool arn_fields_match(const ArnFields& pat, const ArnFields& req) {
  if (req.count < 6) return false;
  ArnFields pf = pat;
  if (!pad_short_arn(pf) || !base::iequals(pf.f[0], "arn")) return false;
  for (size_t i = 1; i < 5; ++i)
    if (!glob_match(pf.f[i], req.f[i], Case::Insensitive)) return false;
  return glob_match(pf.f[5], req.f[5], Case::Sensitive);
}

// The same for a compiled pattern: each field's kind was decided once. `resource_part`, when given,
// replaces the pattern's resource part (the expansion of its variables).
bool compiled_fields_match(const ResourcePattern& rp, const ArnFields& req, const std::string* resource_part = nullptr) {
  if (!rp.valid || req.count < 6) return false;
  for (size_t i = 1; i < 5; ++i) {
    switch (rp.kinds[i]) {
      case FieldKind::Any: break;
      case FieldKind::Exact: if (!base::iequals(rp.fields.f[i], req.f[i])) return false; break;
      case FieldKind::Glob: if (!glob_match(rp.fields.f[i], req.f[i], Case::Insensitive)) return false; break;
    }
  }
  if (resource_part) return glob_match(*resource_part, req.f[5], Case::Sensitive);
  switch (rp.kinds[5]) {
    case FieldKind::Any: return true;
    case FieldKind::Exact: return rp.fields.f[5] == req.f[5];
    case FieldKind::Glob: return glob_match(rp.fields.f[5], req.f[5], Case::Sensitive);
  }
  return false;
}

bool one_resource_matches(const ResourcePattern& rp, const Prepared& p) {
  if (rp.all) return true;
  if (p.resource_all) {
    // AWS (rule R7 in docs/semantics.md): an action without resource-level permissions is requested
    // on "*"; a service-wide pattern such as arn:aws:s3:::* or arn:aws:lambda:*:*:* also covers it.
    if (rp.variables || !rp.valid) return false;
    return glob_match(rp.fields.f[2], p.action_service, Case::Insensitive) && rp.fields.f[5] == "*";
  }
  // `rp.variables` is set only for 2012-10-17 policies; in older ones `${...}` is literal text.
  if (rp.variables) {
    if (rp.resource_part_vars) {
      const std::string* e = expand_into_scratch(rp.expansion, p.req.context);
      if (!e) return false;  // AWS: a variable with no value and no default matches nothing
      return compiled_fields_match(rp, p.resource, e);
    }
    const std::string* e = expand_into_scratch(rp.expansion, p.req.context);  // variables outside the resource part
    if (!e) return false;
    return arn_fields_match(split_arn(*e), p.resource);
  }
  return compiled_fields_match(rp, p.resource);
}

bool resource_matches(const CompiledStatement& s, const Prepared& p) {
  if (!s.has_resource) return true;  // trust policies: the resource is the role itself
  bool any = false;
  for (const auto& r : s.resources)
    if (one_resource_matches(r, p)) { any = true; break; }
  return s.not_resource ? !any : any;
}

PMatch principal_entry_match(const CompiledPrincipal& cp, const Prepared& p) {
  const PrincipalValue& pv = cp.value;
  if (p.caller == PrincipalKindOfCaller::Anonymous) return cp.wildcard ? PMatch::Match : PMatch::NoMatch;
  switch (pv.kind) {
    case PrincipalKind::Wildcard: return PMatch::Match;
    case PrincipalKind::Service:
    case PrincipalKind::Federated:
    case PrincipalKind::CanonicalUser: return pv.value == p.req.principal ? PMatch::Match : PMatch::NoMatch;
    case PrincipalKind::Aws: break;
  }
  if (cp.wildcard) return PMatch::Match;
  if (cp.account) return cp.account_id == p.account ? PMatch::AccountLevelMatch : PMatch::NoMatch;
  if (p.caller == PrincipalKindOfCaller::AssumedRole) {
    // AWS: a role ARN in a resource policy covers every session of that role (role path is not in
    // the session ARN, so the role is identified by account and name).
    if (cp.role && cp.role_partition == p.partition && cp.role_account == p.account &&
        base::iequals(cp.role_name, p.role_name))
      return PMatch::SessionRoleMatch;
  } else if (p.caller == PrincipalKindOfCaller::FederatedUser) {
    if (pv.value == p.federated_user_arn) return PMatch::SessionUserMatch;
  }
  return pv.value == p.req.principal ? PMatch::Match : PMatch::NoMatch;
}

PMatch principal_matches(const CompiledStatement& s, const Prepared& p) {
  if (!s.has_principal) return PMatch::NoMatch;
  PMatch best = PMatch::NoMatch;
  unsigned levels = 0;  // which of the caller's identities the entries name (one bit per PMatch)
  for (const auto& pv : s.principals) {
    PMatch m = principal_entry_match(pv, p);
    best = std::max(best, m);
    levels |= 1u << static_cast<unsigned>(m);
  }
  if (!s.not_principal) return best;
  // AWS: NotPrincipal applies to everyone not listed; a Deny with NotPrincipal always applies to a
  // principal that has a permissions boundary.
  if (s.effect == Effect::Deny && p.has_boundary) return PMatch::Match;
  if (s.effect == Effect::Deny) {
    // AWS (rule P9): with Deny, a caller is exempt only if every identity it acts as is listed: the
    // account and the user (IAM user, federated user), or the account, the role and the session.
    auto has = [&](PMatch m) { return (levels & (1u << static_cast<unsigned>(m))) != 0; };
    switch (p.caller) {
      case PrincipalKindOfCaller::User:
      case PrincipalKindOfCaller::FederatedUser:
        return has(PMatch::AccountLevelMatch) && has(PMatch::Match) ? PMatch::NoMatch : PMatch::Match;
      case PrincipalKindOfCaller::AssumedRole:
        return has(PMatch::AccountLevelMatch) && has(PMatch::SessionRoleMatch) && has(PMatch::Match) ? PMatch::NoMatch
                                                                                                      : PMatch::Match;
      default: break;
    }
  }
  return best == PMatch::NoMatch ? PMatch::Match : PMatch::NoMatch;
}

// --- conditions ---

// `a` may hold '\x01' literal marks (from variable expansion); compares as if they were removed.
bool equals_ignoring_marks(std::string_view a, std::string_view b, Case cs) {
  size_t j = 0;
  for (char ch : a) {
    if (ch == '\x01') continue;
    if (j == b.size()) return false;
    if (cs == Case::Sensitive ? ch != b[j] : base::ascii_lower(ch) != base::ascii_lower(b[j])) return false;
    ++j;
  }
  return j == b.size();
}

bool compare_one(const CompiledCondition& c, const CondValue& pv, std::string_view rv, const Prepared& p,
                 bool variables) {
  std::string_view ptext = pv.text;
  bool expanded = pv.variables && variables;
  if (expanded) {
    const std::string* e = expand_into_scratch(pv.expansion, p.req.context);
    if (!e) return false;  // AWS: an unresolved variable is "null": it equals nothing
    ptext = *e;
  }
  switch (c.compare) {
    case ConditionCompare::StringEquals:
      return expanded ? equals_ignoring_marks(ptext, rv, Case::Sensitive) : ptext == rv;
    case ConditionCompare::StringEqualsIgnoreCase:
      return expanded ? equals_ignoring_marks(ptext, rv, Case::Insensitive) : base::iequals(pv.lower, rv);
    case ConditionCompare::StringLike: return glob_match(ptext, rv, Case::Sensitive);
    case ConditionCompare::ArnLike: {
      // AWS: ArnLike/ArnEquals glob each of the six colon-separated fields, case-sensitively.
      ArnFields pf = split_arn(ptext), rf = split_arn(rv);
      if (pf.count != 6 || rf.count != 6) return false;
      for (size_t i = 0; i < 6; ++i)
        if (!glob_match(pf.f[i], rf.f[i], Case::Sensitive)) return false;
      return true;
    }
    case ConditionCompare::NumericEquals: case ConditionCompare::NumericLessThan:
    case ConditionCompare::NumericLessThanEquals: case ConditionCompare::NumericGreaterThan:
    case ConditionCompare::NumericGreaterThanEquals: case ConditionCompare::DateEquals:
    case ConditionCompare::DateLessThan: case ConditionCompare::DateLessThanEquals:
    case ConditionCompare::DateGreaterThan: case ConditionCompare::DateGreaterThanEquals: {
      bool date = c.compare >= ConditionCompare::DateEquals;
      std::optional<double> r = date ? parse_date(rv) : parse_number(rv);
      if (!pv.number || !r) return false;
      double a = *r, b = *pv.number;
      switch (c.compare) {
        case ConditionCompare::NumericEquals: case ConditionCompare::DateEquals: return a == b;
        case ConditionCompare::NumericLessThan: case ConditionCompare::DateLessThan: return a < b;
        case ConditionCompare::NumericLessThanEquals: case ConditionCompare::DateLessThanEquals: return a <= b;
        case ConditionCompare::NumericGreaterThan: case ConditionCompare::DateGreaterThan: return a > b;
        default: return a >= b;
      }
    }
    case ConditionCompare::Bool: {
      std::optional<bool> r = parse_bool(rv);
      std::optional<bool> b = expanded ? parse_bool(strip_literal_marks(ptext)) : pv.boolean;
      return r && b && *r == *b;
    }
    case ConditionCompare::BinaryEquals: {
      if (!pv.bytes) return false;
      std::optional<std::string> r = decode_base64(rv);
      return r ? *r == *pv.bytes : rv == *pv.bytes;
    }
    case ConditionCompare::IpAddress: {
      std::optional<IpNetwork> r = parse_ip(rv);
      return pv.ip && r && pv.ip->contains(*r);
    }
    case ConditionCompare::Null: return false;
  }
  return false;
}

// One context value against the policy values: OR for positive operators, NOR for negated ones.
bool single_match(const CompiledCondition& c, std::string_view rv, const Prepared& p, bool variables) {
  bool any = false;
  for (const auto& pv : c.values)
    if (compare_one(c, pv, rv, p, variables)) { any = true; break; }
  return c.negated ? !any : any;
}

bool condition_matches(const CompiledCondition& c, const Prepared& p, bool variables) {
  const Context::Entry* e = p.req.context.find_lower(c.key_lower, c.key_hash);
  if (!e && p.missing) p.missing->push_back(c.key);
  if (c.compare == ConditionCompare::Null) {
    // AWS: Null true = the key is absent; false = present. Values are OR'ed.
    bool present = e != nullptr;
    for (const auto& v : c.values)
      if (base::iequals(v.text, present ? "false" : "true")) return true;
    return false;
  }
  if (c.qualifier == Qualifier::ForAllValues) {
    // AWS: ForAllValues is true when the key is missing or empty (vacuous truth).
    if (!e || e->values.empty()) return true;
    for (const auto& v : e->values)
      if (!single_match(c, v, p, variables)) return false;
    return true;
  }
  if (c.qualifier == Qualifier::ForAnyValue) {
    if (!e || e->values.empty()) return false;
    for (const auto& v : e->values)
      if (single_match(c, v, p, variables)) return true;
    return false;
  }
  // AWS: a missing key makes ...IfExists and negated operators true, all others false.
  if (!e) return c.if_exists || c.negated;
  if (e->multivalued || e->values.size() != 1) return false;  // a set operator is needed for multivalued keys
  return single_match(c, e->values[0], p, variables);
}

bool conditions_match(const CompiledStatement& s, const Prepared& p, bool variables) {
  for (const auto& c : s.conditions)
    if (!condition_matches(c, p, variables)) return false;
  return true;
}

// A matched statement, cheap to record; turned into a StatementRef only when explaining.
struct Hit {
  const CompiledPolicyImpl* pol;
  const CompiledStatement* st;
};

struct Analysis {
  TypeResult result = TypeResult::ImplicitlyDenied;
  std::vector<Hit> allows, denies;  // recorded only when explaining
  int n_allow = 0, n_deny = 0;
  // resource policies: best principal match among allows / denies
  PMatch best_allow = PMatch::NoMatch, best_deny = PMatch::NoMatch;
  bool allow_account = false;       // resource policy: some Allow names only the caller's account
  bool allow_match = false;         // ... some Allow names the caller exactly (PMatch::Match)
  bool allow_via_wildcard_principal = false;
};

Hit ref(const CompiledPolicyImpl& pol, const CompiledStatement& s) { return {&pol, &s}; }

void explain_into(std::vector<StatementRef>& out, const std::vector<Hit>& hits) {
  for (const Hit& h : hits) out.push_back({h.pol->name, h.pol->type, h.st->index, h.st->sid, h.st->effect});
}

// Calls f(statement) for each statement whose Action/NotAction matches the request, in order.
template <class F>
void for_each_action_match(const CompiledPolicyImpl& pol, const Prepared& p, F&& f) {
  if (pol.indexed_actions && !p.action_resolved) {
    p.action_resolved = true;
    if (const catalog::Action* a = catalog::Catalog::builtin().find_action_lower(p.action_lower)) p.action_id = a->id;
  }
  if (p.action_id == catalog::kNoId || !pol.indexed_actions) {
    for (const auto& s : pol.statements)
      if (action_matches(s, p)) f(s);
    return;
  }
  const CompiledPolicyImpl::Slot* slot = pol.find(p.action_id);
  const std::uint32_t* it = slot ? pol.indexed.data() + slot->begin : nullptr;
  const std::uint32_t* end = slot ? it + slot->count : nullptr;
  size_t k = 0;
  // Merge the indexed statements (action known to match) with the always-checked ones, by index.
  while (it != end || k < pol.always.size()) {
    bool take_index = it != end && (k == pol.always.size() || *it < pol.always[k]);
    if (take_index) {
      f(pol.statements[*it]);
      ++it;
    } else {
      const auto& s = pol.statements[pol.always[k++]];
      if (action_matches(s, p)) f(s);
    }
  }
}

// Identity-style analysis (identity, boundary, session, one SCP/RCP level): no principal element.
Analysis analyze_identity(const std::vector<const CompiledPolicy*>& pols, const Prepared& p, bool resource_side) {
  Analysis a;
  for (const CompiledPolicy* cp : pols) {
    const CompiledPolicyImpl& pol = cp->impl();
    for_each_action_match(pol, p, [&](const CompiledStatement& s) {
      if (!resource_matches(s, p)) return;
      if (resource_side && s.has_principal && principal_matches(s, p) == PMatch::NoMatch) return;
      if (!conditions_match(s, p, pol.variables)) return;
      ++(s.effect == Effect::Deny ? a.n_deny : a.n_allow);
      if (p.missing) (s.effect == Effect::Deny ? a.denies : a.allows).push_back(ref(pol, s));
    });
  }
  a.result = a.n_deny ? TypeResult::ExplicitlyDenied
             : a.n_allow ? TypeResult::Allowed
                                 : TypeResult::ImplicitlyDenied;
  return a;
}

Analysis analyze_resource(const CompiledPolicy& cp, const Prepared& p) {
  Analysis a;
  const CompiledPolicyImpl& pol = cp.impl();
  for_each_action_match(pol, p, [&](const CompiledStatement& s) {
    if (!resource_matches(s, p)) return;
    PMatch m = principal_matches(s, p);
    if (m == PMatch::NoMatch) return;
    if (!conditions_match(s, p, pol.variables)) return;
    if (s.effect == Effect::Deny) {
      ++a.n_deny;
      if (p.missing) a.denies.push_back(ref(pol, s));
      a.best_deny = std::max(a.best_deny, m);
    } else {
      ++a.n_allow;
      if (p.missing) a.allows.push_back(ref(pol, s));
      a.allow_account |= m == PMatch::AccountLevelMatch;
      a.allow_match |= m == PMatch::Match;
      a.best_allow = std::max(a.best_allow, m);
      if (m == PMatch::Match && !s.not_principal)
        for (const auto& principal : s.principals)
          if (principal.wildcard) a.allow_via_wildcard_principal = true;
    }
  });
  if (a.best_deny >= PMatch::SessionRoleMatch) a.result = TypeResult::ExplicitlyDenied;
  else if (a.best_deny == PMatch::AccountLevelMatch) a.result = TypeResult::DeniedForAccount;
  else if (a.best_allow >= PMatch::SessionRoleMatch) a.result = TypeResult::Allowed;
  else if (a.best_allow == PMatch::AccountLevelMatch) a.result = TypeResult::AllowedForAccount;
  else a.result = TypeResult::ImplicitlyDenied;
  return a;
}

// Organization policies: every level needs an Allow; a Deny at any level denies.
TypeResult analyze_levels(const std::vector<std::vector<const CompiledPolicy*>>& levels, const Prepared& p,
                          std::vector<Hit>& denies, std::vector<Hit>& allows) {
  if (levels.empty()) return TypeResult::NotApplicable;
  bool denied = false, all_allow = true;
  for (const auto& level : levels) {
    Analysis a = analyze_identity(level, p, true);
    if (a.result == TypeResult::ExplicitlyDenied) denied = true;
    if (a.n_allow == 0) all_allow = false;
    if (p.missing) {
      denies.insert(denies.end(), a.denies.begin(), a.denies.end());
      allows.insert(allows.end(), a.allows.begin(), a.allows.end());
    }
  }
  return denied ? TypeResult::ExplicitlyDenied : all_allow ? TypeResult::Allowed : TypeResult::ImplicitlyDenied;
}

}  // namespace

Verdict evaluate(const PolicySet& ps, const Request& req, Explain explain) {
  Verdict v;
  Prepared p(req);
  std::vector<std::string> missing;
  if (explain == Explain::Yes) p.missing = &missing;
  {
    // Lowercase the action once, without allocating for ordinary names.
    std::string_view act = req.action;
    char* buf = p.action_buf;
    if (act.size() > sizeof p.action_buf) {
      p.action_heap.resize(act.size());
      buf = p.action_heap.data();
    }
    for (size_t i = 0; i < act.size(); ++i) buf[i] = base::ascii_lower(act[i]);
    std::string_view lower(buf, act.size());
    size_t colon = lower.find(':');
    p.action_service = lower.substr(0, colon == std::string_view::npos ? 0 : colon);
    p.action_name = colon == std::string_view::npos ? lower : lower.substr(colon + 1);
    p.action_lower = lower;
  }
  p.resource_all = req.resource == "*";
  if (!p.resource_all) p.resource = split_arn(req.resource);
  prepare_principal(p);
  p.has_boundary = !ps.boundaries.empty();
  // The resource's account: as given; else from its ARN; else (S3 ARNs, "*") the caller's own.
  p.resource_account = !req.resource_account.empty()  ? req.resource_account
                       : (!p.resource_all && p.resource.count == 6 && !p.resource.f[4].empty())
                           ? std::string(p.resource.f[4])
                           : std::string(p.account);
  bool authenticated = p.caller != PrincipalKindOfCaller::Anonymous;
  bool service_caller = p.caller == PrincipalKindOfCaller::Service;
  v.same_account = authenticated && !service_caller && !p.account.empty() && p.account == p.resource_account;

  // AWS: sts:GetCallerIdentity needs no permission.
  if (authenticated && p.action_service == "sts" && p.action_name == "getcalleridentity") {
    v.decision = Decision::Allowed;
    if (explain == Explain::Yes) v.reason = "sts:GetCallerIdentity is always allowed for an authenticated caller";
    return v;
  }

  Analysis id = analyze_identity(ps.identity, p, false);
  v.identity = ps.identity.empty() ? TypeResult::NotApplicable : id.result;
  Analysis res;
  if (ps.resource) {
    res = analyze_resource(*ps.resource, p);
    v.resource = res.result;
  } else {
    res.result = TypeResult::NotApplicable;
  }
  Analysis bnd, ses;
  if (!ps.boundaries.empty()) v.boundary = (bnd = analyze_identity(ps.boundaries, p, false)).result;
  if (!ps.session.empty()) v.session = (ses = analyze_identity(ps.session, p, false)).result;
  std::vector<Hit> scp_denies, scp_allows, rcp_denies, rcp_allows;
  // AWS (rule O4): SCPs limit the IAM principals of member accounts, not service principals or
  // anonymous callers.
  if (authenticated && !service_caller) v.scp = analyze_levels(ps.scp_levels, p, scp_denies, scp_allows);
  v.rcp = analyze_levels(ps.rcp_levels, p, rcp_denies, rcp_allows);

  // 1. Explicit deny anywhere wins.
  // AWS: a resource-policy Deny naming the caller's account denies too.
  bool explicit_deny = res.result == TypeResult::ExplicitlyDenied || res.result == TypeResult::DeniedForAccount ||
                       v.scp == TypeResult::ExplicitlyDenied || v.rcp == TypeResult::ExplicitlyDenied;
  if (authenticated)
    explicit_deny = explicit_deny || id.result == TypeResult::ExplicitlyDenied ||
                    v.boundary == TypeResult::ExplicitlyDenied || v.session == TypeResult::ExplicitlyDenied;
  if (explicit_deny) {
    v.decision = Decision::ExplicitlyDenied;
    if (explain == Explain::Yes) {
      for (auto* list : {&scp_denies, &rcp_denies, &res.denies}) explain_into(v.deciding, *list);
      if (authenticated)
        for (auto* list : {&id.denies, &bnd.denies, &ses.denies}) explain_into(v.deciding, *list);
      v.reason = "an explicit Deny statement applies";
    }
    goto done;
  }

  if (!authenticated) {
    // Anonymous callers: only a resource policy naming "*" can allow; RCPs still apply.
    if (res.result == TypeResult::Allowed && v.rcp != TypeResult::ImplicitlyDenied) {
      v.decision = Decision::Allowed;
      explain_into(v.deciding, res.allows);
      if (explain == Explain::Yes) v.reason = "the resource policy allows anonymous access";
    } else {
      v.decision = Decision::ImplicitlyDenied;
      if (explain == Explain::Yes) v.reason = res.result == TypeResult::Allowed ? "a resource control policy level has no matching Allow"
                                                   : "no resource policy statement allows anonymous access";
    }
    goto done;
  }

  // 2-3. Organization guardrails: every level must allow.
  if (v.rcp == TypeResult::ImplicitlyDenied || v.scp == TypeResult::ImplicitlyDenied) {
    v.decision = Decision::ImplicitlyDenied;
    if (explain == Explain::Yes) v.reason = v.scp == TypeResult::ImplicitlyDenied ? "a service control policy level has no matching Allow"
                                                     : "a resource control policy level has no matching Allow";
    goto done;
  }

  {
    bool resource_direct = res.result == TypeResult::Allowed;
    bool identity_allows = id.result == TypeResult::Allowed;
    bool allowed = false;
    const char* why = "";
    if (service_caller) {
      allowed = resource_direct;
      why = allowed ? "the resource policy allows the service principal" : "no resource policy statement allows the service principal";
    } else if (v.same_account) {
      // How the resource's service trusts the caller's account (AWS: KMS key policies and role trust
      // policies must trust the account explicitly; other services trust it implicitly).
      enum class Trust { Implicit, Explicit, None } trust = Trust::Implicit;
      bool kms_key = p.action_service == "kms" && (p.resource_all || p.resource.f[5].substr(0, 4) == "key/");
      bool account_allow = res.allow_account;
      if (kms_key) {
        trust = (p.resource_all) ? Trust::Implicit : account_allow ? Trust::Explicit : Trust::None;
      } else if (p.action_service == "sts" && ps.resource) {
        trust = account_allow ? Trust::Explicit : Trust::None;
      }
      switch (trust) {
        case Trust::Implicit:
        case Trust::Explicit: allowed = resource_direct || identity_allows; break;
        case Trust::None: allowed = resource_direct; break;
      }
      why = resource_direct ? "the resource policy names the caller"
            : identity_allows ? (trust == Trust::None ? "" : "an identity policy allows")
                              : "";
      if (!allowed)
        why = trust == Trust::None && identity_allows
                  ? (p.action_service == "kms" ? "the key policy does not trust the account" : "the trust policy does not trust the account")
                  : "no identity or resource policy statement allows the request";
    } else {
      // AWS: cross-account access needs both sides: the caller's identity policy and the resource policy.
      allowed = (res.result == TypeResult::Allowed || res.result == TypeResult::AllowedForAccount) && identity_allows;
      why = allowed ? "cross-account: both the identity policy and the resource policy allow"
            : identity_allows ? "cross-account: the resource policy does not allow the caller"
                              : "cross-account: no identity policy allows the request";
    }

    // Session policies: AWS: they limit identity grants, and grants to the role (not the session).
    if (allowed && !ps.session.empty() && v.session != TypeResult::Allowed) {
      // Only a grant naming the session itself escapes (not one naming the role or the user).
      bool bypass = v.same_account && res.allow_match;
      bypass = bypass && (p.caller == PrincipalKindOfCaller::AssumedRole || p.caller == PrincipalKindOfCaller::FederatedUser);
      if (!bypass) {
        allowed = false;
        why = "the session policy does not allow the request";
      }
    }
    // Permissions boundary: AWS: an implicit deny in the boundary blocks everything except, in the
    // same account, a resource policy that names the user or session ARN directly.
    if (allowed && !ps.boundaries.empty() && v.boundary != TypeResult::Allowed) {
      bool bypass = false;
      if (v.same_account && resource_direct && res.allow_match) {
        if (p.caller == PrincipalKindOfCaller::AssumedRole || p.caller == PrincipalKindOfCaller::User ||
            p.caller == PrincipalKindOfCaller::FederatedUser)
          bypass = true;
        else if (p.caller == PrincipalKindOfCaller::Role && res.allow_via_wildcard_principal)
          bypass = true;
      }
      if (!bypass) {
        allowed = false;
        why = "the permissions boundary does not allow the request";
      }
    }
    v.decision = allowed ? Decision::Allowed : Decision::ImplicitlyDenied;
    if (explain == Explain::Yes) v.reason = why;
    if (allowed && explain == Explain::Yes) {
      explain_into(v.deciding, id.allows);
      explain_into(v.deciding, res.allows);
    }
  }

done:
  if (explain == Explain::Yes) {
    std::sort(missing.begin(), missing.end());
    missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
    v.missing_context_keys = std::move(missing);
  }
  return v;
}

}  // namespace iamforge::policy
