// plan / apply / destroy / refresh / import: see include/iamforge/engine/engine.hpp.
#include "iamforge/engine/engine.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <unistd.h>

#include "iamforge/engine/provider.hpp"
#include "iamforge/json/json.hpp"
#include "iamforge/policy/policy.hpp"

namespace iamforge::engine {
namespace {

using StrMap = Props;

std::string json_string(const std::string& s) { return spec::to_json(spec::Value::of_string(s)); }

std::string write_map(const StrMap& m) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out += ",";
    first = false;
    out += json_string(k) + ":" + json_string(v);
  }
  return out + "}";
}

StrMap read_map(const std::string& text) {
  StrMap m;
  auto r = json::parse(text);
  if (!r.ok() || !r.value.is_object()) return m;
  for (const auto& mem : r.value.members) m[mem.key] = mem.value.text;
  return m;
}

// The value a property sends to IAM: strings as they are, documents as JSON text.
std::string raw_text(const spec::Value& v) {
  if (v.is_string()) return v.string;
  if (v.kind == spec::ValueKind::Number) return spec::format_number(v.number);
  if (v.kind == spec::ValueKind::Bool) return v.boolean ? "true" : "false";
  return spec::to_json(v);
}

// A policy document in canonical form: policy::print_compact with statements sorted (their order
// carries no meaning in IAM). Text that does not parse is compared as it is.
std::string canonical_document(const std::string& text, spec::Document doc) {
  auto type = spec::policy_type(doc);
  if (!type) return text;
  auto parsed = policy::parse(text, *type);
  if (!parsed.ok()) return text;
  auto& statements = parsed.policy.statements;
  std::vector<std::pair<std::string, std::size_t>> keys;
  for (std::size_t i = 0; i < statements.size(); ++i) {
    policy::Policy one;
    one.version = parsed.policy.version;
    one.statements.push_back(statements[i]);
    keys.emplace_back(policy::print_compact(one), i);
  }
  std::sort(keys.begin(), keys.end());
  std::vector<policy::Statement> sorted;
  for (const auto& k : keys) sorted.push_back(statements[k.second]);
  statements = std::move(sorted);
  return policy::print_compact(parsed.policy);
}

const spec::PropertySchema* schema_of(const std::string& type, std::string_view name) {
  const auto* t = spec::find_resource_type(type);
  return t ? t->find_input(name) : nullptr;
}

// The form inputs are compared and recorded in: documents canonical, sets sorted (the provider's
// canonical_input), everything else as it is.
std::string canonical_text(const std::string& type, std::string_view name, const std::string& text) {
  const auto* schema = schema_of(type, name);
  if (schema && schema->document != spec::Document::None) return canonical_document(text, schema->document);
  if (const auto* p = find_provider(type)) return p->canonical_input(name, text);
  return text;
}

std::string canonical(const std::string& type, const spec::Property& p) {
  return canonical_text(type, p.name(), raw_text(p.value));
}

bool supported(std::string_view token) { return find_provider(token) != nullptr; }

spec::Value map_value(const StrMap& m) {
  std::vector<spec::Entry> entries;
  for (const auto& [k, v] : m) entries.push_back({k, {}, spec::Value::of_string(v)});
  return spec::Value::of_map(std::move(entries));
}

spec::KnownOutputs known_from_state(state::Store& store, const std::string& stack) {
  spec::KnownOutputs known;
  for (const auto& r : store.resources(stack)) known[r.logical_name] = map_value(read_map(r.outputs_json));
  return known;
}

struct Failure {
  std::string message;
};

Props inputs_of(const spec::Resource& r) {
  Props in;
  for (const auto& p : r.inputs)
    if (p.value.is_known() && !p.value.is_null()) in[std::string(p.name())] = raw_text(p.value);
  return in;
}

const Provider& provider_for(std::string_view type) {
  const auto* p = find_provider(type);
  if (!p) throw Failure{"unsupported resource type " + std::string(type)};
  return *p;
}

bool ignored(const spec::Resource& r, const std::string& name) {
  return std::find(r.options.ignore_changes.begin(), r.options.ignore_changes.end(), name) !=
         r.options.ignore_changes.end();
}

// The default IAM gives `name` when the stack leaves it out, canonical; "" when none.
std::string default_of(const Provider* p, const std::string& type, const std::string& name) {
  if (!p) return {};
  auto d = p->input_defaults();
  auto it = d.find(name);
  return it == d.end() ? std::string() : canonical_text(type, name, it->second);
}

// What the resource's inputs differ in from `before` (canonical texts, as state records them).
std::vector<PropertyDiff> diff_inputs(const spec::Resource& r, const StrMap& before) {
  const std::string type(r.type->token);
  const auto* prov = find_provider(type);
  std::vector<PropertyDiff> diffs;
  for (const auto& prop : r.inputs) {
    const std::string name(prop.name());
    if (ignored(r, name)) continue;
    auto it = before.find(name);
    const bool known = prop.value.is_known();
    if (known && prop.value.is_null()) {
      if (it == before.end() || it->second == default_of(prov, type, name)) continue;
      diffs.push_back({name, it->second, "", prop.schema->forces_replacement()});
      continue;
    }
    std::string now;
    if (known) {
      now = canonical(type, prop);
      if (it != before.end() && it->second == now) continue;
      if (it == before.end() && !default_of(prov, type, name).empty() && now == default_of(prov, type, name)) continue;
    }
    // Known values are shown in the (canonical) form they are compared in, like `before`.
    diffs.push_back({name, it == before.end() ? "" : it->second, known ? now : spec::to_display(prop.value),
                     prop.schema->forces_replacement()});
  }
  for (const auto& [name, value] : before)
    if (!r.find_input(name) && !ignored(r, name)) {
      if (value == default_of(prov, type, name)) continue;
      const auto* schema = r.type->find_input(name);
      diffs.push_back({name, value, "", schema && schema->forces_replacement()});
    }
  return diffs;
}

// The inputs state records for `r`: canonical; ignored ones keep their recorded value.
StrMap record_inputs(const spec::Resource& r, const StrMap* before) {
  const std::string type(r.type->token);
  StrMap m;
  for (const auto& p : r.inputs) {
    const std::string name(p.name());
    if (before && ignored(r, name)) {
      if (auto it = before->find(name); it != before->end()) m[name] = it->second;
      continue;
    }
    if (p.value.is_known() && !p.value.is_null()) m[name] = canonical(type, p);
  }
  if (before)
    for (const auto& [k, v] : *before)
      if (ignored(r, k) && !r.find_input(k)) m[k] = v;
  return m;
}

std::string flags_of(const spec::Resource& r) {
  std::string f;
  if (r.options.protect) f += "protect";
  if (r.options.retain_on_delete) f += f.empty() ? "retain" : ",retain";
  return f;
}
bool has_flag(const std::string& flags, std::string_view flag) {
  std::size_t start = 0;
  while (start <= flags.size()) {
    auto end = flags.find(',', start);
    if (end == std::string::npos) end = flags.size();
    if (std::string_view(flags).substr(start, end - start) == flag) return true;
    start = end + 1;
  }
  return false;
}

// State inputs brought to what the target reports (refresh, reconcile): `recorded` keys take the
// live value (absent live: the default, or gone); inputs IAM does not store keep their state
// value; a live value state does not record is added unless it is the default (or the name).
StrMap overlay(const std::string& type, const StrMap& recorded, const Props& live) {
  const auto* prov = find_provider(type);
  std::set<std::string, std::less<>> unread;
  if (prov)
    for (auto n : prov->unread_inputs()) unread.emplace(n);
  StrMap out;
  for (const auto& [k, v] : recorded) {
    if (unread.count(k)) {
      out[k] = v;
      continue;
    }
    auto it = live.find(k);
    if (it == live.end() || it->second.empty()) {
      if (v == default_of(prov, type, k)) out[k] = v;
      continue;
    }
    out[k] = canonical_text(type, k, it->second);
  }
  for (const auto& [k, lv] : live) {
    if (recorded.count(k) || unread.count(k) || k == "name" || k == "namePrefix" || lv.empty()) continue;
    if (!schema_of(type, k)) continue;
    auto c = canonical_text(type, k, lv);
    if (c == default_of(prov, type, k)) continue;
    out[k] = c;
  }
  return out;
}

std::vector<PropertyDiff> diff_maps(const std::string& type, const StrMap& before, const StrMap& after) {
  std::vector<PropertyDiff> d;
  std::set<std::string> keys;
  for (const auto& [k, v] : before) keys.insert(k);
  for (const auto& [k, v] : after) keys.insert(k);
  for (const auto& k : keys) {
    auto b = before.find(k);
    auto a = after.find(k);
    std::string bv = b == before.end() ? "" : b->second, av = a == after.end() ? "" : a->second;
    if (bv == av) continue;
    const auto* schema = schema_of(type, k);
    d.push_back({k, bv, av, schema && schema->forces_replacement()});
  }
  return d;
}

std::string backend_error(const backend::ApiError& e) { return backend::to_string(e); }

// The policy ARN of a policy named `name` under `path` (reconciling a create: the ARN holds the
// account, which the engine does not know before the create).
std::string find_policy_arn(backend::Backend& be, const std::string& name, const std::string& path) {
  backend::ListPoliciesRequest req;
  req.scope = backend::PolicyScopeType::Local;
  req.path_prefix = path.empty() ? "/" : path;
  for (;;) {
    auto r = be.list_policies(req);
    if (!r.ok()) throw Failure{backend_error(r.error())};
    for (const auto& p : r->policies)
      if (p.policy_name == name) return p.arn;
    if (!r->is_truncated) return "";
    req.marker = r->marker;
  }
}

std::string get(const StrMap& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? std::string() : it->second;
}

// ---- test hook: IAMFORGE_TEST_KILL_AFTER=N raises SIGKILL after the Nth backend call ----------

}  // namespace
namespace killtest {
using namespace iamforge::backend;  // operations.def names the request and response types unqualified

class KillingBackend final : public Backend {
 public:
  KillingBackend(Backend& inner, long after) : inner_(inner), after_(after) {}
#define IAM_OPERATION(action, method, request_type, response_type)               \
  Result<response_type> method(const request_type& r) override {                  \
    auto res = inner_.method(r);                                                  \
    tick();                                                                       \
    return res;                                                                   \
  }
#include "iamforge/backend/operations.def"
#undef IAM_OPERATION

 private:
  void tick() {
    if (++count_ >= after_) ::raise(SIGKILL);
  }
  Backend& inner_;
  long after_;
  std::atomic<long> count_{0};
};
}  // namespace killtest
namespace {

std::unique_ptr<backend::Backend> maybe_killing(backend::Backend& be) {
  const char* env = std::getenv("IAMFORGE_TEST_KILL_AFTER");
  if (!env || !*env) return nullptr;
  char* end = nullptr;
  long n = std::strtol(env, &end, 10);
  if (!end || *end || n <= 0) return nullptr;
  return std::make_unique<killtest::KillingBackend>(be, n);
}

}  // namespace

namespace detail {

std::string expected_id(const std::string& type, const Props& in, const std::string& name) {
  auto at = [&](const char* k) { return get(in, k); };
  if (type == "aws:iam:Role" || type == "aws:iam:Group" || type == "aws:iam:User" || type == "aws:iam:InstanceProfile")
    return name;
  if (type == "aws:iam:RolePolicyAttachment") return at("role") + "/" + at("policyArn");
  if (type == "aws:iam:GroupPolicyAttachment") return at("group") + "/" + at("policyArn");
  if (type == "aws:iam:UserPolicyAttachment") return at("user") + "/" + at("policyArn");
  if (type == "aws:iam:RolePolicy") return at("role") + ":" + name;
  if (type == "aws:iam:GroupPolicy") return at("group") + ":" + name;
  if (type == "aws:iam:UserPolicy") return at("user") + ":" + name;
  if (type == "aws:iam:GroupMembership") return at("group");
  if (type == "aws:iam:UserGroupMembership") {
    std::string id = at("user");
    auto r = json::parse(at("groups"));
    if (r.ok() && r.value.is_array())
      for (const auto& g : r.value.items) id += "/" + g.text;
    return id;
  }
  return "";  // aws:iam:Policy: the ARN, found by name when needed
}

std::string random_suffix() {
  static const char kAlnum[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::mt19937 gen(rd());
  std::uniform_int_distribution<int> dist(0, 35);
  std::string s;
  for (int i = 0; i < 7; ++i) s += kAlnum[dist(gen)];
  return s;
}

std::string prefix_suffix() {
  static std::atomic<std::uint32_t> counter{std::random_device{}()};
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y%m%d%H%M%S", &tm);
  auto frac = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000 / 100;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%04d%08x", ts, static_cast<int>(frac), static_cast<unsigned>(++counter));
  return buf;
}

}  // namespace detail

std::string_view to_string(Action a) {
  switch (a) {
    case Action::Same: return "same";
    case Action::Create: return "create";
    case Action::Update: return "update";
    case Action::Replace: return "replace";
    case Action::Delete: return "delete";
    case Action::Import: return "import";
  }
  return "?";
}

int Plan::count(Action a) const {
  return static_cast<int>(std::count_if(changes.begin(), changes.end(), [a](const Change& c) { return c.action == a; }));
}
bool Plan::has_changes() const { return changes.size() != static_cast<size_t>(count(Action::Same)); }
std::string Plan::summary() const {
  std::string s = "Plan: " + std::to_string(count(Action::Create)) + " to create, " +
                  std::to_string(count(Action::Update)) + " to update, " + std::to_string(count(Action::Replace)) +
                  " to replace, " + std::to_string(count(Action::Delete)) + " to delete";
  if (int n = count(Action::Import)) s += ", " + std::to_string(n) + " to import";
  return s;
}

namespace {

base::Diagnostic plan_error(std::string code, std::string message, base::Span span = {}) {
  base::Diagnostic d;
  d.severity = base::Severity::Error;
  d.code = std::move(code);
  d.message = std::move(message);
  d.span = span;
  return d;
}

// Reads `id` for an import: the recorded inputs are the live ones for the inputs the stack writes
// (inputs IAM does not store come from the stack).
void plan_import(Change& c, const spec::Resource& r, backend::Backend* be, Plan& p) {
  const std::string type(r.type->token);
  const auto& prov = *find_provider(type);
  if (!be) {
    p.errors.push_back(plan_error("engine.import", "`" + r.name + "`: importing needs the target", r.name_span));
    return;
  }
  auto rr = prov.read(*be, c.import_id);
  if (!rr.ok()) {
    p.errors.push_back(plan_error("engine.import",
                                  "`" + r.name + "`: cannot read " + type + " " + c.import_id + ": " +
                                      backend_error(rr.error()),
                                  r.options.span.end == 0 ? r.name_span : r.options.span));
    return;
  }
  if (!rr->exists) {
    p.errors.push_back(plan_error("engine.import", "`" + r.name + "`: " + type + " " + c.import_id + " does not exist",
                                  r.options.span.end == 0 ? r.name_span : r.options.span));
    return;
  }
  std::set<std::string, std::less<>> unread;
  for (auto n : prov.unread_inputs()) unread.emplace(n);
  StrMap before;
  for (const auto& in : r.inputs) {
    const std::string name(in.name());
    if (unread.count(name)) {
      if (in.value.is_known() && !in.value.is_null()) before[name] = canonical(type, in);
      continue;
    }
    auto it = rr->inputs.find(name);
    if (it != rr->inputs.end() && !it->second.empty()) before[name] = canonical_text(type, name, it->second);
  }
  c.import_inputs_json = write_map(before);
  c.import_outputs_json = write_map(rr->outputs);
  c.diffs = diff_inputs(r, before);
  for (const auto& d : c.diffs)
    if (d.forces_replacement && d.name != "namePrefix") {
      p.errors.push_back(plan_error("engine.import",
                                    "`" + r.name + "`: the stack's `" + d.name + "` (" + d.after +
                                        ") differs from the imported resource's (" + d.before +
                                        "), which would replace it; write the live value",
                                    r.name_span));
      break;
    }
}

}  // namespace

Plan plan(spec::Graph& graph, state::Store& store, const std::string& stack, backend::Backend* be) {
  Plan p;
  auto recs = store.resources(stack);
  std::map<std::string, const state::ResourceRecord*> by_name;
  for (const auto& r : recs) by_name[r.logical_name] = &r;
  spec::resolve(graph, known_from_state(store, stack));
  std::set<std::string> declared;
  for (auto i : graph.order) {
    const auto& r = graph.resources[i];
    declared.insert(r.name);
    if (!supported(r.type->token)) {
      p.errors.push_back(plan_error("spec.unsupported",
                                    "resource type " + std::string(r.type->token) + " is not supported by apply yet",
                                    r.type_span));
      continue;
    }
    Change c;
    c.logical_name = r.name;
    c.type = std::string(r.type->token);
    c.graph_index = static_cast<int>(i);
    auto found = by_name.find(r.name);
    const state::ResourceRecord* rec = found == by_name.end() ? nullptr : found->second;
    if (!rec && r.options.import_id) {
      c.action = Action::Import;
      c.import_id = *r.options.import_id;
      plan_import(c, r, be, p);
    } else if (!rec) {
      c.action = Action::Create;
      for (const auto& prop : r.inputs)
        c.diffs.push_back({std::string(prop.name()), "",
                           prop.value.is_known() ? canonical(c.type, prop) : spec::to_display(prop.value), false});
    } else {
      c.diffs = diff_inputs(r, read_map(rec->inputs_json));
      for (const auto& d : c.diffs)
        if (d.forces_replacement && c.replace_reason.empty()) c.replace_reason = d.name;
      if (!c.replace_reason.empty() && (r.options.protect || has_flag(rec->flags, "protect")))
        p.errors.push_back(plan_error("engine.protected",
                                      "`" + r.name + "` is protected and a change of `" + c.replace_reason +
                                          "` would replace it",
                                      r.name_span));
      if (!c.replace_reason.empty()) {
        c.action = Action::Replace;
        // Create-before-delete when the new one can have another name: auto-named, namePrefix,
        // a type without names, or a change of the name itself.
        const bool renames = r.is_autonamed() || r.find_input("namePrefix") || !r.type->find_input("name") ||
                             std::any_of(c.diffs.begin(), c.diffs.end(), [](const auto& d) { return d.name == "name"; });
        c.delete_before_replace = r.options.delete_before_replace || !renames;
      } else if (!c.diffs.empty()) {
        c.action = Action::Update;
      }
    }
    p.changes.push_back(std::move(c));
  }
  for (auto it = recs.rbegin(); it != recs.rend(); ++it)
    if (!declared.count(it->logical_name)) {
      Change c;
      c.action = Action::Delete;
      c.logical_name = it->logical_name;
      c.type = it->type;
      c.retain = has_flag(it->flags, "retain");
      if (has_flag(it->flags, "protect"))
        p.errors.push_back(plan_error("engine.protected", "`" + it->logical_name +
                                                              "` is protected (options.protect) and no longer in the "
                                                              "stack; put it back, or remove the option and apply first"));
      p.changes.push_back(std::move(c));
    }
  auto pending = store.pending_deletes(stack);
  for (auto it = pending.rbegin(); it != pending.rend(); ++it) {
    Change c;
    c.action = Action::Delete;
    c.logical_name = it->logical_name;
    c.type = it->type;
    c.pending_seq = it->seq;
    p.changes.push_back(std::move(c));
  }
  return p;
}

// ---- apply --------------------------------------------------------------------------------------

namespace {

class Runner {
 public:
  Runner(spec::Graph& graph, state::Store& store, backend::Backend& be, const std::string& stack,
         const Progress& progress)
      : graph_(graph), store_(store), be_(be), stack_(stack), progress_(progress) {
    known_ = known_from_state(store, stack);
  }

  spec::KnownOutputs& known() { return known_; }
  std::vector<std::string>& ops() { return ops_; }

  // Deletes a recorded resource (intent first); `retain` only forgets it.
  void remove_recorded(const Change& c, const state::ResourceRecord& rec, bool retain) {
    std::unique_lock lk(mu_);
    remove_locked(c, rec, retain, lk);
    known_.erase(c.logical_name);
  }

  // Deletes the replaced copies left in state, newest first (dependents were replaced after what
  // they depend on).
  void pending_deletes() {
    std::unique_lock lk(mu_);
    auto pending = store_.pending_deletes(stack_);
    for (auto it = pending.rbegin(); it != pending.rend(); ++it) {
      Change c;
      c.action = Action::Delete;
      c.logical_name = it->logical_name;
      c.type = it->type;
      c.pending_seq = it->seq;
      progress_(c, "deleting replaced");
      const auto& prov = provider_for(it->type);
      auto outputs = read_map(it->outputs_json);
      lk.unlock();
      auto s = prov.remove(be_, outputs);
      lk.lock();
      if (!s.ok()) throw Failure{c.logical_name + " (replaced copy " + it->physical_id + "): " + backend_error(s.error())};
      store_.delete_pending_delete(it->seq);
      ops_.push_back("delete replaced " + c.logical_name);
      progress_(c, "deleted replaced");
    }
  }

  // Creates, updates, replaces or imports one declared resource. Called from worker threads.
  void run(const Change& c) {
    std::unique_lock lk(mu_);
    run_locked(c, lk);
  }

  std::mutex& mutex() { return mu_; }

 private:
  void remove_locked(const Change& c, const state::ResourceRecord& rec, bool retain, std::unique_lock<std::mutex>& lk) {
    if (retain) {
      store_.delete_resource(stack_, rec.logical_name);
      ops_.push_back("forget " + c.logical_name + " (retainOnDelete)");
      progress_(c, "forgotten (retainOnDelete)");
      return;
    }
    progress_(c, "deleting");
    state::Intent in;
    in.logical_name = rec.logical_name;
    in.kind = "delete";
    in.type = rec.type;
    in.physical_id = rec.physical_id;
    in.physical_name = rec.physical_name;
    in.outputs_json = rec.outputs_json;
    store_.put_intent(stack_, in);
    const auto& prov = provider_for(rec.type);
    auto outputs = read_map(rec.outputs_json);
    lk.unlock();
    auto s = prov.remove(be_, outputs);
    lk.lock();
    if (!s.ok()) {
      store_.delete_intent(stack_, rec.logical_name, "delete");
      throw Failure{c.logical_name + ": " + backend_error(s.error())};
    }
    store_.atomically([&] {
      store_.delete_resource(stack_, rec.logical_name);
      store_.delete_intent(stack_, rec.logical_name, "delete");
    });
    ops_.push_back("delete " + c.logical_name);
    progress_(c, "deleted");
  }

  void run_locked(const Change& c, std::unique_lock<std::mutex>& lk) {
    const auto index = static_cast<std::uint32_t>(c.graph_index);
    auto rr = spec::resolve_resource(graph_, index, known_);
    const spec::Resource& r = graph_.resources[index];
    if (!rr.ok()) throw Failure{c.logical_name + ": " + rr.errors.front().message};
    if (!r.is_known()) throw Failure{c.logical_name + ": inputs still unknown"};
    const std::string type(r.type->token);
    const auto& prov = provider_for(type);
    auto rec = store_.resource(stack_, c.logical_name);
    const std::string flags = flags_of(r);
    Action action = c.action;

    if (action == Action::Import && !rec) {
      progress_(c, "importing");
      state::ResourceRecord nrec;
      nrec.logical_name = r.name;
      nrec.type = type;
      auto outs = read_map(c.import_outputs_json);
      nrec.physical_id = get(outs, "id").empty() ? c.import_id : get(outs, "id");
      nrec.physical_name = get(outs, "name");
      nrec.inputs_json = c.import_inputs_json;
      nrec.outputs_json = c.import_outputs_json;
      nrec.flags = flags;
      store_.put_resource(stack_, nrec);
      known_[c.logical_name] = map_value(outs);
      ops_.push_back("import " + c.logical_name + " (" + c.import_id + ")");
      progress_(c, "imported");
      rec = nrec;
    }

    // Diff again now that every input is known (an upstream change may have made them equal, or
    // an unknown one turned out to force a replacement).
    std::vector<PropertyDiff> diffs;
    bool dbr = c.delete_before_replace;
    if (rec) {
      diffs = diff_inputs(r, read_map(rec->inputs_json));
      const bool replace = std::any_of(diffs.begin(), diffs.end(), [](const auto& d) { return d.forces_replacement; });
      action = diffs.empty() ? Action::Same : replace ? Action::Replace : Action::Update;
      if (action == Action::Replace && c.action != Action::Replace) {
        if (r.options.protect || has_flag(rec->flags, "protect"))
          throw Failure{c.logical_name + ": protected, and its new inputs would replace it"};
        const bool renames = r.is_autonamed() || r.find_input("namePrefix") || !r.type->find_input("name");
        dbr = r.options.delete_before_replace || !renames;
      }
    } else {
      action = Action::Create;
    }

    if (action == Action::Same) {
      if (rec && rec->flags != flags) {
        rec->flags = flags;
        store_.put_resource(stack_, *rec);
      }
      if (rec) known_[c.logical_name] = map_value(read_map(rec->outputs_json));
      return;
    }

    const Props in = inputs_of(r);
    StrMap before = rec ? read_map(rec->inputs_json) : StrMap{};
    const StrMap recorded = record_inputs(r, rec ? &before : nullptr);
    state::ResourceRecord nrec;
    nrec.logical_name = r.name;
    nrec.type = type;
    nrec.flags = flags;
    nrec.inputs_json = write_map(recorded);

    if (action == Action::Update) {
      progress_(c, "updating");
      state::Intent intent;
      intent.logical_name = r.name;
      intent.kind = "update";
      intent.type = type;
      intent.physical_id = rec->physical_id;
      intent.physical_name = rec->physical_name;
      intent.suffix = rec->suffix;
      intent.inputs_json = nrec.inputs_json;
      intent.outputs_json = rec->outputs_json;
      intent.flags = flags;
      store_.put_intent(stack_, intent);
      std::vector<std::string> changed;
      for (const auto& d : diffs) changed.push_back(d.name);
      auto old_outputs = read_map(rec->outputs_json);
      lk.unlock();
      auto res = prov.update(be_, in, old_outputs, changed);
      lk.lock();
      if (!res.ok()) {
        store_.delete_intent(stack_, r.name, "update");
        throw Failure{c.logical_name + ": " + backend_error(res.error())};
      }
      nrec.physical_id = get(*res, "id").empty() ? rec->physical_id : get(*res, "id");
      nrec.physical_name = rec->physical_name;
      nrec.suffix = rec->suffix;
      nrec.outputs_json = write_map(*res);
      store_.atomically([&] {
        store_.put_resource(stack_, nrec);
        store_.delete_intent(stack_, r.name, "update");
      });
      known_[c.logical_name] = map_value(*res);
      ops_.push_back("update " + c.logical_name);
      progress_(c, "updated");
      return;
    }

    const bool replacing = action == Action::Replace && rec;
    const bool retain_old = rec && (has_flag(rec->flags, "retain") || r.options.retain_on_delete);
    if (replacing && dbr) {
      progress_(c, "replacing (delete first)");
      remove_locked(c, *rec, retain_old, lk);
      known_.erase(c.logical_name);
    } else {
      progress_(c, replacing ? "replacing" : "creating");
    }

    // The physical name: `name`, namePrefix + suffix, or logical name + suffix. A suffix an
    // interrupted create reserved is reused, so a retried create takes the same name.
    std::string suffix;
    std::string physical_name;
    const auto* name_in = r.find_input("name");
    const auto* prefix_in = r.find_input("namePrefix");
    std::optional<state::Intent> reserved;
    for (auto& i : store_.intents(stack_))
      if (i.logical_name == r.name && i.kind == "name") reserved = i;
    auto reuse = [&](const std::string& candidate_prefix) {
      return !replacing && reserved && reserved->physical_name.size() == candidate_prefix.size() + reserved->suffix.size() &&
             reserved->physical_name.compare(0, candidate_prefix.size(), candidate_prefix) == 0;
    };
    if (name_in && !name_in->value.is_null()) {
      physical_name = raw_text(name_in->value);
    } else if (prefix_in && !prefix_in->value.is_null()) {
      const std::string prefix = raw_text(prefix_in->value);
      suffix = reuse(prefix) ? reserved->suffix : detail::prefix_suffix();
      physical_name = prefix + suffix;
    } else if (r.is_autonamed()) {
      const std::string prefix = r.name + "-";
      suffix = reuse(prefix) ? reserved->suffix : detail::random_suffix();
      physical_name = prefix + suffix;
    }
    state::Intent intent;
    intent.logical_name = r.name;
    intent.kind = "create";
    intent.type = type;
    intent.physical_id = detail::expected_id(type, in, physical_name);
    intent.physical_name = physical_name;
    intent.suffix = suffix;
    intent.inputs_json = nrec.inputs_json;
    intent.outputs_json = "{}";
    intent.flags = flags;
    store_.put_intent(stack_, intent);
    lk.unlock();
    auto res = prov.create(be_, in, physical_name);
    lk.lock();
    if (!res.ok()) {
      store_.atomically([&] {
        store_.delete_intent(stack_, r.name, "create");
        if (!suffix.empty()) {
          intent.kind = "name";
          store_.put_intent(stack_, intent);
        }
      });
      throw Failure{c.logical_name + ": " + backend_error(res.error())};
    }
    nrec.physical_id = get(*res, "id");
    nrec.physical_name = physical_name.empty() ? get(*res, "name") : physical_name;
    nrec.suffix = suffix;
    nrec.outputs_json = write_map(*res);
    auto old = store_.resource(stack_, r.name);  // still there when replacing create-before-delete
    store_.atomically([&] {
      if (old && !retain_old)
        store_.add_pending_delete(stack_, {0, old->logical_name, old->type, old->physical_id, old->outputs_json});
      store_.put_resource(stack_, nrec);
      store_.delete_intent(stack_, r.name, "create");
      store_.delete_intent(stack_, r.name, "name");
    });
    known_[c.logical_name] = map_value(*res);
    ops_.push_back((replacing ? "replace " : "create ") + c.logical_name);
    progress_(c, replacing ? "replaced" : "created");
  }

  spec::Graph& graph_;
  state::Store& store_;
  backend::Backend& be_;
  const std::string& stack_;
  const Progress& progress_;
  std::mutex mu_;
  spec::KnownOutputs known_;
  std::vector<std::string> ops_;
};

std::string join_lines(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

// Records a failed apply or destroy: the error, the operations done, and the history entry
// (best effort: the state database may be what failed).
void fail_recorded(state::Store& store, std::int64_t history, Runner& runner, ApplyResult& result,
                   std::string error) {
  result.ok = false;
  result.error = std::move(error);
  result.operations = runner.ops();
  try {
    store.finish_history(history, "failed: " + result.error, join_lines(result.operations));
  } catch (const state::StateError&) {
  }
}

}  // namespace

ApplyResult apply(const Plan& plan, spec::Graph& graph, state::Store& store, backend::Backend& backend_in,
                  const std::string& stack, const Progress& progress_in, const ApplyOptions& options) {
  ApplyResult result;
  auto killer = maybe_killing(backend_in);
  backend::Backend& be = killer ? *killer : backend_in;
  const auto history = store.begin_history(stack, plan.summary(), "apply");
  Progress progress = [&](const Change& c, const std::string& s) {
    if (progress_in) progress_in(c, s);
  };
  Runner runner(graph, store, be, stack, progress);
  std::string error;
  try {
    // Deletes of undeclared resources first (they are dependents or unrelated), in reverse order.
    for (const auto& c : plan.changes) {
      if (c.action != Action::Delete || c.pending_seq) continue;
      auto rec = store.resource(stack, c.logical_name);
      if (!rec) continue;
      if (has_flag(rec->flags, "protect")) throw Failure{c.logical_name + ": protected (options.protect)"};
      runner.remove_recorded(c, *rec, c.retain || has_flag(rec->flags, "retain"));
    }

    // Creates, updates, replacements and imports: a resource starts once everything it depends on
    // is done; up to `parallel` at once; each result is committed before dependents start.
    std::vector<const Change*> work;
    std::map<int, std::size_t> by_index;
    for (const auto& c : plan.changes)
      if (c.action != Action::Delete && c.graph_index >= 0) {
        by_index[c.graph_index] = work.size();
        work.push_back(&c);
      }
    std::vector<int> waiting(work.size(), 0);
    std::vector<std::vector<std::size_t>> dependents(work.size());
    for (std::size_t i = 0; i < work.size(); ++i)
      for (auto dep : graph.resources[static_cast<std::size_t>(work[i]->graph_index)].dependencies) {
        auto it = by_index.find(static_cast<int>(dep));
        if (it == by_index.end()) continue;
        ++waiting[i];
        dependents[it->second].push_back(i);
      }
    std::deque<std::size_t> ready;
    for (std::size_t i = 0; i < work.size(); ++i)
      if (waiting[i] == 0) ready.push_back(i);
    std::mutex mu;
    std::condition_variable cv;
    int running = 0;
    bool failed = false;
    auto worker = [&] {
      std::unique_lock lk(mu);
      for (;;) {
        cv.wait(lk, [&] { return failed || !ready.empty() || running == 0; });
        if (failed || ready.empty()) {
          cv.notify_all();
          return;
        }
        auto i = ready.front();
        ready.pop_front();
        ++running;
        lk.unlock();
        std::string err;
        try {
          runner.run(*work[i]);
        } catch (const Failure& f) {
          err = f.message;
        } catch (const std::exception& e) {
          err = work[i]->logical_name + ": " + e.what();
        }
        lk.lock();
        --running;
        if (!err.empty()) {
          if (!failed) error = err;
          failed = true;
        } else {
          for (auto d : dependents[i])
            if (--waiting[d] == 0) ready.push_back(d);
        }
        cv.notify_all();
      }
    };
    const int threads = std::max(1, std::min<int>(options.parallel, static_cast<int>(work.size())));
    if (threads <= 1) {
      worker();
    } else {
      std::vector<std::thread> pool;
      for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
      for (auto& t : pool) t.join();
    }
    if (failed) throw Failure{error};

    runner.pending_deletes();
    // Names kept for resources that are no longer declared are of no further use.
    for (const auto& i : store.intents(stack))
      if (i.kind == "name" && !graph.index_of(i.logical_name)) store.delete_intent(stack, i.logical_name, "name");
    spec::resolve(graph, runner.known());
    for (const auto& o : graph.outputs) result.outputs[o.name] = o.value.is_known() ? raw_text(o.value) : "";
    store.set_outputs(stack, result.outputs);
    store.finish_history(history, "succeeded", join_lines(runner.ops()));
  } catch (const Failure& f) {
    fail_recorded(store, history, runner, result, f.message);
    return result;
  } catch (const state::StateError& e) {
    fail_recorded(store, history, runner, result, e.what());
    return result;
  }
  result.operations = runner.ops();
  return result;
}

ApplyResult destroy(state::Store& store, backend::Backend& backend_in, const std::string& stack,
                    const Progress& progress) {
  ApplyResult result;
  auto recs = store.resources(stack);
  for (const auto& r : recs)
    if (has_flag(r.flags, "protect")) {
      result.ok = false;
      result.error = r.logical_name + " is protected (options.protect); remove the option and apply first";
      return result;
    }
  auto killer = maybe_killing(backend_in);
  backend::Backend& be = killer ? *killer : backend_in;
  const auto history = store.begin_history(stack, "destroy " + std::to_string(recs.size()) + " resources", "destroy");
  spec::Graph empty;
  Progress prog = [&](const Change& c, const std::string& s) {
    if (progress) progress(c, s);
  };
  Runner runner(empty, store, be, stack, prog);
  try {
    runner.pending_deletes();
    // Attachments and memberships first, then the rest in reverse creation order.
    std::stable_partition(recs.begin(), recs.end(), [](const auto& r) {
      return r.type.find("Attachment") == std::string::npos && r.type.find("Membership") == std::string::npos;
    });
    for (auto it = recs.rbegin(); it != recs.rend(); ++it) {
      Change c;
      c.action = Action::Delete;
      c.logical_name = it->logical_name;
      c.type = it->type;
      runner.remove_recorded(c, *it, has_flag(it->flags, "retain"));
    }
    store.set_outputs(stack, {});
    store.finish_history(history, "succeeded", join_lines(runner.ops()));
  } catch (const Failure& f) {
    fail_recorded(store, history, runner, result, f.message);
    return result;
  } catch (const state::StateError& e) {
    fail_recorded(store, history, runner, result, e.what());
    return result;
  }
  result.operations = runner.ops();
  return result;
}

// ---- reconcile ----------------------------------------------------------------------------------

bool needs_reconcile(state::Store& store, const std::string& stack) {
  for (const auto& i : store.intents(stack))
    if (i.kind != "name") return true;
  return false;
}

ReconcileResult reconcile(state::Store& store, backend::Backend& be, const std::string& stack) {
  ReconcileResult result;
  for (const auto& in : store.intents(stack)) {
    if (in.kind == "name") continue;
    try {
      const auto& prov = provider_for(in.type);
      std::string id = in.physical_id;
      if (id.empty() && in.kind == "create" && in.type == "aws:iam:Policy")
        id = find_policy_arn(be, in.physical_name, get(read_map(in.inputs_json), "path"));
      if (id.empty() && in.kind == "create") {
        // Nothing by that name: the create did not happen.
        store.atomically([&] {
          store.delete_intent(stack, in.logical_name, "create");
          if (!in.suffix.empty()) {
            auto keep = in;
            keep.kind = "name";
            store.put_intent(stack, keep);
          }
        });
        result.notes.push_back("interrupted create of " + in.logical_name + " (" + in.physical_name +
                               ") did not happen");
        continue;
      }
      auto rr = prov.read(be, id);
      if (!rr.ok()) {
        if (in.kind != "create") {
          // The record in state is what it was before; retrying the operation is safe.
          store.delete_intent(stack, in.logical_name, in.kind);
          result.notes.push_back("interrupted " + in.kind + " of " + in.logical_name + " will be retried");
          continue;
        }
        throw Failure{"cannot settle the interrupted create of " + in.logical_name + " (" + in.type + " " + id +
                      "): " + backend_error(rr.error())};
      }
      if (in.kind == "create") {
        if (!rr->exists) {
          store.atomically([&] {
            store.delete_intent(stack, in.logical_name, "create");
            if (!in.suffix.empty()) {
              auto keep = in;
              keep.kind = "name";
              store.put_intent(stack, keep);
            }
          });
          result.notes.push_back("interrupted create of " + in.logical_name + " did not happen");
          continue;
        }
        state::ResourceRecord rec;
        rec.logical_name = in.logical_name;
        rec.type = in.type;
        rec.physical_id = get(rr->outputs, "id").empty() ? id : get(rr->outputs, "id");
        rec.physical_name = in.physical_name.empty() ? get(rr->outputs, "name") : in.physical_name;
        rec.suffix = in.suffix;
        rec.inputs_json = write_map(overlay(in.type, read_map(in.inputs_json), rr->inputs));
        rec.outputs_json = write_map(rr->outputs);
        rec.flags = in.flags;
        auto old = store.resource(stack, in.logical_name);
        store.atomically([&] {
          if (old && old->physical_id != rec.physical_id)
            store.add_pending_delete(stack, {0, old->logical_name, old->type, old->physical_id, old->outputs_json});
          store.put_resource(stack, rec);
          store.delete_intent(stack, in.logical_name, "create");
          store.delete_intent(stack, in.logical_name, "name");
        });
        result.notes.push_back("interrupted create of " + in.logical_name + " (" + rec.physical_id + ") adopted");
        continue;
      }
      auto rec = store.resource(stack, in.logical_name);
      if (!rr->exists) {
        store.atomically([&] {
          if (rec && rec->physical_id == in.physical_id) store.delete_resource(stack, in.logical_name);
          store.delete_intent(stack, in.logical_name, in.kind);
        });
        result.notes.push_back("interrupted " + in.kind + " of " + in.logical_name + ": gone from the target");
        continue;
      }
      store.atomically([&] {
        if (rec && in.kind == "update" && rec->physical_id == in.physical_id) {
          rec->inputs_json = write_map(overlay(in.type, read_map(rec->inputs_json), rr->inputs));
          auto outs = read_map(rec->outputs_json);
          for (const auto& [k, v] : rr->outputs) outs[k] = v;
          rec->outputs_json = write_map(outs);
          store.put_resource(stack, *rec);
        }
        store.delete_intent(stack, in.logical_name, in.kind);
      });
      result.notes.push_back("interrupted " + in.kind + " of " + in.logical_name + " read back");
    } catch (const Failure& f) {
      result.ok = false;
      if (result.error.empty()) result.error = f.message;
    }
  }
  return result;
}

// ---- refresh ------------------------------------------------------------------------------------

namespace {

// Managed and inline policies on the stack's roles, groups and users that no resource of the stack
// declares (attached by hand). Reads the target; throws Failure on an error other than NoSuchEntity.
void find_unmanaged(state::Store& store, backend::Backend& be, const std::string& stack,
                    std::vector<Unmanaged>& out) {
  struct Kind {
    const char* entity;       // resource type of the entity
    const char* attachment;   // its managed-policy attachment type
    const char* inline_type;  // its inline policy type
    const char* key;          // the attachment's / inline policy's property naming the entity
  };
  static const Kind kKinds[] = {
      {"aws:iam:Role", "aws:iam:RolePolicyAttachment", "aws:iam:RolePolicy", "role"},
      {"aws:iam:Group", "aws:iam:GroupPolicyAttachment", "aws:iam:GroupPolicy", "group"},
      {"aws:iam:User", "aws:iam:UserPolicyAttachment", "aws:iam:UserPolicy", "user"},
  };
  const auto recs = store.resources(stack);
  auto fail = [](const backend::ApiError& e) { throw Failure{backend_error(e)}; };
  for (const auto& kind : kKinds) {
    for (const auto& rec : recs) {
      if (rec.type != kind.entity) continue;
      const std::string name = rec.physical_name.empty() ? rec.physical_id : rec.physical_name;
      std::set<std::string> declared_arns, declared_inline;
      for (const auto& r : recs) {
        if (r.type != kind.attachment && r.type != kind.inline_type) continue;
        auto in = read_map(r.inputs_json);
        if (in[kind.key] != name) continue;
        if (r.type == kind.attachment) declared_arns.insert(in["policyArn"]);
        else declared_inline.insert(r.physical_name);
      }
      // The entity's attached and inline policies; false when the entity is gone (refresh has
      // recorded that already).
      std::vector<backend::AttachedPolicy> attached;
      std::vector<std::string> inline_names;
      auto take = [&](auto managed, auto inlined) {
        if (!managed.ok() || !inlined.ok()) {
          const auto& e = !managed.ok() ? managed.error() : inlined.error();
          if (e.code == backend::ErrorCode::NoSuchEntity) return false;
          fail(e);
        }
        attached = managed->attached_policies;
        inline_names = inlined->policy_names;
        return true;
      };
      const std::string_view t = kind.entity;
      const bool exists =
          t == "aws:iam:Role"    ? take(be.list_attached_role_policies({.role_name = name}),
                                        be.list_role_policies({.role_name = name}))
          : t == "aws:iam:Group" ? take(be.list_attached_group_policies({.group_name = name}),
                                        be.list_group_policies({.group_name = name}))
                                 : take(be.list_attached_user_policies({.user_name = name}),
                                        be.list_user_policies({.user_name = name}));
      if (!exists) continue;
      for (const auto& p : attached)
        if (!declared_arns.count(p.policy_arn))
          out.push_back({rec.logical_name, rec.type, "managed policy " + p.policy_arn});
      for (const auto& n : inline_names)
        if (!declared_inline.count(n)) out.push_back({rec.logical_name, rec.type, "inline policy " + n});
    }
  }
}

}  // namespace

RefreshResult refresh(state::Store& store, backend::Backend& be, const std::string& stack) {
  RefreshResult result;
  const auto history = store.begin_history(stack, "refresh", "refresh");
  std::vector<std::string> ops;
  try {
    for (auto rec : store.resources(stack)) {
      const auto& prov = provider_for(rec.type);
      auto rr = prov.read(be, rec.physical_id);
      if (!rr.ok()) throw Failure{rec.logical_name + ": " + backend_error(rr.error())};
      ++result.read;
      if (!rr->exists) {
        Drift d;
        d.logical_name = rec.logical_name;
        d.type = rec.type;
        d.deleted = true;
        store.delete_resource(stack, rec.logical_name);
        ops.push_back("gone " + rec.logical_name);
        result.drift.push_back(std::move(d));
        continue;
      }
      auto before = read_map(rec.inputs_json);
      auto after = overlay(rec.type, before, rr->inputs);
      auto outs = read_map(rec.outputs_json);
      for (const auto& [k, v] : rr->outputs) outs[k] = v;
      auto diffs = diff_maps(rec.type, before, after);
      const std::string new_outputs = write_map(outs);
      if (diffs.empty() && new_outputs == rec.outputs_json) continue;
      rec.inputs_json = write_map(after);
      rec.outputs_json = new_outputs;
      store.put_resource(stack, rec);
      if (!diffs.empty()) {
        ops.push_back("drift " + rec.logical_name);
        result.drift.push_back({rec.logical_name, rec.type, false, std::move(diffs)});
      }
    }
    find_unmanaged(store, be, stack, result.unmanaged);
    for (const auto& u : result.unmanaged) ops.push_back("unmanaged " + u.logical_name + ": " + u.what);
    store.finish_history(history, "succeeded", join_lines(ops));
  } catch (const Failure& f) {
    result.ok = false;
    result.error = f.message;
    store.finish_history(history, "failed: " + f.message, join_lines(ops));
  }
  return result;
}

// ---- import -------------------------------------------------------------------------------------

ImportResult import_resource(state::Store& store, backend::Backend& be, const std::string& stack,
                             const std::string& type, const std::string& logical_name, const std::string& id,
                             const spec::Resource* declared) {
  ImportResult result;
  auto fail = [&](std::string msg) {
    result.ok = false;
    result.error = std::move(msg);
    return result;
  };
  const auto* prov = find_provider(type);
  if (!prov) return fail("unknown or unsupported resource type " + type);
  if (declared && std::string(declared->type->token) != type)
    return fail("the stack declares " + logical_name + " as " + std::string(declared->type->token) + ", not " + type);
  if (store.resource(stack, logical_name)) return fail(logical_name + " is already in the stack's state");
  auto rr = prov->read(be, id);
  if (!rr.ok()) return fail("cannot read " + type + " " + id + ": " + backend_error(rr.error()));
  if (!rr->exists) return fail(type + " " + id + " does not exist");
  StrMap inputs;
  std::set<std::string, std::less<>> unread;
  for (auto n : prov->unread_inputs()) unread.emplace(n);
  for (const auto& [k, v] : rr->inputs) {
    if (v.empty() || !schema_of(type, k)) continue;
    if (declared && !declared->find_input(k)) continue;
    if (!declared && canonical_text(type, k, v) == default_of(prov, type, k)) continue;
    inputs[k] = canonical_text(type, k, v);
    result.inputs[k] = v;  // what the declaration to paste has
  }
  if (declared)
    for (const auto& p : declared->inputs)
      if (unread.count(p.name()) && p.value.is_known() && !p.value.is_null())
        inputs[std::string(p.name())] = canonical(type, p);
  state::ResourceRecord rec;
  rec.logical_name = logical_name;
  rec.type = type;
  rec.physical_id = get(rr->outputs, "id").empty() ? id : get(rr->outputs, "id");
  rec.physical_name = get(rr->outputs, "name");
  rec.inputs_json = write_map(inputs);
  rec.outputs_json = write_map(rr->outputs);
  if (declared) rec.flags = flags_of(*declared);
  const auto history = store.begin_history(stack, "import " + logical_name, "import");
  store.put_resource(stack, rec);
  store.finish_history(history, "succeeded", "import " + logical_name + " (" + id + ")\n");
  for (const auto& [k, v] : rr->outputs) result.outputs[k] = v;
  return result;
}

std::map<std::string, std::string> outputs(state::Store& store, const std::string& stack) {
  return store.outputs(stack);
}

}  // namespace iamforge::engine
