// Loader for data/aws/catalog.tsv (format: see tools/catalog/generate.mjs) and the lookups on it.
#include "iamforge/catalog/catalog.hpp"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "iamforge/base/strings.hpp"

// The catalog text, embedded by embedded.S (.incbin of data/aws/catalog.tsv).
extern "C" const char iamforge_catalog_data[];
extern "C" const char iamforge_catalog_data_end[];

namespace iamforge::catalog {

using base::ascii_lower;

std::string_view to_string(AccessLevel l) {
  switch (l) {
    case AccessLevel::List: return "List";
    case AccessLevel::Read: return "Read";
    case AccessLevel::Write: return "Write";
    case AccessLevel::PermissionsManagement: return "Permissions management";
    case AccessLevel::Tagging: return "Tagging";
  }
  return "?";
}

namespace {

constexpr std::string_view kKeyTypeNames[] = {
    "String", "ArrayOfString", "Arn",  "ArrayOfArn",  "Bool",      "ArrayOfBool",      "Numeric",
    "ArrayOfNumeric", "Date", "ArrayOfDate", "IpAddress", "ArrayOfIpAddress", "Binary", "ArrayOfBinary"};

/// Lowercase name -> id, built once at start-up. Open addressing over one slot array, keys copied
/// into a chunked arena: one allocation per 64 KiB of names instead of a node and a string per
/// entry (std::unordered_map<std::string, Id> made catalog loading 45M of start-up's 83M
/// instructions).
class NameMap {
 public:
  void reserve(std::size_t n) {
    std::size_t cap = 16;
    while (cap < 2 * n) cap <<= 1;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
  }
  /// False when the name is already there.
  bool insert(std::string_view key, Id id) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    const std::uint32_t h = hash(key);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (!s.data) {
        s = Slot{store(key), static_cast<std::uint32_t>(key.size()), h, id};
        ++size_;
        return true;
      }
      if (s.hash == h && std::string_view(s.data, s.size) == key) return false;
    }
  }
  const Id* find(std::string_view key) const {
    if (slots_.empty()) return nullptr;
    const std::uint32_t h = hash(key);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.data) return nullptr;
      if (s.hash == h && std::string_view(s.data, s.size) == key) return &s.id;
    }
  }

 private:
  struct Slot {
    const char* data = nullptr;
    std::uint32_t size = 0, hash = 0;
    Id id = 0;
  };
  static std::uint32_t hash(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a, 64-bit
    for (unsigned char ch : s) h = (h ^ ch) * 0x100000001b3ull;
    return static_cast<std::uint32_t>(h ^ (h >> 32));
  }
  const char* store(std::string_view key) {
    constexpr std::size_t kChunk = 64 * 1024;
    if (chunks_.empty() || used_ + key.size() > chunk_size_) {
      chunk_size_ = std::max(kChunk, key.size());
      chunks_.push_back(std::make_unique<char[]>(chunk_size_));
      used_ = 0;
    }
    char* p = chunks_.back().get() + used_;
    std::memcpy(p, key.data(), key.size());
    used_ += key.size();
    return p;
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    reserve(old.size());  // twice the slots: reserve() sizes for 2n
    for (const Slot& s : old)
      if (s.data)
        for (std::size_t i = s.hash & mask_;; i = (i + 1) & mask_)
          if (!slots_[i].data) {
            slots_[i] = s;
            break;
          }
  }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0, size_ = 0;
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::size_t chunk_size_ = 0, used_ = 0;
};

void lower_into(std::string& out, std::string_view s) {
  out.resize(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = ascii_lower(s[i]);
}

bool has_wildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

/// Case-insensitive glob: `*` any run (possibly empty), `?` exactly one character.
bool glob_match(std::string_view pat, std::string_view s) { return base::glob_match_ci(pat, s); }

[[noreturn]] void fail(std::size_t line, const std::string& what) {
  throw std::runtime_error("catalog: line " + std::to_string(line) + ": " + what);
}

/// Splits one line into tab-separated fields (at most N; more is an error).
template <std::size_t N>
std::size_t split_fields(std::string_view line, std::string_view (&out)[N], std::size_t lineno) {
  std::size_t n = 0, start = 0;
  for (;;) {
    std::size_t tab = line.find('\t', start);
    if (n == N) fail(lineno, "too many fields");
    out[n++] = line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
    if (tab == std::string_view::npos) return n;
    start = tab + 1;
  }
}

Id parse_id(std::string_view s, std::size_t lineno) {
  Id v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) fail(lineno, "bad number '" + std::string(s) + "'");
  return v;
}

/// Parses a `sep`-separated list of ids, each < `limit`.
void parse_ids(std::string_view s, char sep, Id limit, std::vector<Id>& out, std::size_t lineno) {
  out.clear();
  if (s.empty()) return;
  out.reserve(static_cast<std::size_t>(std::count(s.begin(), s.end(), sep)) + 1);
  std::size_t start = 0;
  for (;;) {
    std::size_t end = s.find(sep, start);
    Id id = parse_id(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start), lineno);
    if (id >= limit) fail(lineno, "id " + std::to_string(id) + " out of range");
    out.push_back(id);
    if (end == std::string_view::npos) return;
    start = end + 1;
  }
}

AccessLevel parse_level(std::string_view s, std::size_t lineno) {
  if (s.empty()) fail(lineno, "empty access level");
  for (char c : s.substr(1))
    if (c != 'W') fail(lineno, "bad access level '" + std::string(s) + "'");
  switch (s[0]) {
    case 'L': return AccessLevel::List;
    case 'R': return AccessLevel::Read;
    case 'W': return AccessLevel::Write;
    case 'P': return AccessLevel::PermissionsManagement;
    case 'T': return AccessLevel::Tagging;
    default: fail(lineno, "bad access level '" + std::string(s) + "'");
  }
}

KeyType parse_key_type(std::string_view s, std::size_t lineno) {
  for (std::size_t i = 0; i < std::size(kKeyTypeNames); ++i)
    if (kKeyTypeNames[i] == s) return static_cast<KeyType>(i);
  fail(lineno, "bad condition key type '" + std::string(s) + "'");
}

}  // namespace

std::string_view to_string(KeyType t) {
  auto i = static_cast<std::size_t>(t);
  return i < std::size(kKeyTypeNames) ? kKeyTypeNames[i] : "?";
}

bool is_multivalued(KeyType t) {
  switch (t) {
    case KeyType::ArrayOfString:
    case KeyType::ArrayOfArn:
    case KeyType::ArrayOfBool:
    case KeyType::ArrayOfNumeric:
    case KeyType::ArrayOfDate:
    case KeyType::ArrayOfIpAddress:
    case KeyType::ArrayOfBinary: return true;
    default: return false;
  }
}

struct Catalog::Index {
  NameMap services;        // lowercase prefix
  NameMap actions;         // lowercase "prefix:action"
  NameMap resource_types;  // lowercase "prefix:name"
  NameMap keys;            // lowercase key name
  struct Template {
    std::string prefix, suffix;  // lowercase literal parts around the placeholder
    Id key = kNoId;
  };
  std::vector<Template> templates;
};

Catalog Catalog::parse(std::string_view text) {
  Catalog c;
  auto index = std::make_shared<Index>();
  Index& ix = *index;

  std::size_t pos = 0, lineno = 0;
  auto next_line = [&](std::string_view& line) {
    if (pos >= text.size()) return false;
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    return true;
  };

  std::string_view line;
  std::string_view f[8];
  if (!next_line(line)) throw std::runtime_error("catalog: empty input");
  if (split_fields(line, f, lineno) != 8 || f[0] != "iamforge-catalog") fail(lineno, "not an iamforge catalog header");
  if (f[1] != "1") fail(lineno, "unsupported catalog format version " + std::string(f[1]));
  c.source_ = f[2];
  c.date_ = f[3];
  const Id n_services = parse_id(f[4], lineno), n_rts = parse_id(f[5], lineno), n_actions = parse_id(f[6], lineno),
           n_keys = parse_id(f[7], lineno);
  c.services_.reserve(n_services);
  c.resource_types_.reserve(n_rts);
  c.actions_.reserve(n_actions);
  c.condition_keys_.reserve(n_keys);
  ix.services.reserve(n_services);
  ix.actions.reserve(n_actions);
  ix.resource_types.reserve(n_rts);
  ix.keys.reserve(n_keys);

  std::string lower, scoped;
  std::vector<Id> tmp;
  Service* svc = nullptr;
  Id svc_first_rt = 0;
  auto add_name = [&](NameMap& map, std::string_view name, Id id, const char* what) {
    lower_into(lower, name);
    if (!map.insert(lower, id)) fail(lineno, std::string("duplicate ") + what + " '" + std::string(name) + "'");
  };
  auto add_scoped = [&](NameMap& map, std::string_view name, Id id, const char* what) {
    scoped.assign(svc->prefix);
    scoped += ':';
    scoped += name;
    add_name(map, scoped, id, what);
  };

  while (next_line(line)) {
    if (line.empty()) fail(lineno, "empty line");
    std::size_t n = split_fields(line, f, lineno);
    if (f[0].size() != 1) fail(lineno, "unknown record '" + std::string(f[0]) + "'");
    switch (f[0][0]) {
      case 'K': {
        if (n != 3 && !(n == 4 && f[3] == "g")) fail(lineno, "K wants: name, type [, g]");
        if (!c.services_.empty()) fail(lineno, "K after S");
        if (f[1].empty()) fail(lineno, "empty key name");
        ConditionKey& k = c.condition_keys_.emplace_back();
        k.id = static_cast<Id>(c.condition_keys_.size() - 1);
        k.name = f[1];
        k.type = parse_key_type(f[2], lineno);
        k.global = n == 4;
        add_name(ix.keys, k.name, k.id, "condition key");
        // One placeholder: "${Var}" or (S3's spelling) "<key>".
        std::size_t open = k.name.find("${"), close = std::string::npos;
        if (open != std::string::npos) close = k.name.find('}', open + 2);
        if (close == std::string::npos) {
          open = k.name.find('<');
          if (open != std::string::npos) close = k.name.find('>', open + 1);
        }
        // Secrets Manager and Systems Manager spell it "ResourceTag/tag-key".
        if (close == std::string::npos && k.name.size() > 8 && k.name.ends_with("/tag-key")) {
          open = k.name.size() - 7;
          close = k.name.size() - 1;
        }
        if (open != std::string::npos && close != std::string::npos) {
          Index::Template& t = ix.templates.emplace_back();
          lower_into(t.prefix, std::string_view(k.name).substr(0, open));
          lower_into(t.suffix, std::string_view(k.name).substr(close + 1));
          t.key = k.id;
        }
        break;
      }
      case 'S': {
        if (n != 3 || f[1].empty()) fail(lineno, "S wants: prefix, name");
        for (char ch : f[1])
          if (ascii_lower(ch) != ch) fail(lineno, "service prefix must be lowercase");
        svc = &c.services_.emplace_back();
        svc->id = static_cast<Id>(c.services_.size() - 1);
        svc->prefix = f[1];
        svc->name = f[2];
        svc_first_rt = static_cast<Id>(c.resource_types_.size());
        add_name(ix.services, svc->prefix, svc->id, "service");
        break;
      }
      case 'R': {
        if (n != 4 || f[1].empty()) fail(lineno, "R wants: name, arn, keys");
        if (!svc) fail(lineno, "R before S");
        if (!svc->actions.empty()) fail(lineno, "R after A in a service");
        ResourceType& r = c.resource_types_.emplace_back();
        r.id = static_cast<Id>(c.resource_types_.size() - 1);
        r.service = svc->id;
        r.name = f[1];
        r.arn_pattern = f[2];
        parse_ids(f[3], ',', n_keys, r.condition_keys, lineno);
        svc->resource_types.push_back(r.id);
        add_scoped(ix.resource_types, r.name, r.id, "resource type");
        break;
      }
      case 'A': {
        if (n != 5 || f[1].empty()) fail(lineno, "A wants: name, level, resources, keys");
        if (!svc) fail(lineno, "A before S");
        Action& a = c.actions_.emplace_back();
        a.id = static_cast<Id>(c.actions_.size() - 1);
        a.service = svc->id;
        a.name = f[1];
        a.access_level = parse_level(f[2], lineno);
        std::string_view res = f[3];
        if (!res.empty()) {
          a.resources.reserve(static_cast<std::size_t>(std::count(res.begin(), res.end(), ',')) + 1);
          std::size_t start = 0;
          for (;;) {
            std::size_t end = res.find(',', start);
            std::string_view e = res.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
            std::string_view keys;
            if (std::size_t colon = e.find(':'); colon != std::string_view::npos) {
              keys = e.substr(colon + 1);
              if (keys.empty()) fail(lineno, "empty resource key list");
              e = e.substr(0, colon);
            }
            ActionResource& ar = a.resources.emplace_back();
            if (!e.empty() && e.back() == '!') {
              ar.required = true;
              e.remove_suffix(1);
            }
            Id local = parse_id(e, lineno);
            if (local >= svc->resource_types.size()) fail(lineno, "resource index out of range");
            ar.resource_type = svc_first_rt + local;
            parse_ids(keys, '.', n_keys, ar.condition_keys, lineno);
            if (end == std::string_view::npos) break;
            start = end + 1;
          }
        }
        parse_ids(f[4], ',', n_keys, a.condition_keys, lineno);
        svc->actions.push_back(a.id);
        add_scoped(ix.actions, a.name, a.id, "action");
        break;
      }
      default: fail(lineno, "unknown record '" + std::string(f[0]) + "'");
    }
  }
  if (c.services_.size() != n_services || c.resource_types_.size() != n_rts || c.actions_.size() != n_actions ||
      c.condition_keys_.size() != n_keys)
    throw std::runtime_error("catalog: record counts do not match the header (truncated file?)");
  c.index_ = std::move(index);
  return c;
}

const Catalog& Catalog::builtin() {
  static const Catalog catalog = [] {
    auto begin = reinterpret_cast<std::uintptr_t>(iamforge_catalog_data);
    auto end = reinterpret_cast<std::uintptr_t>(iamforge_catalog_data_end);
    return parse(std::string_view(iamforge_catalog_data, end - begin));
  }();
  return catalog;
}

const Service* Catalog::find_service(std::string_view prefix) const {
  if (!index_) return nullptr;
  std::string lower;
  lower_into(lower, prefix);
  const Id* id = index_->services.find(lower);
  return id ? &services_[*id] : nullptr;
}

const Action* Catalog::find_action(std::string_view service_colon_action) const {
  if (!index_) return nullptr;
  std::string lower;
  lower_into(lower, service_colon_action);
  const Id* id = index_->actions.find(lower);
  return id ? &actions_[*id] : nullptr;
}

const Action* Catalog::find_action_lower(std::string_view lower) const {
  if (!index_) return nullptr;
  const Id* id = index_->actions.find(lower);
  return id ? &actions_[*id] : nullptr;
}

const ResourceType* Catalog::find_resource_type(std::string_view service_prefix, std::string_view name) const {
  if (!index_) return nullptr;
  std::string lower;
  lower_into(lower, service_prefix);
  lower += ':';
  for (char ch : name) lower += ascii_lower(ch);
  const Id* id = index_->resource_types.find(lower);
  return id ? &resource_types_[*id] : nullptr;
}

std::vector<Id> Catalog::match_actions(std::string_view pattern) const {
  std::vector<Id> out;
  std::size_t colon = pattern.find(':');
  if (colon == std::string_view::npos) {
    if (!pattern.empty() && pattern.find_first_not_of('*') == std::string_view::npos) {
      out.resize(actions_.size());
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<Id>(i);
    }
    return out;
  }
  const Service* svc = find_service(pattern.substr(0, colon));
  if (!svc) return out;
  std::string_view name = pattern.substr(colon + 1);
  if (!has_wildcard(name)) {
    if (const Action* a = find_action(pattern)) out.push_back(a->id);
    return out;
  }
  if (name.find_first_not_of('*') == std::string_view::npos) return svc->actions;
  for (Id id : svc->actions)
    if (glob_match(name, actions_[id].name)) out.push_back(id);
  return out;
}

const ConditionKey* Catalog::find_condition_key(std::string_view key) const {
  if (!index_) return nullptr;
  std::string lower;
  lower_into(lower, key);
  if (const Id* id = index_->keys.find(lower)) return &condition_keys_[*id];
  std::string_view k = lower;
  const Index::Template* best = nullptr;
  for (const Index::Template& t : index_->templates) {
    const std::size_t fixed = t.prefix.size() + t.suffix.size();
    if (k.size() <= fixed || !k.starts_with(t.prefix) || !k.ends_with(t.suffix)) continue;
    if (!best || fixed > best->prefix.size() + best->suffix.size()) best = &t;
  }
  return best ? &condition_keys_[best->key] : nullptr;
}

bool Catalog::key_applies(const Action& action, const ConditionKey& key) const {
  if (key.global) return true;
  auto has = [&](const std::vector<Id>& ids) { return std::find(ids.begin(), ids.end(), key.id) != ids.end(); };
  if (has(action.condition_keys)) return true;
  for (const ActionResource& r : action.resources) {
    if (has(r.condition_keys)) return true;
    if (r.resource_type < resource_types_.size() && has(resource_types_[r.resource_type].condition_keys)) return true;
  }
  return false;
}

std::string Catalog::full_name(const Action& a) const {
  std::string out;
  if (a.service < services_.size()) out = services_[a.service].prefix;
  out += ':';
  out += a.name;
  return out;
}

}  // namespace iamforge::catalog
