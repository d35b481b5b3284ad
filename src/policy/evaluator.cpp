// The evaluator. Rules are numbered in docs/semantics.md; `// AWS:` marks each surprising one.
#include "iamforge/policy/evaluator.hpp"

#include <algorithm>
#include <array>
#include <cstring>
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

namespace {
inline std::size_t context_slot(std::uint64_t hash, std::size_t mask) {
  return static_cast<std::size_t>(hash ^ (hash >> 29)) & mask;
}
}  // namespace

void Context::reserve(std::size_t n) {
  entries_.reserve(n);
  if (n * 2 > index_.size()) reindex(n);
}

void Context::reindex(std::size_t room) {
  std::size_t size = 8;
  while (size < std::max(room, entries_.size()) * 2) size *= 2;
  index_.assign(size, 0);
  for (std::size_t e = 0; e < entries_.size(); ++e) {
    std::size_t i = context_slot(entries_[e].hash, size - 1);
    while (index_[i] != 0) i = (i + 1) & (size - 1);
    index_[i] = static_cast<std::uint32_t>(e + 1);
  }
}

void Context::set(std::string_view key, std::vector<std::string> values, bool multivalued) {
  std::string lower = base::to_lower(key);
  std::uint64_t h = hash_key(lower);
  if (Entry* e = const_cast<Entry*>(find_lower(lower, h))) {
    e->values = std::move(values);
    e->multivalued = multivalued;
    e->key = std::string(key);
    return;
  }
  Entry e;
  e.hash = h;
  e.multivalued = multivalued;
  e.key_lower = std::move(lower);
  e.values = std::move(values);
  e.key = std::string(key);
  entries_.push_back(std::move(e));
  if (entries_.size() * 2 > index_.size()) {
    reindex(entries_.size() * 2);  // doubling: amortised O(1) per key
  } else {
    std::size_t mask = index_.size() - 1, i = context_slot(h, mask);
    while (index_[i] != 0) i = (i + 1) & mask;
    index_[i] = static_cast<std::uint32_t>(entries_.size());
  }
}

const Context::Entry* Context::find_lower(std::string_view key_lower, std::uint64_t hash) const {
  if (index_.empty()) return nullptr;
  std::size_t mask = index_.size() - 1;
  for (std::size_t i = context_slot(hash, mask);; i = (i + 1) & mask) {
    std::uint32_t slot = index_[i];
    if (slot == 0) return nullptr;
    const Entry& e = entries_[slot - 1];
    if (e.hash == hash && e.key_lower == key_lower) return &e;
  }
}

const Context::Entry* Context::find(std::string_view key) const {
  std::uint64_t h = hash_key(key);
  if (index_.empty()) return nullptr;
  std::size_t mask = index_.size() - 1;
  for (std::size_t i = context_slot(h, mask);; i = (i + 1) & mask) {
    std::uint32_t slot = index_[i];
    if (slot == 0) return nullptr;
    const Entry& e = entries_[slot - 1];
    if (e.hash == h && base::iequals(e.key_lower, key)) return &e;
  }
}

// ---------------------------------------------------------------------------------------------
// Compiled form

namespace {

// An action pattern, its text in the statement's `action_text` (one allocation for all of them,
// so a NotAction list is a couple of cache lines rather than two strings per pattern).
struct ActionPattern {
  std::uint32_t offset = 0;       // service at offset, name right after it, both lowercase
  std::uint32_t service_len = 0;  // 0 with `all`
  std::uint32_t name_len = 0;     // lowercase glob
  bool all = false;               // "*"
  bool literal = false;           // no wildcard in name
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

// Field order: what matching reads first (flags, kinds, fields) shares the leading cache lines.
struct ResourcePattern {
  bool all = false;          // "*"
  bool variables = false;    // needs substitution per request
  bool valid = false;        // an ARN pattern with six fields (after padding a short one)
  bool resource_part_vars = false;  // variables only in the resource part: fields 1-4 compiled
  // A Glob resource part of the form `literal*` (the most common pattern): the literal's length, so
  // matching is one length check and one memcmp. 0 with prefix_star false: use glob_match.
  bool prefix_star = false;
  std::array<FieldKind, 6> kinds{};
  std::uint32_t prefix_len = 0;
  ArnFields fields;          // views into `text` (valid when !variables), short patterns padded with "*"
  std::string text;          // as written (variables unexpanded)
  CompiledText expansion;    // the resource part (resource_part_vars) or the whole text
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
  bool variables = false;
  std::optional<bool> boolean;
  std::optional<double> number;
  std::string text;            // raw (String/Arn/Bool/Binary compare on text)
  std::string lower;           // for IgnoreCase
  std::optional<IpNetwork> ip;
  std::optional<std::string> bytes;
  CompiledText expansion;      // when `variables`
};

struct CompiledCondition {
  ConditionCompare compare;
  bool negated;
  Qualifier qualifier;
  bool if_exists;
  std::uint64_t key_hash;
  std::string key_lower;
  std::vector<CondValue> values;
  std::string key;
};

}  // namespace

struct CompiledStatement {  // hot fields first: flags, resources and conditions share a cache line
  Effect effect;
  bool not_action;
  bool has_resource;
  bool not_resource;
  bool has_principal;
  bool not_principal;
  std::uint32_t index;
  std::vector<ResourcePattern> resources;
  std::vector<CompiledCondition> conditions;
  std::vector<ActionPattern> actions;
  std::string action_text;  // the patterns' text (see ActionPattern)
  std::vector<CompiledPrincipal> principals;
  std::string sid;
};

struct CompiledPolicyImpl {  // hot fields first; the name and type matter only when explaining
  bool variables;  // Version 2012-10-17: policy variables are substituted
  bool indexed_actions = false;  // false: match every statement's action patterns directly
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
  std::vector<Slot> table;  // size a power of two, at most half full
  std::vector<std::uint32_t> indexed;
  std::vector<std::uint32_t> always;
  std::string name;
  PolicyType type;

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

ActionPattern compile_action(std::string_view a, std::string& text) {
  ActionPattern p;
  p.offset = static_cast<std::uint32_t>(text.size());
  if (a == "*") {
    p.all = true;
    return p;
  }
  size_t colon = a.find(':');
  if (colon == std::string_view::npos) {
    text += "\x02";  // never matches: malformed action (the validator reports it)
    p.service_len = 1;
    return p;
  }
  std::string service = base::to_lower(a.substr(0, colon)), name = base::to_lower(a.substr(colon + 1));
  text += service;
  text += name;
  p.service_len = static_cast<std::uint32_t>(service.size());
  p.name_len = static_cast<std::uint32_t>(name.size());
  p.literal = !has_wildcard(name);
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
    for (const auto& a : s.actions) c.actions.push_back(compile_action(a.value, c.action_text));
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
          if (rp.kinds[5] == FieldKind::Glob && !rp.variables) {  // (a variable part is expanded per request)
            std::string_view f = rp.fields.f[5];
            size_t lit = f.find_first_of(std::string_view("*?\x01", 3));
            if (lit == f.size() - 1 && f.back() == '*') {
              rp.prefix_star = true;
              rp.prefix_len = static_cast<std::uint32_t>(lit);
            }
          }
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

// Equality with a literal, inline: a length check and a fixed-size compare the compiler expands
// (string_view's operator== calls memcmp out of line; these run several times per request).
template <std::size_t N>
inline bool eq_lit(std::string_view s, const char (&lit)[N]) {
  return s.size() == N - 1 && std::memcmp(s.data(), lit, N - 1) == 0;
}
template <std::size_t N>
inline bool starts_lit(std::string_view s, const char (&lit)[N]) {
  return s.size() >= N - 1 && std::memcmp(s.data(), lit, N - 1) == 0;
}
inline bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}
constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL, kHigh = 0x8080808080808080ULL, kOnes = 0x0101010101010101ULL;

// Eight bytes in ASCII lowercase at once (SWAR): exactly the bytes 'A'..'Z' get +0x20; bytes >= 0x80
// are unchanged, as base::ascii_lower leaves them.
inline std::uint64_t lower8(std::uint64_t w) {
  std::uint64_t h = w & kLow7;  // no carry between bytes below: h + 0x3f <= 0xbe
  std::uint64_t upper = (h + kOnes * (0x80 - 'A')) & ~(h + kOnes * (0x80 - 'Z' - 1)) & ~w & kHigh;  // 'A'..'Z'
  return w | (upper >> 2);
}

// Copies `s` to `out` in ASCII lowercase, eight bytes at a time, and returns the position of its
// first ':' (npos when none).
size_t lower_ascii_find_colon(std::string_view s, char* out) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the SWAR scan takes the lowest byte first");
  size_t colon = std::string_view::npos, i = 0;
  const size_t n = s.size();
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    std::uint64_t lw = lower8(w);
    std::memcpy(out + i, &lw, 8);
    if (colon == std::string_view::npos) {
      std::uint64_t x = w ^ (kOnes * ':');
      std::uint64_t z = ~(((x & kLow7) + kLow7) | x | kLow7);  // 0x80 exactly in each ':' byte
      if (z) colon = i + static_cast<size_t>(__builtin_ctzll(z) >> 3);
    }
  }
  for (; i < n; ++i) {
    if (s[i] == ':' && colon == std::string_view::npos) colon = i;
    out[i] = base::ascii_lower(s[i]);
  }
  return colon;
}

// ASCII case-insensitive equality, inline, length first (most mismatches stop there).
inline bool ieq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  std::size_t i = 0;
  for (; i + 8 <= a.size(); i += 8) {
    std::uint64_t wa, wb;
    std::memcpy(&wa, a.data() + i, 8);
    std::memcpy(&wb, b.data() + i, 8);
    if (wa != wb && lower8(wa) != lower8(wb)) return false;
  }
  if (i < a.size() && a.size() >= 8) {  // the tail: the last eight bytes (overlapping what was compared)
    std::uint64_t wa, wb;
    std::memcpy(&wa, a.data() + a.size() - 8, 8);
    std::memcpy(&wb, b.data() + b.size() - 8, 8);
    return wa == wb || lower8(wa) == lower8(wb);
  }
  for (; i < a.size(); ++i)
    if (base::ascii_lower(a[i]) != base::ascii_lower(b[i])) return false;
  return true;
}

// The request's action in the catalog, memoized per thread in a small direct-mapped cache keyed by
// the lowercase name (the catalog's own lookup hashes the whole string through std::hash and a
// node-based table: ~180 instructions; a hit here is a short hash, one compare).
catalog::Id lookup_action_id(std::string_view lower) {
  struct Slot {
    std::string name;
    catalog::Id id = catalog::kNoId;
    bool used = false;
  };
  constexpr std::size_t kSlots = 256;
  thread_local std::array<Slot, kSlots> cache;
  std::uint64_t h = lower.size() * 0x9E3779B97F4A7C15ULL;
  if (lower.size() >= 8) {
    std::uint64_t a, b;
    std::memcpy(&a, lower.data(), 8);
    std::memcpy(&b, lower.data() + lower.size() - 8, 8);
    h ^= (a * 0xC2B2AE3D27D4EB4FULL) ^ (b * 0x165667B19E3779F9ULL);
  } else {
    for (char c : lower) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
  }
  Slot& slot = cache[(h ^ (h >> 32) ^ (h >> 15)) & (kSlots - 1)];
  if (slot.used && slot.name == lower) return slot.id;
  const catalog::Action* a = catalog::Catalog::builtin().find_action_lower(lower);
  slot.name.assign(lower);
  slot.id = a ? a->id : catalog::kNoId;
  slot.used = true;
  return slot.id;
}

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
  std::string_view resource_account;
  bool has_boundary = false;
  std::vector<std::string>* missing = nullptr;  // explain mode only
};

bool is_service_principal(std::string_view p) {
  return p.substr(0, 4) != "arn:" && p.find('.') != std::string_view::npos;
}

void prepare_principal(Prepared& p) {
  std::string_view s = p.req.principal;
  if (s.empty() || eq_lit(s, "*") || eq_lit(s, "anonymous")) {
    p.caller = PrincipalKindOfCaller::Anonymous;
    return;
  }
  if (is_service_principal(s)) {
    p.caller = PrincipalKindOfCaller::Service;
    return;
  }
  ArnFields a = split_arn(s);
  if (a.count < 6 || !eq_lit(a.f[0], "arn")) return;
  p.partition = a.f[1];
  p.account = a.f[4];
  std::string_view res = a.f[5];
  if (eq_lit(a.f[2], "iam")) {
    if (eq_lit(res, "root")) p.caller = PrincipalKindOfCaller::Root;
    else if (starts_lit(res, "user/")) p.caller = PrincipalKindOfCaller::User;
    else if (starts_lit(res, "role/")) p.caller = PrincipalKindOfCaller::Role;
  } else if (eq_lit(a.f[2], "sts")) {
    if (starts_lit(res, "assumed-role/")) {
      p.caller = PrincipalKindOfCaller::AssumedRole;
      std::string_view rest = res.substr(13);
      p.role_name = rest.substr(0, rest.find('/'));
    } else if (starts_lit(res, "federated-user/")) {
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
  const char* text = s.action_text.data();
  for (const auto& a : s.actions) {
    if (a.all) { any = true; break; }
    if (!same(std::string_view(text + a.offset, a.service_len), p.action_service)) continue;
    std::string_view name(text + a.offset + a.service_len, a.name_len);
    if (a.literal ? same(name, p.action_name) : glob_match(name, p.action_name, Case::Sensitive)) {
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
// Every field must match, so the order is free: the resource part first (the action index has
// already chosen statements of the request's service, so the resource part is what tells them apart).
bool compiled_fields_match(const ResourcePattern& rp, const ArnFields& req, const std::string* resource_part = nullptr) {
  if (!rp.valid || req.count < 6) return false;
  if (resource_part) {
    if (!glob_match(*resource_part, req.f[5], Case::Sensitive)) return false;
  } else {
    switch (rp.kinds[5]) {
      case FieldKind::Any: break;
      case FieldKind::Exact:
        if (rp.fields.f[5].size() != req.f[5].size() ||
            std::memcmp(rp.fields.f[5].data(), req.f[5].data(), req.f[5].size()) != 0)
          return false;
        break;
      case FieldKind::Glob:
        if (rp.prefix_star) {
          if (req.f[5].size() < rp.prefix_len || std::memcmp(rp.fields.f[5].data(), req.f[5].data(), rp.prefix_len) != 0)
            return false;
        } else if (!glob_match(rp.fields.f[5], req.f[5], Case::Sensitive)) {
          return false;
        }
        break;
    }
  }
  for (size_t i = 1; i < 5; ++i) {
    switch (rp.kinds[i]) {
      case FieldKind::Any: break;
      case FieldKind::Exact: if (!ieq(rp.fields.f[i], req.f[i])) return false; break;
      case FieldKind::Glob: if (!glob_match(rp.fields.f[i], req.f[i], Case::Insensitive)) return false; break;
    }
  }
  return true;
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
        ieq(cp.role_name, p.role_name))
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
      return expanded ? equals_ignoring_marks(ptext, rv, Case::Sensitive) : same(ptext, rv);
    case ConditionCompare::StringEqualsIgnoreCase:
      return expanded ? equals_ignoring_marks(ptext, rv, Case::Insensitive) : ieq(pv.lower, rv);
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
      if (ieq(v.text, present ? "false" : "true")) return true;
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
    p.action_id = lookup_action_id(p.action_lower);
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
    size_t colon = lower_ascii_find_colon(act, buf);
    std::string_view lower(buf, act.size());
    p.action_service = lower.substr(0, colon == std::string_view::npos ? 0 : colon);
    p.action_name = colon == std::string_view::npos ? lower : lower.substr(colon + 1);
    p.action_lower = lower;
  }
  p.resource_all = eq_lit(req.resource, "*");
  if (!p.resource_all) p.resource = split_arn(req.resource);
  prepare_principal(p);
  p.has_boundary = !ps.boundaries.empty();
  // The resource's account: as given; else from its ARN; else (S3 ARNs, "*") the caller's own.
  p.resource_account = !req.resource_account.empty()  ? std::string_view(req.resource_account)
                       : (!p.resource_all && p.resource.count == 6 && !p.resource.f[4].empty())
                           ? p.resource.f[4]
                           : p.account;
  bool authenticated = p.caller != PrincipalKindOfCaller::Anonymous;
  bool service_caller = p.caller == PrincipalKindOfCaller::Service;
  v.same_account = authenticated && !service_caller && !p.account.empty() && same(p.account, p.resource_account);

  // AWS: sts:GetCallerIdentity needs no permission.
  if (authenticated && eq_lit(p.action_service, "sts") && eq_lit(p.action_name, "getcalleridentity")) {
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
