// The evaluator. Rules are numbered in docs/semantics.md; `// AWS:` marks each surprising one.
#include "iamforge/policy/evaluator.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
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
  // base::hash_words ignoring case, then a full final mix: the index uses both halves (slot from
  // the low bits, tag from the high ones).
  std::uint64_t h = base::hash_words(key, true);
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  return h ^ (h >> 33);
}

namespace {
inline std::size_t context_slot(std::uint64_t hash, std::size_t mask) {
  return static_cast<std::size_t>(hash ^ (hash >> 29)) & mask;
}
}  // namespace

void Context::reserve(std::size_t n) {
  entries_.reserve(n);
  compact_.reserve(n * 48);  // (a key and its value: ~45 bytes in the corpus)
  if (n * 2 > index_.size()) reindex(n);
}

// Points `s` at entry `e` and appends its lowercase key (`key_lower`) and single value to compact_.
void Context::fill(Slot& s, std::size_t e, std::string_view key_lower) {
  const Entry& en = entries_[e];
  s.tag = static_cast<std::uint32_t>(en.hash >> 32);
  s.entry = static_cast<std::uint32_t>(e + 1);
  s.at = static_cast<std::uint32_t>(compact_.size());
  bool single = !en.multivalued && en.values.size() == 1;
  std::size_t need = key_lower.size() + (single ? en.values[0].size() : 0);
  bool fits = key_lower.size() < kLong && (!single || en.values[0].size() < kLong) && compact_.size() + need <= 0xFFFFFFFFu;
  if (!fits) {  // (absurd sizes) lookups compare the entry's key itself
    s.key_len = s.value_len = kLong;
    return;
  }
  s.key_len = static_cast<std::uint16_t>(key_lower.size());
  s.value_len = single ? static_cast<std::uint16_t>(en.values[0].size()) : kLong;
  compact_ += key_lower;
  if (single) compact_ += en.values[0];
}

void Context::reindex(std::size_t room) {
  std::size_t size = 8;
  while (size < std::max(room, entries_.size()) * 2) size *= 2;
  index_.assign(size, Slot{});
  compact_.clear();
  std::string lower;
  for (std::size_t e = 0; e < entries_.size(); ++e) {
    std::size_t i = context_slot(entries_[e].hash, size - 1);
    while (index_[i].entry != 0) i = (i + 1) & (size - 1);
    lower.resize(entries_[e].key.size());
    base::lower_into(lower.data(), entries_[e].key);
    fill(index_[i], e, lower);
  }
}

std::size_t Context::probe(std::string_view key_lower, std::uint64_t hash) const {
  const std::size_t mask = index_.size() - 1;
  const auto tag = static_cast<std::uint32_t>(hash >> 32);
  for (std::size_t i = context_slot(hash, mask);; i = (i + 1) & mask) {
    const Slot& s = index_[i];
    if (s.entry == 0) return i;
    if (s.tag != tag) continue;
    if (s.key_len != kLong ? s.key_len == key_lower.size() &&
                                 base::equal_bytes(compact_.data() + s.at, key_lower.data(), key_lower.size())
                           : base::iequals(entries_[s.entry - 1].key, key_lower))
      return i;
  }
}

void Context::set(std::string_view key, std::vector<std::string> values, bool multivalued) {
  char buf[96];  // the lowercase key, without allocating for ordinary keys
  std::string heap;
  char* lower_at = buf;
  if (key.size() > sizeof buf) {
    heap.resize(key.size());
    lower_at = heap.data();
  }
  base::lower_into(lower_at, key);
  const std::string_view lower(lower_at, key.size());
  const std::uint64_t h = hash_key(key);
  if (!index_.empty()) {
    std::size_t i = probe(lower, h);
    if (index_[i].entry != 0) {  // replace
      Entry& e = entries_[index_[i].entry - 1];
      e.values = std::move(values);
      e.multivalued = multivalued;
      e.key.assign(key);
      fill(index_[i], index_[i].entry - 1, lower);
      return;
    }
  }
  Entry& e = entries_.emplace_back();
  e.hash = h;
  e.multivalued = multivalued;
  e.values = std::move(values);
  e.key.assign(key);
  if (entries_.size() * 2 > index_.size()) {
    reindex(entries_.size() * 2);  // doubling: amortised O(1) per key
  } else {
    std::size_t mask = index_.size() - 1, i = context_slot(h, mask);
    while (index_[i].entry != 0) i = (i + 1) & mask;
    fill(index_[i], entries_.size() - 1, lower);
  }
}

void Context::set(std::string_view key, std::string value) {
  std::vector<std::string> one;  // (not `{std::move(value)}`: an initializer list is copied from)
  one.reserve(1);
  one.push_back(std::move(value));
  set(key, std::move(one), false);
}

const Context::Entry* Context::find_lower(std::string_view key_lower, std::uint64_t hash) const {
  if (index_.empty()) return nullptr;
  std::uint32_t entry = index_[probe(key_lower, hash)].entry;
  return entry ? &entries_[entry - 1] : nullptr;
}

Context::Found Context::find_compact(std::string_view key_lower, std::uint64_t hash) const {
  Found f;
  if (index_.empty()) return f;
  const Slot& s = index_[probe(key_lower, hash)];
  if (s.entry == 0) return f;
  f.entry = &entries_[s.entry - 1];
  if (s.value_len != kLong) {
    f.single = std::string_view(compact_.data() + s.at + s.key_len, s.value_len);
    f.has_single = true;
  }
  return f;
}

const Context::Entry* Context::find(std::string_view key) const {
  std::uint64_t h = hash_key(key);
  if (index_.empty()) return nullptr;
  std::size_t mask = index_.size() - 1;
  const auto tag = static_cast<std::uint32_t>(h >> 32);
  for (std::size_t i = context_slot(h, mask);; i = (i + 1) & mask) {
    const Slot& s = index_[i];
    if (s.entry == 0) return nullptr;
    if (s.tag != tag) continue;
    const Entry& e = entries_[s.entry - 1];
    if (e.hash == h && base::iequals(e.key, key)) return &e;
  }
}

// ---------------------------------------------------------------------------------------------
// Compiled form
//
// A compiled policy is one contiguous buffer (the "blob"), so evaluating a policy that is not in
// cache touches a few adjacent cache lines instead of chasing pointers through vectors and strings.
// Records are trivially copyable structs at aligned byte offsets; every string is a `Text`
// (offset, length) into the same blob, and every list is (count, byte offset of the first record).
//
//   blob (one allocation, owned by CompiledPolicy):
//     CompiledPolicyImpl  the header: counts and offsets of what follows, the name, the type
//     action table      Slot[2^k]: catalog action id -> run of `indexed` (open addressing)
//     indexed           u32[]: statement offsets, grouped by action id, in statement order (each
//                       action's first statement is in its Slot instead)
//     always            u32[]: offsets of the statements checked for every action (NotAction, "*"),
//                       bit 0 set for "*" (kEveryAction)
//     statements        u32[]: offset of every statement (unindexed policies, explaining)
//     per statement, in order, each statement's data together:
//       CompiledStatement, ResourcePattern[], CompiledCondition[], CondValue[] (all of its
//       conditions' values), ActionPattern[], CompiledPrincipal[], then variable parts (VarPart[])
//       and text (patterns, keys, values, sid)
//
// The records used to decide most statements (statement flags, resource patterns, conditions)
// come first in each statement's run, and their text right after them.

namespace {

struct Text {  // a string in the blob
  std::uint32_t off = 0, len = 0;
};

// An action pattern: service at `offset`, name right after it, both lowercase.
struct ActionPattern {
  std::uint32_t offset = 0;
  std::uint32_t service_len = 0;  // 0 with `all`
  std::uint32_t name_len = 0;     // lowercase glob
  bool all = false;               // "*"
  bool literal = false;           // no wildcard in name
};

// One piece of a text with policy variables (see VariablePart), the key's context hash precomputed.
struct VarPart {
  std::uint64_t hash = 0;  // Variable: Context::hash_key(key_lower)
  VariablePart::Kind kind = VariablePart::Kind::Literal;
  bool has_fallback = false;
  Text text;       // Literal: the text; Escape: the character
  Text key_lower;  // Variable
  Text fallback;   // Variable with a default
};

struct Parts {  // a run of VarPart
  std::uint32_t count = 0, off = 0;
};

// How one ARN field of a pattern matches, decided at compile time.
enum class FieldKind : std::uint8_t { Glob, Exact, Any };

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
  std::array<Text, 6> fields{};  // (when valid) short patterns padded with "*"
  Parts expansion;               // the resource part (resource_part_vars) or the whole text
};

struct CompiledPrincipal {
  PrincipalKind kind = PrincipalKind::Wildcard;
  bool wildcard = false;  // "*" or {"AWS":"*"}
  bool account = false;   // 123456789012 or arn:...:iam::123456789012:root
  bool role = false;      // arn:...:iam::A:role/path/name
  Text value, account_id, role_partition, role_account, role_name;
};

enum class PMatch : std::uint8_t { NoMatch, AccountLevelMatch, SessionRoleMatch, SessionUserMatch, Match };

// A condition's value: 32 bytes, two per cache line; the typed form, when the operator has one,
// in a record of its own (`typed`) so a list of values stays dense.
struct CondValue {
  bool variables = false;
  bool has_typed = false;   // the typed form parsed: a number or date (double), a bool (`boolean`),
                            // an IpNetwork, decoded bytes (`aux`), or ArnLike's six fields (Text[6])
  bool boolean = false;
  Text text;                // raw (String/Arn/Bool/Binary compare on text)
  Text aux;                 // IgnoreCase: lowercase text; BinaryEquals: the decoded bytes
  Parts expansion;          // when `variables`
  std::uint32_t typed = 0;  // offset of the double, IpNetwork or Text[6]
};

struct CompiledCondition {
  ConditionCompare compare = ConditionCompare::StringEquals;
  bool negated = false;
  Qualifier qualifier = Qualifier::None;
  bool if_exists = false;
  std::uint32_t n_values = 0, values = 0;
  std::uint64_t key_hash = 0;
  Text key_lower;
  Text key;  // as written (explaining)
};

}  // namespace

struct CompiledStatement {  // flags first; then where the statement's records are
  Effect effect = Effect::Allow;
  bool not_action = false;
  bool has_resource = false;
  bool not_resource = false;
  bool has_principal = false;
  bool not_principal = false;
  std::uint32_t index = 0;
  std::uint32_t n_resources = 0, resources = 0;
  std::uint32_t n_conditions = 0, conditions = 0;
  std::uint32_t n_actions = 0, actions = 0;
  std::uint32_t n_principals = 0, principals = 0;
  Text sid;
};

struct CompiledPolicyImpl {  // hot fields first; the name and type matter only when explaining
  bool variables = false;        // Version 2012-10-17: policy variables are substituted
  bool indexed_actions = false;  // false: match every statement's action patterns directly
  // Action index, resolved against the catalog once: an open-addressing hash table (one probe,
  // usually one cache miss) from action id to a run of statement offsets in `indexed`, and the
  // statements that must be checked for every action (NotAction, "*"). A request for an action
  // outside the catalog falls back to checking every statement's patterns.
  struct Slot {  // 16 bytes, four per cache line
    catalog::Id id = catalog::kNoId;
    std::uint32_t count = 0;  // statements for this action
    std::uint32_t first = 0;  // the first one's offset (most actions name one statement: no further load)
    std::uint32_t rest = 0;   // count > 1: offset of the other count - 1 statement offsets in `indexed`
  };
  // `always` entries are statement offsets (multiples of 4) with bit 0 set when the statement's
  // Action list has "*", so it matches without reading its patterns.
  static constexpr std::uint32_t kEveryAction = 1;
  std::uint32_t table_mask = 0, table = 0;  // table_mask + 1 slots at `table` (none when n_table == 0)
  std::uint32_t n_table = 0;
  std::uint32_t n_always = 0, always = 0;
  std::uint32_t n_statements = 0, statements = 0;
  std::uint32_t n_context_keys = 0, context_keys = 0;  // std::uint64_t[], ascending (CompiledPolicy::context_keys)
  std::uint64_t context_key_lengths = 0;                // (CompiledPolicy::context_key_lengths)
  std::uint32_t size = 0;         // bytes in the blob, this header included
  std::string name;
  PolicyType type = PolicyType::Identity;

  // The blob is one allocation that starts with this header (placed there when compiling is done):
  // a decision reaches the action table from the policy in one dependent load, not two.
  const std::byte* base() const { return reinterpret_cast<const std::byte*>(this); }
  template <class T>
  const T* at(std::uint32_t off) const {  // the records were memcpy'd here (implicit-lifetime types)
    return std::launder(reinterpret_cast<const T*>(base() + off));
  }
  std::string_view str(Text t) const { return {reinterpret_cast<const char*>(base()) + t.off, t.len}; }
  static std::uint32_t slot_of(catalog::Id id, std::size_t mask) {
    return static_cast<std::uint32_t>((id * 0x9E3779B1u) & mask);
  }
  const Slot* find(catalog::Id id) const {
    if (n_table == 0) return nullptr;
    const Slot* t = at<Slot>(table);
    for (std::uint32_t i = slot_of(id, table_mask);; i = (i + 1) & table_mask) {
      if (t[i].id == id) return &t[i];
      if (t[i].id == catalog::kNoId) return nullptr;
    }
  }
  const CompiledStatement& statement(std::uint32_t k) const {
    return *at<CompiledStatement>(at<std::uint32_t>(statements)[k]);
  }
};

namespace {

// Builds a blob: room for the policy's header first (CompiledPolicyImpl, placed there at the end),
// then records at aligned offsets (patched in place as they are filled), text appended. The buffer
// grows by doubling without zero-filling (every byte handed out is written: records by array(),
// text by text(), the header by placement new), and becomes the policy without a copy.
constexpr std::size_t kHeaderBytes = (sizeof(CompiledPolicyImpl) + 15) / 16 * 16;

class BlobWriter {
 public:
  explicit BlobWriter(std::size_t capacity) {
    grow(std::max<std::size_t>(capacity, kHeaderBytes + 64));
    size_ = kHeaderBytes;
  }
  template <class T>
  std::uint32_t array(std::size_t n) {  // room for n default records; returns the first's offset
    static_assert(std::is_trivially_copyable_v<T> && alignof(T) <= alignof(std::max_align_t));
    std::size_t off = (size_ + alignof(T) - 1) / alignof(T) * alignof(T);
    const std::size_t pad = off - size_;
    std::byte* at = extend(pad + n * sizeof(T));
    if (pad) std::memset(at, 0, pad);  // (alignment padding: the blob has no unwritten byte)
    for (std::size_t i = 0; i < n; ++i) put(static_cast<std::uint32_t>(off), i, T{});
    return static_cast<std::uint32_t>(off);
  }
  template <class T>
  void put(std::uint32_t off, std::size_t i, const T& v) {
    std::memcpy(buf_.get() + off + i * sizeof(T), &v, sizeof(T));
  }
  Text text(std::string_view s) {
    Text t{static_cast<std::uint32_t>(size_), static_cast<std::uint32_t>(s.size())};
    std::byte* at = extend(s.size());
    if (!s.empty()) std::memcpy(at, s.data(), s.size());
    return t;
  }
  Text text_lower(std::string_view s) {  // the text in ASCII lowercase
    Text t{static_cast<std::uint32_t>(size_), static_cast<std::uint32_t>(s.size())};
    base::lower_into(reinterpret_cast<char*>(extend(s.size())), s);
    return t;
  }
  std::size_t size() const { return size_; }
  std::unique_ptr<std::byte[]> release() { return std::move(buf_); }
  std::vector<std::uint64_t> context_keys;  // Context::hash_key of every key the records read
  std::uint64_t context_key_lengths = 0;    // bit min(length, 63) of each of those keys
  void read_key(std::string_view key, std::uint64_t hash) {
    context_keys.push_back(hash);
    context_key_lengths |= std::uint64_t{1} << std::min<std::size_t>(key.size(), 63);
  }

 private:
  std::byte* extend(std::size_t n) {  // n more bytes at the end (not initialized)
    if (size_ + n > cap_) grow(std::max(2 * cap_, size_ + n));
    std::byte* at = buf_.get() + size_;
    size_ += n;
    return at;
  }
  void grow(std::size_t cap) {
    std::unique_ptr<std::byte[]> fresh(new std::byte[cap]);  // operator new[]: aligned for every record
    if (size_) std::memcpy(fresh.get(), buf_.get(), size_);
    buf_ = std::move(fresh);
    cap_ = cap;
  }
  std::unique_ptr<std::byte[]> buf_;
  std::size_t size_ = 0, cap_ = 0;
};

// A text with policy variables, parsed once; each variable's key hash precomputed for the context.
Parts compile_text(BlobWriter& w, std::string_view text) {
  std::vector<VariablePart> parts = parse_variables(text);
  Parts r{static_cast<std::uint32_t>(parts.size()), w.array<VarPart>(parts.size())};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const VariablePart& p = parts[i];
    VarPart v;
    v.kind = p.kind;
    v.text = w.text(p.text);
    if (p.kind == VariablePart::Kind::Variable) {
      v.key_lower = w.text(p.key_lower);
      v.hash = Context::hash_key(p.key_lower);
      w.read_key(p.key_lower, v.hash);
      v.has_fallback = p.fallback.has_value();
      if (p.fallback) v.fallback = w.text(*p.fallback);
    }
    w.put(r.off, i, v);
  }
  return r;
}

FieldKind field_kind(std::string_view f) {
  if (f == "*") return FieldKind::Any;
  // Any `*` or `?` is either a wildcard or marked literal (after a '\x01'): both need glob_match.
  return find_glob_byte(f) != std::string_view::npos ? FieldKind::Glob : FieldKind::Exact;
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

// A field of `whole` (a view into it) or a padding "*": its place in the blob, where `whole` is at `t`.
Text field_text(BlobWriter& w, std::string_view whole, Text t, std::string_view f) {
  if (f.data() >= whole.data() && f.data() + f.size() <= whole.data() + whole.size())
    return {t.off + static_cast<std::uint32_t>(f.data() - whole.data()), static_cast<std::uint32_t>(f.size())};
  return w.text(f);  // padding
}

ResourcePattern compile_resource(BlobWriter& w, const std::string& value, bool policy_variables) {
  ResourcePattern rp;
  rp.all = value == "*";
  rp.variables = policy_variables && has_variables(value);
  if (rp.all) return rp;
  Text whole = w.text(value);
  // AWS: variables may appear only in the resource part, so the first five fields can be
  // compiled even for a pattern with variables; only the resource part is expanded per request.
  ArnFields fields = split_arn(value);
  bool prefix_has_vars = false;  // (only asked when the whole pattern has one)
  if (rp.variables)
    for (size_t k = 0; k + 1 < fields.count; ++k) prefix_has_vars |= has_variables(fields.f[k]);
  if (!rp.variables || (fields.count == 6 && !prefix_has_vars)) {
    rp.valid = pad_short_arn(fields) && base::iequals(fields.f[0], "arn");
    if (rp.valid) {
      for (size_t k = 0; k < 6; ++k) {
        rp.kinds[k] = field_kind(fields.f[k]);
        rp.fields[k] = field_text(w, value, whole, fields.f[k]);
      }
      if (rp.kinds[5] == FieldKind::Glob && !rp.variables) {  // (a variable part is expanded per request)
        std::string_view f = fields.f[5];
        size_t lit = find_glob_byte(f);
        if (lit == f.size() - 1 && f.back() == '*') {
          rp.prefix_star = true;
          rp.prefix_len = static_cast<std::uint32_t>(lit);
        }
      }
    }
    rp.resource_part_vars = rp.variables;
  }
  if (rp.variables) rp.expansion = compile_text(w, rp.resource_part_vars ? fields.f[5] : std::string_view(value));
  return rp;
}

CompiledPrincipal compile_principal(BlobWriter& w, const PrincipalValue& pv) {
  CompiledPrincipal c;
  c.kind = pv.kind;
  c.value = w.text(pv.value);
  c.wildcard = pv.kind == PrincipalKind::Wildcard || (pv.kind == PrincipalKind::Aws && pv.value == "*");
  if (pv.kind != PrincipalKind::Aws || c.wildcard) return c;
  const std::string& v = pv.value;
  if (v.size() == 12 && std::all_of(v.begin(), v.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    c.account = true;
    c.account_id = c.value;
    return c;
  }
  ArnFields a = split_arn(v);
  if (a.count == 6 && a.f[0] == "arn" && a.f[2] == "iam" && a.f[5] == "root" && !a.f[4].empty()) {
    c.account = true;
    c.account_id = field_text(w, v, c.value, a.f[4]);
  } else if (a.count == 6 && a.f[2] == "iam" && a.f[5].substr(0, 5) == "role/") {
    c.role = true;
    c.role_partition = field_text(w, v, c.value, a.f[1]);
    c.role_account = field_text(w, v, c.value, a.f[4]);
    c.role_name = field_text(w, v, c.value, a.f[5].substr(a.f[5].rfind('/') + 1));
  }
  return c;
}

ActionPattern compile_action(BlobWriter& w, std::string_view a) {
  ActionPattern p;
  if (a == "*") {
    p.all = true;
    return p;
  }
  size_t colon = a.find(':');
  if (colon == std::string_view::npos) {
    p.offset = w.text("\x02").off;  // never matches: malformed action (the validator reports it)
    p.service_len = 1;
    return p;
  }
  std::string_view service = a.substr(0, colon), name = a.substr(colon + 1);
  p.service_len = static_cast<std::uint32_t>(service.size());
  p.name_len = static_cast<std::uint32_t>(name.size());
  p.literal = !has_wildcard(name);  // (case changes no wildcard)
  p.offset = w.text_lower(service).off;
  w.text_lower(name);  // right after the service
  return p;
}

CondValue compile_value(BlobWriter& w, const Str& s, ConditionCompare cmp, bool variables) {
  CondValue v;
  v.text = w.text(s.value);
  bool var_ok = cmp == ConditionCompare::StringEquals || cmp == ConditionCompare::StringEqualsIgnoreCase ||
                cmp == ConditionCompare::StringLike || cmp == ConditionCompare::ArnLike || cmp == ConditionCompare::Bool;
  v.variables = variables && var_ok && has_variables(s.value);
  if (v.variables) v.expansion = compile_text(w, s.value);
  auto number = [&](std::optional<double> n) {
    if (!n) return;
    v.has_typed = true;
    v.typed = w.array<double>(1);
    w.put(v.typed, 0, *n);
  };
  switch (cmp) {
    case ConditionCompare::StringEqualsIgnoreCase: v.aux = w.text_lower(s.value); break;
    case ConditionCompare::NumericEquals: case ConditionCompare::NumericLessThan:
    case ConditionCompare::NumericLessThanEquals: case ConditionCompare::NumericGreaterThan:
    case ConditionCompare::NumericGreaterThanEquals:
      number(parse_number(s.value));
      break;
    case ConditionCompare::DateEquals: case ConditionCompare::DateLessThan: case ConditionCompare::DateLessThanEquals:
    case ConditionCompare::DateGreaterThan: case ConditionCompare::DateGreaterThanEquals:
      number(parse_date(s.value));
      break;
    case ConditionCompare::Bool:
      if (auto b = parse_bool(s.value)) v.has_typed = true, v.boolean = *b;
      break;
    case ConditionCompare::BinaryEquals:
      if (auto b = decode_base64(s.value)) v.has_typed = true, v.aux = w.text(*b);
      break;
    case ConditionCompare::IpAddress:
      if (auto ip = parse_ip(s.value)) {
        v.has_typed = true;
        v.typed = w.array<IpNetwork>(1);
        w.put(v.typed, 0, *ip);
      }
      break;
    case ConditionCompare::ArnLike:
      if (!v.variables) {  // split once (with variables: per request, after expansion)
        ArnFields f = split_arn(s.value);
        if (f.count == 6) {
          v.has_typed = true;
          v.typed = w.array<Text>(6);
          for (size_t k = 0; k < 6; ++k) w.put(v.typed, k, field_text(w, s.value, v.text, f.f[k]));
        }
      }
      break;
    default: break;
  }
  return v;
}

// One statement's run of records and text; returns the CompiledStatement's offset.
std::uint32_t compile_statement(BlobWriter& w, const Statement& s, std::uint32_t index, bool variables) {
  std::size_t n_values = 0;
  for (const auto& cond : s.conditions) n_values += cond.values.size();
  CompiledStatement c;
  std::uint32_t at = w.array<CompiledStatement>(1);
  c.effect = s.effect;
  c.index = index;
  c.not_action = s.not_action;
  c.has_resource = s.has_resource;
  c.not_resource = s.not_resource;
  c.has_principal = s.has_principal;
  c.not_principal = s.not_principal;
  c.n_resources = static_cast<std::uint32_t>(s.resources.size());
  c.resources = w.array<ResourcePattern>(s.resources.size());
  c.n_conditions = static_cast<std::uint32_t>(s.conditions.size());
  c.conditions = w.array<CompiledCondition>(s.conditions.size());
  std::uint32_t values = w.array<CondValue>(n_values);
  c.n_actions = static_cast<std::uint32_t>(s.actions.size());
  c.actions = w.array<ActionPattern>(s.actions.size());
  c.n_principals = static_cast<std::uint32_t>(s.principals.size());
  c.principals = w.array<CompiledPrincipal>(s.principals.size());
  // Then the text, in the order matching reads it.
  for (std::size_t i = 0; i < s.resources.size(); ++i)
    w.put(c.resources, i, compile_resource(w, s.resources[i].value, variables));
  std::size_t v = 0;
  for (std::size_t i = 0; i < s.conditions.size(); ++i) {
    const Condition& cond = s.conditions[i];
    CompiledCondition cc;
    cc.compare = compare_of(cond.op);
    cc.negated = is_negated(cond.op);
    cc.qualifier = cond.qualifier;
    cc.if_exists = cond.if_exists;
    cc.key_lower = w.text_lower(cond.key);
    cc.key_hash = Context::hash_key(cond.key);  // (case-insensitive)
    w.read_key(cond.key, cc.key_hash);
    cc.key = w.text(cond.key);
    cc.n_values = static_cast<std::uint32_t>(cond.values.size());
    cc.values = static_cast<std::uint32_t>(values + v * sizeof(CondValue));
    for (const auto& val : cond.values) w.put(values, v++, compile_value(w, val, cc.compare, variables));
    w.put(c.conditions, i, cc);
  }
  for (std::size_t i = 0; i < s.actions.size(); ++i) w.put(c.actions, i, compile_action(w, s.actions[i].value));
  for (std::size_t i = 0; i < s.principals.size(); ++i) w.put(c.principals, i, compile_principal(w, s.principals[i]));
  c.sid = w.text(s.sid ? std::string_view(s.sid->value) : std::string_view());
  w.put(at, 0, c);
  return at;
}

}  // namespace

void CompiledPolicy::Deleter::operator()(CompiledPolicyImpl* p) const {
  p->~CompiledPolicyImpl();
  delete[] reinterpret_cast<std::byte*>(p);
}

CompiledPolicy::CompiledPolicy(const Policy& p, PolicyType type, std::string name, ActionIndex action_index) {
  CompiledPolicyImpl impl;  // the header, moved to the blob's start when the records are written
  impl.name = std::move(name);
  impl.type = type;
  impl.variables = p.version == Version::V2012_10_17;
  impl.indexed_actions = action_index == ActionIndex::Build;
  const std::size_t n = p.statements.size();
  impl.n_statements = static_cast<std::uint32_t>(n);

  // The action index's content first (its size decides the layout): (action id, statement) pairs.
  std::vector<std::pair<catalog::Id, std::uint32_t>> pairs;
  std::vector<std::uint32_t> always;  // statement indices
  std::vector<bool> every_action;     // parallel to `always`: Action has "*" (not NotAction)
  if (impl.indexed_actions) {
    const catalog::Catalog& cat = catalog::Catalog::builtin();
    for (std::uint32_t i = 0; i < n; ++i) {
      const Statement& s = p.statements[i];
      bool every = s.not_action || std::any_of(s.actions.begin(), s.actions.end(), [](const Str& a) { return a.value == "*"; });
      if (every) {
        always.push_back(i);
        every_action.push_back(!s.not_action);
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
  }
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < pairs.size(); ++i) distinct += i == 0 || pairs[i].first != pairs[i - 1].first;

  BlobWriter w(512 + 384 * n);  // (the corpus's statements take ~300 bytes each)
  using Slot = CompiledPolicyImpl::Slot;
  std::size_t table_size = 0;
  if (distinct) {
    table_size = 4;
    while (table_size < distinct * 2) table_size *= 2;
    impl.n_table = static_cast<std::uint32_t>(table_size);
    impl.table_mask = static_cast<std::uint32_t>(table_size - 1);
    impl.table = w.array<Slot>(table_size);
  }
  std::uint32_t indexed = w.array<std::uint32_t>(pairs.size() - distinct);
  impl.n_always = static_cast<std::uint32_t>(always.size());
  impl.always = w.array<std::uint32_t>(always.size());
  impl.statements = w.array<std::uint32_t>(n);
  std::vector<std::uint32_t> offsets(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    offsets[i] = compile_statement(w, p.statements[i], i, impl.variables);
    w.put(impl.statements, i, offsets[i]);
  }
  static_assert(alignof(CompiledStatement) >= 2, "bit 0 of a statement offset is free");
  for (std::size_t k = 0; k < always.size(); ++k)
    w.put(impl.always, k, offsets[always[k]] | (every_action[k] ? CompiledPolicyImpl::kEveryAction : 0u));
  if (distinct) {
    std::vector<Slot> table(table_size);
    std::size_t out = 0;
    for (std::size_t i = 0; i < pairs.size();) {
      std::size_t j = i;
      std::uint32_t rest = static_cast<std::uint32_t>(indexed + out * sizeof(std::uint32_t));
      while (++j < pairs.size() && pairs[j].first == pairs[i].first) w.put(indexed, out++, offsets[pairs[j].second]);
      std::uint32_t k = CompiledPolicyImpl::slot_of(pairs[i].first, table_size - 1);
      while (table[k].id != catalog::kNoId) k = static_cast<std::uint32_t>((k + 1) & (table_size - 1));
      table[k] = {pairs[i].first, static_cast<std::uint32_t>(j - i), offsets[pairs[i].second], rest};
      i = j;
    }
    for (std::size_t k = 0; k < table_size; ++k) w.put(impl.table, k, table[k]);
  }
  std::vector<std::uint64_t>& keys = w.context_keys;
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  impl.n_context_keys = static_cast<std::uint32_t>(keys.size());
  impl.context_key_lengths = w.context_key_lengths;
  impl.context_keys = w.array<std::uint64_t>(keys.size());
  for (std::size_t k = 0; k < keys.size(); ++k) w.put(impl.context_keys, k, keys[k]);
  impl.size = static_cast<std::uint32_t>(w.size());
  std::unique_ptr<std::byte[]> blob = w.release();
  static_assert(alignof(CompiledPolicyImpl) <= alignof(std::max_align_t), "operator new[] aligns the header");
  impl_.reset(new (blob.get()) CompiledPolicyImpl(std::move(impl)));
  (void)blob.release();  // owned by impl_ now (Deleter)
}

CompiledPolicy::~CompiledPolicy() = default;
CompiledPolicy::CompiledPolicy(CompiledPolicy&&) noexcept = default;
CompiledPolicy& CompiledPolicy::operator=(CompiledPolicy&&) noexcept = default;
const std::string& CompiledPolicy::name() const { return impl_->name; }
PolicyType CompiledPolicy::type() const { return impl_->type; }
std::span<const std::uint64_t> CompiledPolicy::context_keys() const {
  return {impl_->at<std::uint64_t>(impl_->context_keys), impl_->n_context_keys};
}
std::uint64_t CompiledPolicy::context_key_lengths() const { return impl_->context_key_lengths; }

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
  return a.size() == b.size() && base::equal_bytes(a.data(), b.data(), a.size());
}
constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL, kOnes = 0x0101010101010101ULL;

using base::lower8;

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
  if (slot.used && same(slot.name, lower)) return slot.id;
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
// As expand_variables (variables.inc): literal wildcard characters, from escapes and substituted
// values, are preceded by '\x01' so the glob matcher treats them as plain characters.
const std::string* expand_into_scratch(const CompiledPolicyImpl& pol, Parts t, const Context& ctx) {
  thread_local std::string scratch;
  scratch.clear();
  const VarPart* parts = pol.at<VarPart>(t.off);
  for (std::uint32_t i = 0; i < t.count; ++i) {
    const VarPart& part = parts[i];
    switch (part.kind) {
      case VariablePart::Kind::Literal: scratch.append(pol.str(part.text)); break;
      case VariablePart::Kind::Escape:
        scratch.push_back('\x01');
        scratch.append(pol.str(part.text));
        break;
      case VariablePart::Kind::Variable: {
        Context::Found f = ctx.find_compact(pol.str(part.key_lower), part.hash);
        std::string_view value;
        bool single = f.has_single;
        if (single) {
          value = f.single;
        } else if (f.entry && !f.entry->multivalued && f.entry->values.size() == 1) {
          value = f.entry->values[0];
          single = true;
        }
        if (single) {
          for (char c : value) {  // a substituted value is literal text: its * and ? are not wildcards
            if (c == '*' || c == '?') scratch.push_back('\x01');
            scratch.push_back(c);
          }
        } else if (part.has_fallback) {
          scratch.append(pol.str(part.fallback));
        } else {
          return nullptr;
        }
        break;
      }
    }
  }
  return &scratch;
}

bool action_matches(const CompiledPolicyImpl& pol, const CompiledStatement& s, const Prepared& p) {
  bool any = false;
  const char* text = reinterpret_cast<const char*>(pol.base());
  const ActionPattern* actions = pol.at<ActionPattern>(s.actions);
  for (std::uint32_t i = 0; i < s.n_actions; ++i) {
    const ActionPattern& a = actions[i];
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
bool compiled_fields_match(const CompiledPolicyImpl& pol, const ResourcePattern& rp, const ArnFields& req,
                           const std::string* resource_part = nullptr) {
  if (!rp.valid || req.count < 6) return false;
  if (resource_part) {
    if (!glob_match(*resource_part, req.f[5], Case::Sensitive)) return false;
  } else {
    std::string_view f5 = pol.str(rp.fields[5]);
    switch (rp.kinds[5]) {
      case FieldKind::Any: break;
      case FieldKind::Exact:
        if (!same(f5, req.f[5])) return false;
        break;
      case FieldKind::Glob:
        if (rp.prefix_star) {
          if (req.f[5].size() < rp.prefix_len || !base::equal_bytes(f5.data(), req.f[5].data(), rp.prefix_len))
            return false;
        } else if (!glob_match(f5, req.f[5], Case::Sensitive)) {
          return false;
        }
        break;
    }
  }
  for (size_t i = 1; i < 5; ++i) {
    switch (rp.kinds[i]) {
      case FieldKind::Any: break;
      case FieldKind::Exact: if (!ieq(pol.str(rp.fields[i]), req.f[i])) return false; break;
      case FieldKind::Glob: if (!glob_match(pol.str(rp.fields[i]), req.f[i], Case::Insensitive)) return false; break;
    }
  }
  return true;
}

bool one_resource_matches(const CompiledPolicyImpl& pol, const ResourcePattern& rp, const Prepared& p) {
  if (rp.all) return true;
  if (p.resource_all) {
    // AWS (rule R7 in docs/semantics.md): an action without resource-level permissions is requested
    // on "*"; a service-wide pattern such as arn:aws:s3:::* or arn:aws:lambda:*:*:* also covers it.
    if (rp.variables || !rp.valid) return false;
    return glob_match(pol.str(rp.fields[2]), p.action_service, Case::Insensitive) && eq_lit(pol.str(rp.fields[5]), "*");
  }
  // `rp.variables` is set only for 2012-10-17 policies; in older ones `${...}` is literal text.
  if (rp.variables) {
    const std::string* e = expand_into_scratch(pol, rp.expansion, p.req.context);
    if (!e) return false;  // AWS: a variable with no value and no default matches nothing
    if (rp.resource_part_vars) return compiled_fields_match(pol, rp, p.resource, e);
    return arn_fields_match(split_arn(*e), p.resource);  // variables outside the resource part
  }
  return compiled_fields_match(pol, rp, p.resource);
}

bool resource_matches(const CompiledPolicyImpl& pol, const CompiledStatement& s, const Prepared& p) {
  if (!s.has_resource) return true;  // trust policies: the resource is the role itself
  bool any = false;
  const ResourcePattern* rs = pol.at<ResourcePattern>(s.resources);
  for (std::uint32_t i = 0; i < s.n_resources; ++i)
    if (one_resource_matches(pol, rs[i], p)) { any = true; break; }
  return s.not_resource ? !any : any;
}

PMatch principal_entry_match(const CompiledPolicyImpl& pol, const CompiledPrincipal& cp, const Prepared& p) {
  std::string_view value = pol.str(cp.value);
  if (p.caller == PrincipalKindOfCaller::Anonymous) return cp.wildcard ? PMatch::Match : PMatch::NoMatch;
  switch (cp.kind) {
    case PrincipalKind::Wildcard: return PMatch::Match;
    case PrincipalKind::Service:
    case PrincipalKind::Federated:
    case PrincipalKind::CanonicalUser: return value == p.req.principal ? PMatch::Match : PMatch::NoMatch;
    case PrincipalKind::Aws: break;
  }
  if (cp.wildcard) return PMatch::Match;
  if (cp.account) return pol.str(cp.account_id) == p.account ? PMatch::AccountLevelMatch : PMatch::NoMatch;
  if (p.caller == PrincipalKindOfCaller::AssumedRole) {
    // AWS: a role ARN in a resource policy covers every session of that role (role path is not in
    // the session ARN, so the role is identified by account and name).
    if (cp.role && pol.str(cp.role_partition) == p.partition && pol.str(cp.role_account) == p.account &&
        ieq(pol.str(cp.role_name), p.role_name))
      return PMatch::SessionRoleMatch;
  } else if (p.caller == PrincipalKindOfCaller::FederatedUser) {
    if (value == p.federated_user_arn) return PMatch::SessionUserMatch;
  }
  return value == p.req.principal ? PMatch::Match : PMatch::NoMatch;
}

PMatch principal_matches(const CompiledPolicyImpl& pol, const CompiledStatement& s, const Prepared& p) {
  if (!s.has_principal) return PMatch::NoMatch;
  PMatch best = PMatch::NoMatch;
  unsigned levels = 0;  // which of the caller's identities the entries name (one bit per PMatch)
  const CompiledPrincipal* principals = pol.at<CompiledPrincipal>(s.principals);
  for (std::uint32_t i = 0; i < s.n_principals; ++i) {
    PMatch m = principal_entry_match(pol, principals[i], p);
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

bool compare_one(const CompiledPolicyImpl& pol, const CompiledCondition& c, const CondValue& pv, std::string_view rv,
                 const Prepared& p) {
  std::string_view ptext = pol.str(pv.text);
  // `pv.variables` is set only for 2012-10-17 policies (and operators that take variables).
  bool expanded = pv.variables;
  if (expanded) {
    const std::string* e = expand_into_scratch(pol, pv.expansion, p.req.context);
    if (!e) return false;  // AWS: an unresolved variable is "null": it equals nothing
    ptext = *e;
  }
  switch (c.compare) {
    case ConditionCompare::StringEquals:
      return expanded ? equals_ignoring_marks(ptext, rv, Case::Sensitive) : same(ptext, rv);
    case ConditionCompare::StringEqualsIgnoreCase:
      return expanded ? equals_ignoring_marks(ptext, rv, Case::Insensitive) : ieq(pol.str(pv.aux), rv);
    case ConditionCompare::StringLike: return glob_match(ptext, rv, Case::Sensitive);
    case ConditionCompare::ArnLike: {
      // AWS: ArnLike/ArnEquals glob each of the six colon-separated fields, case-sensitively.
      ArnFields rf = split_arn(rv);
      if (rf.count != 6) return false;
      if (expanded) {
        ArnFields pf = split_arn(ptext);
        if (pf.count != 6) return false;
        for (size_t i = 0; i < 6; ++i)
          if (!glob_match(pf.f[i], rf.f[i], Case::Sensitive)) return false;
        return true;
      }
      if (!pv.has_typed) return false;  // not six fields
      const Text* pf = pol.at<Text>(pv.typed);
      for (size_t i = 0; i < 6; ++i)
        if (!glob_match(pol.str(pf[i]), rf.f[i], Case::Sensitive)) return false;
      return true;
    }
    case ConditionCompare::NumericEquals: case ConditionCompare::NumericLessThan:
    case ConditionCompare::NumericLessThanEquals: case ConditionCompare::NumericGreaterThan:
    case ConditionCompare::NumericGreaterThanEquals: case ConditionCompare::DateEquals:
    case ConditionCompare::DateLessThan: case ConditionCompare::DateLessThanEquals:
    case ConditionCompare::DateGreaterThan: case ConditionCompare::DateGreaterThanEquals: {
      bool date = c.compare >= ConditionCompare::DateEquals;
      std::optional<double> r = date ? parse_date(rv) : parse_number(rv);
      if (!pv.has_typed || !r) return false;
      double a = *r, b = *pol.at<double>(pv.typed);
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
      std::optional<bool> b = expanded ? parse_bool(strip_literal_marks(ptext))
                              : pv.has_typed ? std::optional<bool>(pv.boolean)
                                             : std::nullopt;
      return r && b && *r == *b;
    }
    case ConditionCompare::BinaryEquals: {
      if (!pv.has_typed) return false;
      std::string_view bytes = pol.str(pv.aux);
      std::optional<std::string> r = decode_base64(rv);
      return r ? *r == bytes : rv == bytes;
    }
    case ConditionCompare::IpAddress: {
      if (!pv.has_typed) return false;
      std::optional<IpNetwork> r = parse_ip(rv);
      return r && pol.at<IpNetwork>(pv.typed)->contains(*r);
    }
    case ConditionCompare::Null: return false;
  }
  return false;
}

// One context value against the policy values: OR for positive operators, NOR for negated ones.
bool single_match(const CompiledPolicyImpl& pol, const CompiledCondition& c, std::string_view rv, const Prepared& p) {
  bool any = false;
  const CondValue* values = pol.at<CondValue>(c.values);
  for (std::uint32_t i = 0; i < c.n_values; ++i)
    if (compare_one(pol, c, values[i], rv, p)) { any = true; break; }
  return c.negated ? !any : any;
}

bool condition_matches(const CompiledPolicyImpl& pol, const CompiledCondition& c, const Prepared& p) {
  Context::Found found = p.req.context.find_compact(pol.str(c.key_lower), c.key_hash);
  const Context::Entry* e = found.entry;
  if (!e && p.missing) p.missing->push_back(std::string(pol.str(c.key)));
  if (c.compare == ConditionCompare::Null) {
    // AWS: Null true = the key is absent; false = present. Values are OR'ed.
    bool present = e != nullptr;
    const CondValue* values = pol.at<CondValue>(c.values);
    for (std::uint32_t i = 0; i < c.n_values; ++i)
      if (ieq(pol.str(values[i].text), present ? "false" : "true")) return true;
    return false;
  }
  if (c.qualifier == Qualifier::ForAllValues) {
    // AWS: ForAllValues is true when the key is missing or empty (vacuous truth).
    if (!e || e->values.empty()) return true;
    if (found.has_single) return single_match(pol, c, found.single, p);
    for (const auto& v : e->values)
      if (!single_match(pol, c, v, p)) return false;
    return true;
  }
  if (c.qualifier == Qualifier::ForAnyValue) {
    if (!e || e->values.empty()) return false;
    if (found.has_single) return single_match(pol, c, found.single, p);
    for (const auto& v : e->values)
      if (single_match(pol, c, v, p)) return true;
    return false;
  }
  // AWS: a missing key makes ...IfExists and negated operators true, all others false.
  if (!e) return c.if_exists || c.negated;
  if (found.has_single) return single_match(pol, c, found.single, p);
  if (e->multivalued || e->values.size() != 1) return false;  // a set operator is needed for multivalued keys
  return single_match(pol, c, e->values[0], p);
}

bool conditions_match(const CompiledPolicyImpl& pol, const CompiledStatement& s, const Prepared& p) {
  const CompiledCondition* conditions = pol.at<CompiledCondition>(s.conditions);
  for (std::uint32_t i = 0; i < s.n_conditions; ++i)
    if (!condition_matches(pol, conditions[i], p)) return false;
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
  for (const Hit& h : hits)
    out.push_back({h.pol->name, h.pol->type, h.st->index, std::string(h.pol->str(h.st->sid)), h.st->effect});
}

// Calls f(statement) for each statement whose Action/NotAction matches the request, in order.
template <class F>
void for_each_action_match(const CompiledPolicyImpl& pol, const Prepared& p, F&& f) {
  if (pol.indexed_actions && !p.action_resolved) {
    p.action_resolved = true;
    p.action_id = lookup_action_id(p.action_lower);
  }
  if (p.action_id == catalog::kNoId || !pol.indexed_actions) {
    const std::uint32_t* offsets = pol.at<std::uint32_t>(pol.statements);
    for (std::uint32_t i = 0; i < pol.n_statements; ++i) {
      const CompiledStatement& s = *pol.at<CompiledStatement>(offsets[i]);
      if (action_matches(pol, s, p)) f(s);
    }
    return;
  }
  // Merge the indexed statements (action known to match) with the always-checked ones, in
  // statement order (statement offsets grow with the index).
  const CompiledPolicyImpl::Slot* slot = pol.find(p.action_id);
  std::uint32_t k = 0, n = slot ? slot->count : 0;
  const std::uint32_t* rest = n > 1 ? pol.at<std::uint32_t>(slot->rest) : nullptr;
  auto indexed = [&](std::uint32_t i) { return i == 0 ? slot->first : rest[i - 1]; };
  const std::uint32_t* always = pol.at<std::uint32_t>(pol.always);
  const std::uint32_t* always_end = always + pol.n_always;
  constexpr std::uint32_t kEvery = CompiledPolicyImpl::kEveryAction;
  while (k < n || always != always_end) {
    if (k < n && (always == always_end || indexed(k) < (*always & ~kEvery))) {
      f(*pol.at<CompiledStatement>(indexed(k++)));
    } else {
      std::uint32_t a = *always++;
      const CompiledStatement& s = *pol.at<CompiledStatement>(a & ~kEvery);
      if ((a & kEvery) || action_matches(pol, s, p)) f(s);
    }
  }
}

// Identity-style analysis (identity, boundary, session, one SCP/RCP level): no principal element.
Analysis analyze_identity(const std::vector<const CompiledPolicy*>& pols, const Prepared& p, bool resource_side) {
  Analysis a;
  for (const CompiledPolicy* cp : pols) {
    const CompiledPolicyImpl& pol = cp->impl();
    for_each_action_match(pol, p, [&](const CompiledStatement& s) {
      // Not explaining: once a Deny applies nothing can change this type's result, and once an
      // Allow applies only a Deny can, so those statements' resources and conditions are not
      // evaluated (the result is the same; the counts stop at one).
      if (!p.missing && (a.n_deny || (a.n_allow && s.effect == Effect::Allow))) return;
      if (!resource_matches(pol, s, p)) return;
      if (resource_side && s.has_principal && principal_matches(pol, s, p) == PMatch::NoMatch) return;
      if (!conditions_match(pol, s, p)) return;
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
    if (!resource_matches(pol, s, p)) return;
    PMatch m = principal_matches(pol, s, p);
    if (m == PMatch::NoMatch) return;
    if (!conditions_match(pol, s, p)) return;
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
      if (m == PMatch::Match && !s.not_principal) {
        const CompiledPrincipal* principals = pol.at<CompiledPrincipal>(s.principals);
        for (std::uint32_t i = 0; i < s.n_principals; ++i)
          if (principals[i].wildcard) a.allow_via_wildcard_principal = true;
      }
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

// A policy set that is not in cache (a server deciding for many principals; the cold benchmark)
// would be read one dependent miss at a time: policy -> header -> action table -> statement.
// This starts those loads for every policy of the set together, one level at a time, so their
// latencies overlap. Prefetches are hints: nothing here changes a result.
class Prefetcher {
 public:
  explicit Prefetcher(const PolicySet& ps) {
    for (const CompiledPolicy* cp : ps.identity) add(cp);
    if (ps.resource) add(ps.resource);
    for (const CompiledPolicy* cp : ps.boundaries) add(cp);
    for (const CompiledPolicy* cp : ps.session) add(cp);
    for (const auto& level : ps.scp_levels)
      for (const CompiledPolicy* cp : level) add(cp);
    for (const auto& level : ps.rcp_levels)
      for (const CompiledPolicy* cp : level) add(cp);
  }
  // Once the action is known: the action table's slot (or the statement list) of every policy,
  // then the statements that slot names.
  void statements(const Prepared& p) {
    if (n_ == 0) return;
    bool indexed = false;
    for (std::size_t i = 0; i < n_; ++i) indexed |= pols_[i]->indexed_actions;
    if (indexed && !p.action_resolved) {
      p.action_resolved = true;
      p.action_id = lookup_action_id(p.action_lower);
    }
    for (std::size_t i = 0; i < n_; ++i) {
      const CompiledPolicyImpl& pol = *pols_[i];
      if (pol.indexed_actions && p.action_id != catalog::kNoId) {
        if (pol.n_table)
          __builtin_prefetch(pol.base() + pol.table + CompiledPolicyImpl::slot_of(p.action_id, pol.table_mask) *
                                                          sizeof(CompiledPolicyImpl::Slot));
        if (pol.n_always) __builtin_prefetch(pol.base() + pol.always);
      } else {
        __builtin_prefetch(pol.base() + pol.statements);
      }
    }
    for (std::size_t i = 0; i < n_; ++i) {
      const CompiledPolicyImpl& pol = *pols_[i];
      if (!pol.indexed_actions || p.action_id == catalog::kNoId) continue;
      if (const CompiledPolicyImpl::Slot* slot = pol.find(p.action_id)) {
        statement(pol, slot->first);
        if (slot->count > 1) __builtin_prefetch(pol.base() + slot->rest);
      }
      if (pol.n_always) statement(pol, *pol.at<std::uint32_t>(pol.always) & ~CompiledPolicyImpl::kEveryAction);
    }
  }

 private:
  static constexpr std::size_t kMax = 16;  // policies beyond this are simply not prefetched
  const CompiledPolicyImpl* pols_[kMax];
  std::size_t n_ = 0;
  void add(const CompiledPolicy* cp) {
    if (n_ == kMax) return;
    pols_[n_] = &cp->impl();
    __builtin_prefetch(pols_[n_++]);
  }
  // A statement's header and the records right after it (resource patterns, conditions), within
  // the blob.
  static void statement(const CompiledPolicyImpl& pol, std::uint32_t off) {
    for (std::uint32_t k = 0; k < 3 && off + 64 * k < pol.size; ++k) __builtin_prefetch(pol.base() + off + 64 * k);
  }
};

}  // namespace

Verdict evaluate(const PolicySet& ps, const Request& req, Explain explain) {
  Prefetcher prefetch(ps);
  __builtin_prefetch(req.resource.data());  // (heap strings, read just below)
  __builtin_prefetch(req.principal.data());
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
  prefetch.statements(p);
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
