// plan / apply / destroy: see include/iamforge/engine/engine.hpp.
#include "iamforge/engine/engine.hpp"

#include <algorithm>
#include <random>
#include <set>

#include "iamforge/json/json.hpp"
#include "iamforge/policy/policy.hpp"

namespace iamforge::engine {
namespace {

using StrMap = std::map<std::string, std::string>;

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

// Canonical form for comparison: policy documents through policy::print_compact.
std::string canonical(const spec::Property& p) {
  std::string text = raw_text(p.value);
  if (p.schema->document != spec::Document::None) {
    if (auto type = spec::policy_type(p.schema->document)) {
      auto parsed = policy::parse(text, *type);
      if (parsed.ok()) {
        // Statement order carries no meaning in IAM: sort statements by their canonical text.
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
    }
  }
  return text;
}

bool supported(std::string_view token) {
  return token == "aws:iam:Role" || token == "aws:iam:Policy" || token == "aws:iam:RolePolicyAttachment" ||
         token == "aws:iam:Group" || token == "aws:iam:GroupPolicyAttachment";
}

spec::KnownOutputs known_from_state(state::Store& store, const std::string& stack) {
  spec::KnownOutputs known;
  for (const auto& r : store.resources(stack)) {
    std::vector<spec::Entry> entries;
    for (const auto& [k, v] : read_map(r.outputs_json)) entries.push_back({k, {}, spec::Value::of_string(v)});
    known[r.logical_name] = spec::Value::of_map(std::move(entries));
  }
  return known;
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

std::string input(const spec::Resource& r, std::string_view name, const std::string& fallback = "") {
  const auto* p = r.find_input(name);
  return p && !p->value.is_null() ? raw_text(p->value) : fallback;
}

struct Failure {
  std::string message;
};

template <class T>
T check(backend::Result<T> r) {
  if (!r.ok()) throw Failure{backend::to_string(r.error())};
  return std::move(r).value();
}
void check(backend::Result<void> r) {
  if (!r.ok()) throw Failure{backend::to_string(r.error())};
}

// Creates the resource; returns its outputs.
StrMap create(backend::Backend& be, const spec::Resource& r, const std::string& physical_name) {
  const std::string_view t = r.type->token;
  StrMap out;
  for (const auto& p : r.inputs) out[std::string(p.name())] = raw_text(p.value);
  if (t == "aws:iam:Role") {
    backend::CreateRoleRequest req;
    req.role_name = physical_name;
    req.assume_role_policy_document = input(r, "assumeRolePolicy");
    req.path = input(r, "path", "/");
    if (auto d = input(r, "description"); !d.empty()) req.description = d;
    if (auto m = input(r, "maxSessionDuration"); !m.empty()) req.max_session_duration = std::stoi(m);
    req.permissions_boundary = input(r, "permissionsBoundary");
    auto role = check(be.create_role(req));
    out["id"] = role.role_name;
    out["name"] = role.role_name;
    out["arn"] = role.arn;
    out["uniqueId"] = role.role_id;
    out["createDate"] = role.create_date;
    out["path"] = role.path;
  } else if (t == "aws:iam:Policy") {
    backend::CreatePolicyRequest req;
    req.policy_name = physical_name;
    req.policy_document = input(r, "policy");
    req.path = input(r, "path", "/");
    if (auto d = input(r, "description"); !d.empty()) req.description = d;
    auto pol = check(be.create_policy(req));
    out["id"] = pol.arn;
    out["name"] = pol.policy_name;
    out["arn"] = pol.arn;
    out["policyId"] = pol.policy_id;
    out["path"] = pol.path;
  } else if (t == "aws:iam:Group") {
    backend::CreateGroupRequest req;
    req.group_name = physical_name;
    req.path = input(r, "path", "/");
    auto g = check(be.create_group(req));
    out["id"] = g.group_name;
    out["name"] = g.group_name;
    out["arn"] = g.arn;
    out["uniqueId"] = g.group_id;
    out["path"] = g.path;
  } else if (t == "aws:iam:RolePolicyAttachment") {
    check(be.attach_role_policy({input(r, "role"), input(r, "policyArn")}));
    out["id"] = input(r, "role") + "/" + input(r, "policyArn");
  } else if (t == "aws:iam:GroupPolicyAttachment") {
    check(be.attach_group_policy({input(r, "group"), input(r, "policyArn")}));
    out["id"] = input(r, "group") + "/" + input(r, "policyArn");
  } else {
    throw Failure{"unsupported resource type " + std::string(t)};
  }
  return out;
}

void remove(backend::Backend& be, const state::ResourceRecord& rec) {
  auto out = read_map(rec.outputs_json);
  auto ignore_missing = [](backend::Result<void> r) {
    if (!r.ok() && r.error().code != backend::ErrorCode::NoSuchEntity) throw Failure{backend::to_string(r.error())};
  };
  if (rec.type == "aws:iam:Role") {
    ignore_missing(be.delete_role({rec.physical_name}));
  } else if (rec.type == "aws:iam:Policy") {
    auto versions = be.list_policy_versions({out["arn"], "", std::nullopt});
    if (versions.ok())
      for (const auto& v : versions->versions)
        if (!v.is_default_version) ignore_missing(be.delete_policy_version({out["arn"], v.version_id}));
    ignore_missing(be.delete_policy({out["arn"]}));
  } else if (rec.type == "aws:iam:Group") {
    ignore_missing(be.delete_group({rec.physical_name}));
  } else if (rec.type == "aws:iam:RolePolicyAttachment") {
    ignore_missing(be.detach_role_policy({out["role"], out["policyArn"]}));
  } else if (rec.type == "aws:iam:GroupPolicyAttachment") {
    ignore_missing(be.detach_group_policy({out["group"], out["policyArn"]}));
  } else {
    throw Failure{"unsupported resource type " + rec.type};
  }
}

// Updates in place; returns the new outputs.
StrMap update(backend::Backend& be, const spec::Resource& r, const state::ResourceRecord& rec,
              const std::vector<PropertyDiff>& diffs) {
  StrMap out = read_map(rec.outputs_json);
  for (const auto& d : diffs) {
    const std::string_view t = r.type->token;
    if (t == "aws:iam:Role" && d.name == "assumeRolePolicy") {
      check(be.update_assume_role_policy({rec.physical_name, input(r, "assumeRolePolicy")}));
    } else if (t == "aws:iam:Role" && (d.name == "description" || d.name == "maxSessionDuration")) {
      backend::UpdateRoleRequest req;
      req.role_name = rec.physical_name;
      if (d.name == "description") req.description = input(r, "description");
      else if (auto m = input(r, "maxSessionDuration", "3600"); !m.empty()) req.max_session_duration = std::stoi(m);
      check(be.update_role(req));
    } else if (t == "aws:iam:Policy" && d.name == "policy") {
      const std::string arn = out["arn"];
      auto versions = check(be.list_policy_versions({arn, "", std::nullopt})).versions;
      if (versions.size() >= 5) {
        // Oldest non-default version (list is newest first).
        for (auto it = versions.rbegin(); it != versions.rend(); ++it)
          if (!it->is_default_version) {
            check(be.delete_policy_version({arn, it->version_id}));
            break;
          }
      }
      check(be.create_policy_version({arn, input(r, "policy"), true}));
    } else {
      throw Failure{"updating " + d.name + " of " + std::string(t) + " is not supported yet"};
    }
  }
  for (const auto& p : r.inputs) out[std::string(p.name())] = raw_text(p.value);
  for (const auto& d : diffs)
    if (!r.find_input(d.name)) out.erase(d.name);
  return out;
}

StrMap canonical_inputs(const spec::Resource& r) {
  StrMap m;
  for (const auto& p : r.inputs)
    if (p.value.is_known() && !p.value.is_null()) m[std::string(p.name())] = canonical(p);
  return m;
}

}  // namespace

std::string_view to_string(Action a) {
  switch (a) {
    case Action::Same: return "same";
    case Action::Create: return "create";
    case Action::Update: return "update";
    case Action::Replace: return "replace";
    case Action::Delete: return "delete";
  }
  return "?";
}

int Plan::count(Action a) const {
  return static_cast<int>(std::count_if(changes.begin(), changes.end(), [a](const Change& c) { return c.action == a; }));
}
bool Plan::has_changes() const { return changes.size() != static_cast<size_t>(count(Action::Same)); }
std::string Plan::summary() const {
  return "Plan: " + std::to_string(count(Action::Create)) + " to create, " + std::to_string(count(Action::Update)) +
         " to update, " + std::to_string(count(Action::Replace)) + " to replace, " +
         std::to_string(count(Action::Delete)) + " to delete";
}

Plan plan(spec::Graph& graph, state::Store& store, const std::string& stack) {
  Plan p;
  auto recs = store.resources(stack);
  spec::resolve(graph, known_from_state(store, stack));
  std::set<std::string> declared;
  for (auto i : graph.order) {
    const auto& r = graph.resources[i];
    declared.insert(r.name);
    if (!supported(r.type->token)) {
      base::Diagnostic d;
      d.severity = base::Severity::Error;
      d.code = "spec.unsupported";
      d.message = "resource type " + std::string(r.type->token) + " is not supported by apply yet";
      d.span = r.type_span;
      p.errors.push_back(std::move(d));
      continue;
    }
    Change c;
    c.logical_name = r.name;
    c.type = std::string(r.type->token);
    c.graph_index = static_cast<int>(i);
    auto rec = std::find_if(recs.begin(), recs.end(), [&](const auto& x) { return x.logical_name == r.name; });
    if (rec == recs.end()) {
      c.action = Action::Create;
      for (const auto& prop : r.inputs) c.diffs.push_back({std::string(prop.name()), "", spec::to_display(prop.value), false});
    } else {
      StrMap before = read_map(rec->inputs_json);
      for (const auto& prop : r.inputs) {
        const std::string name(prop.name());
        if (std::find(r.options.ignore_changes.begin(), r.options.ignore_changes.end(), name) !=
            r.options.ignore_changes.end())
          continue;
        auto it = before.find(name);
        const bool known = prop.value.is_known();
        if (known && prop.value.is_null() && it == before.end()) continue;
        if (known && it != before.end() && it->second == canonical(prop)) continue;
        // Documents are shown in the canonical form they are compared in.
        const bool doc = known && prop.schema->document != spec::Document::None;
        c.diffs.push_back({name, it == before.end() ? "" : it->second,
                           doc ? canonical(prop) : spec::to_display(prop.value), prop.schema->forces_replacement()});
      }
      for (const auto& [name, value] : before)
        if (!r.find_input(name)) {
          const auto* schema = r.type->find_input(name);
          c.diffs.push_back({name, value, "", schema && schema->forces_replacement()});
        }
      c.action = Action::Same;
      for (const auto& d : c.diffs)
        if (d.forces_replacement && c.replace_reason.empty()) c.replace_reason = d.name;
      if (!c.replace_reason.empty() && r.options.protect) {
        base::Diagnostic d;
        d.severity = base::Severity::Error;
        d.code = "spec.unsupported";
        d.message = "`" + r.name + "` is protected and a change of `" + c.replace_reason + "` would replace it";
        d.span = r.name_span;
        p.errors.push_back(std::move(d));
      }
      if (!c.replace_reason.empty()) c.action = Action::Replace;
      else if (!c.diffs.empty()) c.action = Action::Update;
    }
    p.changes.push_back(std::move(c));
  }
  for (auto it = recs.rbegin(); it != recs.rend(); ++it)
    if (!declared.count(it->logical_name)) {
      Change c;
      c.action = Action::Delete;
      c.logical_name = it->logical_name;
      c.type = it->type;
      p.changes.push_back(std::move(c));
    }
  return p;
}

ApplyResult apply(const Plan& plan, spec::Graph& graph, state::Store& store, backend::Backend& be,
                  const std::string& stack, const Progress& progress) {
  ApplyResult result;
  auto known = known_from_state(store, stack);
  const auto history = store.begin_history(stack, plan.summary());
  try {
    // Deletes of undeclared resources first (they are dependents or unrelated), in reverse order.
    for (const auto& c : plan.changes) {
      if (c.action != Action::Delete) continue;
      auto rec = store.resource(stack, c.logical_name);
      if (!rec) continue;
      progress(c, "deleting");
      remove(be, *rec);
      store.delete_resource(stack, c.logical_name);
      known.erase(c.logical_name);
      progress(c, "deleted");
    }
    for (const auto& c : plan.changes) {
      if (c.action == Action::Delete || c.graph_index < 0) continue;
      const auto index = static_cast<std::uint32_t>(c.graph_index);
      auto rr = spec::resolve_resource(graph, index, known);
      const auto& r = graph.resources[index];
      if (!rr.ok()) throw Failure{c.logical_name + ": " + rr.errors.front().message};
      if (!r.is_known()) throw Failure{c.logical_name + ": inputs still unknown"};
      auto rec = store.resource(stack, c.logical_name);
      // Re-diff now that inputs are known (an upstream change may have made them equal).
      std::vector<PropertyDiff> diffs;
      Action action = c.action;
      if (rec && action != Action::Create) {
        StrMap before = read_map(rec->inputs_json);
        StrMap now = canonical_inputs(r);
        for (const auto& d : c.diffs) {
          auto b = before.find(d.name);
          auto n = now.find(d.name);
          if ((b == before.end()) != (n == now.end()) || (b != before.end() && b->second != n->second)) diffs.push_back(d);
        }
        if (diffs.empty()) action = Action::Same;
      }
      if (action == Action::Same) {
        if (rec) {
          std::vector<spec::Entry> entries;
          for (const auto& [k, v] : read_map(rec->outputs_json)) entries.push_back({k, {}, spec::Value::of_string(v)});
          known[c.logical_name] = spec::Value::of_map(std::move(entries));
        }
        continue;
      }
      state::ResourceRecord nrec;
      nrec.logical_name = r.name;
      nrec.type = std::string(r.type->token);
      nrec.suffix = rec ? rec->suffix : "";
      if (r.is_autonamed() && nrec.suffix.empty()) nrec.suffix = random_suffix();
      nrec.physical_name = r.is_autonamed() ? r.name + "-" + nrec.suffix : input(r, "name");
      StrMap out;
      if (action == Action::Update) {
        progress(c, "updating");
        out = update(be, r, *rec, diffs);
      } else {
        if (action == Action::Replace && rec) {
          progress(c, "replacing");
          remove(be, *rec);
          store.delete_resource(stack, c.logical_name);
        } else {
          progress(c, "creating");
        }
        out = create(be, r, nrec.physical_name);
      }
      nrec.physical_id = out["id"];
      nrec.inputs_json = write_map(canonical_inputs(r));
      nrec.outputs_json = write_map(out);
      store.put_resource(stack, nrec);
      std::vector<spec::Entry> entries;
      for (const auto& [k, v] : out) entries.push_back({k, {}, spec::Value::of_string(v)});
      known[c.logical_name] = spec::Value::of_map(std::move(entries));
      progress(c, action == Action::Update ? "updated" : action == Action::Replace ? "replaced" : "created");
    }
    spec::resolve(graph, known);
    for (const auto& o : graph.outputs) result.outputs[o.name] = o.value.is_known() ? raw_text(o.value) : "";
    store.set_outputs(stack, result.outputs);
    store.finish_history(history, "succeeded");
  } catch (const Failure& f) {
    result.ok = false;
    result.error = f.message;
    store.finish_history(history, "failed: " + f.message);
  }
  return result;
}

ApplyResult destroy(state::Store& store, backend::Backend& be, const std::string& stack, const Progress& progress) {
  ApplyResult result;
  auto recs = store.resources(stack);
  const auto history = store.begin_history(stack, "destroy " + std::to_string(recs.size()) + " resources");
  try {
    // Attachments first, then the rest in reverse creation order.
    std::stable_partition(recs.begin(), recs.end(),
                          [](const auto& r) { return r.type.find("Attachment") == std::string::npos; });
    for (auto it = recs.rbegin(); it != recs.rend(); ++it) {
      Change c;
      c.action = Action::Delete;
      c.logical_name = it->logical_name;
      c.type = it->type;
      progress(c, "deleting");
      remove(be, *it);
      store.delete_resource(stack, it->logical_name);
      progress(c, "deleted");
    }
    store.set_outputs(stack, {});
    store.finish_history(history, "succeeded");
  } catch (const Failure& f) {
    result.ok = false;
    result.error = f.message;
    store.finish_history(history, "failed: " + f.message);
  }
  return result;
}

std::map<std::string, std::string> outputs(state::Store& store, const std::string& stack) {
  return store.outputs(stack);
}

}  // namespace iamforge::engine
