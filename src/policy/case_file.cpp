#include "iamforge/policy/case_file.hpp"

namespace iamforge::policy {

namespace {

struct Bad {
  std::string msg;
};

// The source and cache of the case being decoded (batch mode), or empty/null.
struct Sharing {
  std::string_view source;
  PolicyCache* cache = nullptr;
};

const CompiledPolicy* compile(Case& c, const Sharing& sh, const json::Value& doc, PolicyType type, std::string name) {
  if (sh.cache && doc.span.end > doc.span.begin && doc.span.end <= sh.source.size()) {
    // Key: type, action index, name, then the document's exact bytes.
    std::string_view bytes = sh.source.substr(doc.span.begin, doc.span.end - doc.span.begin);
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
  ParseResult r = parse(doc, type);
  if (!r.ok()) {
    for (const auto& d : r.diagnostics)
      if (d.severity == base::Severity::Error) throw Bad{name + ": " + d.message};
  }
  c.owned.emplace_back(r.policy, type, std::move(name), c.index);
  return &c.owned.back();
}

std::vector<const CompiledPolicy*> compile_list(Case& c, const Sharing& sh, const json::Value* list, PolicyType type, const char* what) {
  std::vector<const CompiledPolicy*> out;
  if (!list || list->kind == json::Kind::Null) return out;
  if (!list->is_array()) throw Bad{std::string("`") + what + "` must be an array"};
  size_t i = 0;
  for (const auto& d : list->items) out.push_back(compile(c, sh, d, type, std::string(what) + "[" + std::to_string(i++) + "]"));
  return out;
}

std::vector<std::vector<const CompiledPolicy*>> compile_levels(Case& c, const Sharing& sh, const json::Value* levels, PolicyType type,
                                                               const char* what) {
  std::vector<std::vector<const CompiledPolicy*>> out;
  if (!levels || levels->kind == json::Kind::Null) return out;
  if (!levels->is_array()) throw Bad{std::string("`") + what + "` must be an array of levels"};
  size_t i = 0;
  for (const auto& level : levels->items) {
    std::vector<const CompiledPolicy*> lv;
    if (!level.is_array()) throw Bad{std::string("each level of `") + what + "` must be an array of policies"};
    size_t j = 0;
    for (const auto& d : level.items)
      lv.push_back(compile(c, sh, d, type, std::string(what) + "[" + std::to_string(i) + "][" + std::to_string(j++) + "]"));
    out.push_back(std::move(lv));
    ++i;
  }
  return out;
}

std::string string_field(const json::Value& obj, const char* key, bool required) {
  const json::Value* v = obj.find(key);
  if (!v || v->kind == json::Kind::Null) {
    if (required) throw Bad{std::string("missing `") + key + "`"};
    return {};
  }
  if (!v->is_string()) throw Bad{std::string("`") + key + "` must be a string"};
  return v->text;
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
  const Sharing sh{source, cache};
  id.clear();
  try {
    if (!v.is_object()) throw Bad{"a case must be a JSON object"};
    Case c;
    c.index = index;
    if (const json::Value* i = v.find("id"); i && (i->is_string() || i->kind == json::Kind::Number)) id = c.id = i->text;
    c.expected = string_field(v, "expected", false);
    if (const json::Value* t = v.find("tags"); t && t->is_array())
      for (const auto& s : t->items)
        if (s.is_string()) c.tags.push_back(s.text);
    c.set.identity = compile_list(c, sh, v.find("identityPolicies"), PolicyType::Inline, "identityPolicies");
    c.set.boundaries = compile_list(c, sh, v.find("permissionsBoundaries"), PolicyType::Boundary, "permissionsBoundaries");
    c.set.session = compile_list(c, sh, v.find("sessionPolicies"), PolicyType::Session, "sessionPolicies");
    c.set.scp_levels = compile_levels(c, sh, v.find("scps"), PolicyType::Scp, "scps");
    c.set.rcp_levels = compile_levels(c, sh, v.find("rcps"), PolicyType::Rcp, "rcps");
    if (const json::Value* rp = v.find("resourcePolicy"); rp && rp->kind != json::Kind::Null)
      c.set.resource = compile(c, sh, *rp, PolicyType::Resource, "resourcePolicy");
    const json::Value* req = v.find("request");
    if (!req || !req->is_object()) throw Bad{"missing `request` object"};
    c.request.principal = string_field(*req, "principal", false);
    c.request.action = string_field(*req, "action", true);
    c.request.resource = string_field(*req, "resource", false);
    if (c.request.resource.empty()) c.request.resource = "*";
    c.request.resource_account = string_field(*req, "resourceAccount", false);
    if (const json::Value* ctx = req->find("context"); ctx && ctx->kind != json::Kind::Null) {
      if (!ctx->is_object()) throw Bad{"`request.context` must be an object"};
      c.request.context.reserve(ctx->members.size());
      for (const auto& m : ctx->members) {
        if (m.value.is_array()) {
          std::vector<std::string> vals;
          for (const auto& x : m.value.items) {
            if (x.is_object() || x.is_array() || x.kind == json::Kind::Null)
              throw Bad{"context key `" + m.key + "` must hold strings"};
            vals.push_back(x.text);
          }
          c.request.context.set(m.key, std::move(vals), true);
        } else if (m.value.is_string() || m.value.kind == json::Kind::Number || m.value.kind == json::Kind::Bool) {
          c.request.context.set(m.key, m.value.text);
        } else {
          throw Bad{"context key `" + m.key + "` must be a string or an array of strings"};
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
