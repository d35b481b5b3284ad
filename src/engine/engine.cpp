// plan / apply / destroy: see include/iamforge/engine/engine.hpp.
#include "iamforge/engine/engine.hpp"

#include <algorithm>
#include <random>
#include <set>

#include "iamforge/engine/provider.hpp"
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

bool supported(std::string_view token) { return find_provider(token) != nullptr; }

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

Props inputs_of(const spec::Resource& r) {
  Props in;
  for (const auto& p : r.inputs)
    if (p.value.is_known() && !p.value.is_null()) in[std::string(p.name())] = raw_text(p.value);
  return in;
}

Props to_props(const StrMap& m) { return Props(m.begin(), m.end()); }
StrMap to_map(const Props& p) { return StrMap(p.begin(), p.end()); }

const Provider& provider_for(std::string_view type) {
  const auto* p = find_provider(type);
  if (!p) throw Failure{"unsupported resource type " + std::string(type)};
  return *p;
}

// Creates the resource; returns its outputs.
StrMap create(backend::Backend& be, const spec::Resource& r, const std::string& physical_name) {
  return to_map(check(provider_for(r.type->token).create(be, inputs_of(r), physical_name)));
}

void remove(backend::Backend& be, const state::ResourceRecord& rec) {
  check(provider_for(rec.type).remove(be, to_props(read_map(rec.outputs_json))));
}

// Updates in place; returns the new outputs.
StrMap update(backend::Backend& be, const spec::Resource& r, const state::ResourceRecord& rec,
              const std::vector<PropertyDiff>& diffs) {
  std::vector<std::string> changed;
  for (const auto& d : diffs) changed.push_back(d.name);
  return to_map(check(provider_for(r.type->token).update(be, inputs_of(r), to_props(read_map(rec.outputs_json)), changed)));
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
