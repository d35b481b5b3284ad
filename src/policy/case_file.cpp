#include "iamforge/policy/case_file.hpp"

#include <algorithm>
#include <cstring>

namespace iamforge::policy {

namespace {

// `a == b` for a literal `b`, inlined (a length test, then a compare of known size): the string_view
// operator== is an out-of-line call on these hot paths (every key of every statement).
template <std::size_t N>
inline bool is(std::string_view a, const char (&b)[N]) {
  return a.size() == N - 1 && std::memcmp(a.data(), b, N - 1) == 0;
}

struct Bad {
  std::string msg;
};

// The source and cache of the case being decoded (batch mode), or empty/null; the action that
// statements are pruned to (Prune::ToAction, no cache), or empty.
struct Sharing {
  std::string_view source;
  PolicyCache* cache = nullptr;
  std::string_view prune_to;
};

const CompiledPolicy* compile(Case& c, const Sharing& sh, json::Node doc, PolicyType type, std::string name) {
  const base::Span span = doc.span();
  if (sh.cache && span.end > span.begin && span.end <= sh.source.size()) {
    // Key: type, action index, name, then the document's exact bytes.
    std::string_view bytes = sh.source.substr(span.begin, span.end - span.begin);
    std::string text;
    text.reserve(name.size() + bytes.size() + 3);
    text.push_back(static_cast<char>('0' + static_cast<int>(type)));
    text.push_back(c.index == ActionIndex::Build ? 'B' : 'S');
    text.append(name);
    text.push_back('\0');
    text.append(bytes);
    PolicyCache::Key key = PolicyCache::make_key(std::move(text));
    if (auto hit = sh.cache->find(key)) {
      c.shared.push_back(std::move(hit));
      return c.shared.back().get();
    }
    ParseResult r = parse(doc, type);
    if (!r.ok()) {  // errors are not cached: the next case reports them again
      for (const auto& d : r.diagnostics)
        if (d.severity == base::Severity::Error) throw Bad{name + ": " + d.message};
    }
    auto p = std::make_shared<const CompiledPolicy>(r.policy, type, std::move(name), c.index);
    sh.cache->insert(std::move(key), p);
    c.shared.push_back(std::move(p));
    return c.shared.back().get();
  }
  ParseResult r = sh.prune_to.empty() ? parse(doc, type) : parse_for_action(doc, type, sh.prune_to);
  if (!r.ok()) {
    for (const auto& d : r.diagnostics)
      if (d.severity == base::Severity::Error) throw Bad{name + ": " + d.message};
  }
  c.owned.emplace_back(r.policy, type, std::move(name), c.index);
  return &c.owned.back();
}

std::vector<const CompiledPolicy*> compile_list(Case& c, const Sharing& sh, json::Node list, PolicyType type, const char* what) {
  std::vector<const CompiledPolicy*> out;
  if (list.is_null()) return out;  // absent or null
  if (!list.is_array()) throw Bad{std::string("`") + what + "` must be an array"};
  out.reserve(list.size());
  size_t i = 0;
  for (json::Node d : list) out.push_back(compile(c, sh, d, type, std::string(what) + "[" + std::to_string(i++) + "]"));
  return out;
}

std::vector<std::vector<const CompiledPolicy*>> compile_levels(Case& c, const Sharing& sh, json::Node levels, PolicyType type,
                                                               const char* what) {
  std::vector<std::vector<const CompiledPolicy*>> out;
  if (levels.is_null()) return out;
  if (!levels.is_array()) throw Bad{std::string("`") + what + "` must be an array of levels"};
  size_t i = 0;
  for (json::Node level : levels) {
    std::vector<const CompiledPolicy*> lv;
    if (!level.is_array()) throw Bad{std::string("each level of `") + what + "` must be an array of policies"};
    size_t j = 0;
    for (json::Node d : level)
      lv.push_back(compile(c, sh, d, type, std::string(what) + "[" + std::to_string(i) + "][" + std::to_string(j++) + "]"));
    out.push_back(std::move(lv));
    ++i;
  }
  return out;
}

std::string string_field(json::Node obj, const char* key, bool required) {
  json::Node v = obj.find(key);
  if (v.is_null()) {
    if (required) throw Bad{std::string("missing `") + key + "`"};
    return {};
  }
  if (!v.is_string()) throw Bad{std::string("`") + key + "` must be a string"};
  return std::string(v.text());
}

}  // namespace

PolicyCache::Key PolicyCache::make_key(std::string text) {
  Key k;
  k.hash = std::hash<std::string_view>()(text);
  k.text = std::move(text);
  return k;
}

std::shared_ptr<const CompiledPolicy> PolicyCache::find(const Key& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  return it->second;
}

void PolicyCache::insert(Key key, std::shared_ptr<const CompiledPolicy> p) {
  std::lock_guard<std::mutex> lock(mu_);
  if (map_.size() >= max_) map_.clear();  // bound memory; the corpus's repeats are mostly near each other
  map_.emplace(std::move(key), std::move(p));
}

std::size_t PolicyCache::hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}
std::size_t PolicyCache::misses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return misses_;
}
std::size_t PolicyCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return map_.size();
}

std::optional<Case> case_from_json(const json::Value& v, std::string& id, std::string& error, ActionIndex index) {
  return case_from_json(v, {}, id, error, index, nullptr);
}

std::optional<Case> case_from_json(const json::Value& v, std::string_view source, std::string& id, std::string& error,
                                   ActionIndex index, PolicyCache* cache) {
  json::Document d;
  d.assign(v);
  return case_from_json(d.root(), source, id, error, index, cache);
}

std::optional<Case> case_from_json(json::Node v, std::string_view source, std::string& id, std::string& error,
                                   ActionIndex index, PolicyCache* cache, Prune prune) {
  Sharing sh{source, cache, {}};
  id.clear();
  try {
    if (!v.is_object()) throw Bad{"a case must be a JSON object"};
    Case c;
    c.index = index;
    // One pass over the case's members (the first of each name counts, as find() would); the
    // policies are compiled afterwards in a fixed order, whatever the members' order.
    json::Node id_v, expected, tags, identity, boundaries, session, scps, rcps, resource, req;
    for (json::Node m : v) {
      std::string_view k = m.key();
      auto take = [&](json::Node& slot) {
        if (!slot) slot = m;
      };
      if (is(k, "id")) take(id_v);
      else if (is(k, "expected")) take(expected);
      else if (is(k, "tags")) take(tags);
      else if (is(k, "identityPolicies")) take(identity);
      else if (is(k, "permissionsBoundaries")) take(boundaries);
      else if (is(k, "sessionPolicies")) take(session);
      else if (is(k, "scps")) take(scps);
      else if (is(k, "rcps")) take(rcps);
      else if (is(k, "resourcePolicy")) take(resource);
      else if (is(k, "request")) take(req);
    }
    if (id_v.is_string() || id_v.kind() == json::Kind::Number) id = c.id = id_v.text();
    if (prune == Prune::ToAction && !cache) {
      // Only a well-formed action prunes (a malformed request is reported below, as always).
      json::Node action = req.is_object() ? req.find("action") : json::Node();
      if (action.is_string() && action.text().find(':') != std::string_view::npos) sh.prune_to = action.text();
    }
    if (!expected.is_null()) {
      if (!expected.is_string()) throw Bad{"`expected` must be a string"};
      c.expected = expected.text();
    }
    if (tags.is_array())
      for (json::Node s : tags)
        if (s.is_string()) c.tags.emplace_back(s.text());
    c.set.identity = compile_list(c, sh, identity, PolicyType::Inline, "identityPolicies");
    c.set.boundaries = compile_list(c, sh, boundaries, PolicyType::Boundary, "permissionsBoundaries");
    c.set.session = compile_list(c, sh, session, PolicyType::Session, "sessionPolicies");
    c.set.scp_levels = compile_levels(c, sh, scps, PolicyType::Scp, "scps");
    c.set.rcp_levels = compile_levels(c, sh, rcps, PolicyType::Rcp, "rcps");
    if (!resource.is_null()) c.set.resource = compile(c, sh, resource, PolicyType::Resource, "resourcePolicy");
    if (!req.is_object()) throw Bad{"missing `request` object"};
    c.request.principal = string_field(req, "principal", false);
    c.request.action = string_field(req, "action", true);
    c.request.resource = string_field(req, "resource", false);
    if (c.request.resource.empty()) c.request.resource = "*";
    c.request.resource_account = string_field(req, "resourceAccount", false);
    if (json::Node ctx = req.find("context"); !ctx.is_null()) {
      if (!ctx.is_object()) throw Bad{"`request.context` must be an object"};
      // Pruned to the action: only the keys the compiled statements can read are kept (the others
      // cannot change the decision); every member is still checked.
      std::vector<std::uint64_t> wanted;
      std::uint64_t lengths = 0;  // bit min(length, 63) of the wanted keys
      const bool filter = !sh.prune_to.empty();
      if (filter) {
        auto add = [&](const CompiledPolicy* p) {
          std::span<const std::uint64_t> keys = p->context_keys();
          wanted.insert(wanted.end(), keys.begin(), keys.end());
          lengths |= p->context_key_lengths();
        };
        for (const auto* list : {&c.set.identity, &c.set.boundaries, &c.set.session})
          for (const CompiledPolicy* p : *list) add(p);
        for (const auto* levels : {&c.set.scp_levels, &c.set.rcp_levels})
          for (const auto& level : *levels)
            for (const CompiledPolicy* p : level) add(p);
        if (c.set.resource) add(c.set.resource);
        std::sort(wanted.begin(), wanted.end());
      }
      c.request.context.reserve(filter ? std::min<std::size_t>(wanted.size(), ctx.size()) : ctx.size());
      for (json::Node m : ctx) {
        const std::string_view key = m.key();
        const bool keep = !filter || ((lengths >> std::min<std::size_t>(key.size(), 63) & 1) &&
                                      std::binary_search(wanted.begin(), wanted.end(), Context::hash_key(key)));
        if (m.is_array()) {
          std::vector<std::string> vals;
          if (keep) vals.reserve(m.size());
          for (json::Node x : m) {
            if (x.is_object() || x.is_array() || x.is_null())
              throw Bad{"context key `" + std::string(m.key()) + "` must hold strings"};
            if (keep) vals.emplace_back(x.text());
          }
          if (keep) c.request.context.set(m.key(), std::move(vals), true);
        } else if (m.is_string() || m.kind() == json::Kind::Number || m.kind() == json::Kind::Bool) {
          if (keep) c.request.context.set(m.key(), std::string(m.text()));
        } else {
          throw Bad{"context key `" + std::string(m.key()) + "` must be a string or an array of strings"};
        }
      }
    }
    return c;
  } catch (const Bad& b) {
    error = b.msg;
    return std::nullopt;
  }
}

}  // namespace iamforge::policy
